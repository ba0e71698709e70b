import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResolvedRelease } from './resolved-release.js';
import { CanaryStep } from './canary-step.js';
import { MediaWikiDaemonSet } from './mediawiki-daemon-set.js';
import { MediaWikiPod } from './mediawiki-pod.js';
import { MediaWikiRollout } from './mediawiki-rollout.js';
import { PercentOrCount } from './percent-or-count.js';
import { ReleaseDisruptionBudget } from './release-disruption-budget.js';
import { ReleaseNetworkPolicy, releaseEgress } from './release-network-policy.js';
import { stepsForReplicas } from './replica-steps.js';
import { POD_HASH_ARG, SupervisionAnalysis } from './supervision-analysis.js';
import { TlsCertificate } from './tls-certificate.js';
import { NodePortService } from './tls-service.js';

export interface MediaWikiReleaseProps extends ChartProps {
  readonly release: ResolvedRelease;
}

/**
 * Everything one MediaWiki release runs in one cluster: its workload (an Argo Rollout, or a
 * DaemonSet for mw-experimental), the hashed ConfigMaps, Services, supervision analysis,
 * NetworkPolicy, PodDisruptionBudget and TLS certificate. Names follow today's chart
 * (`mediawiki-<release>…`), so nothing carries a cdk8s hash.
 */
export class MediaWikiRelease extends Chart {
  constructor(scope: Construct, id: string, props: MediaWikiReleaseProps) {
    const { release } = props;
    const { spec, profile } = release;
    super(scope, id, { ...props, namespace: spec.namespace, disableResourceNameHashes: true });

    const prefix = `mediawiki-${spec.release}`;
    const labels = { app: 'mediawiki', release: spec.release, deployment: spec.namespace, 'app.kubernetes.io/managed-by': 'mw-gitops' };
    const podLabels = { app: 'mediawiki', release: spec.release, deployment: spec.namespace, routed_via: release.routedVia };
    const selector = { app: 'mediawiki', release: spec.release };
    const tlsSecretName = `${prefix}-tls-proxy-certs`;

    const pod = new MediaWikiPod(this, 'Pod', { release, labels: podLabels, tlsSecretName });

    if (profile.workload === 'daemonset') {
      new MediaWikiDaemonSet(this, 'Workload', { name: prefix, labels, selector, template: pod.template });
    } else {
      const analysis = release.checks.length
        ? new SupervisionAnalysis(this, 'Supervision', {
            name: `${prefix}-${spec.stage}-supervision`,
            labels,
            namespace: spec.namespace,
            stage: spec.stage,
            checks: release.checks,
            logstashUrl: release.cluster.logstashUrl,
            commandsImage: `${release.registry}/${release.platform.images.checks}`,
            commandsResources: profile.resources.exporter,
            otherReleasePorts: Object.entries(profile.ports)
              .filter(([name]) => name !== spec.release)
              .flatMap(([, p]) => [p.tls, ...(p.http === undefined ? [] : [p.http])]),
          })
        : undefined;
      const steps = stepsForReplicas(profile.steps[spec.stage], release.replicas ?? 0).flatMap((step): CanaryStep[] => {
        if ('setWeight' in step) return [CanaryStep.setWeight(step.setWeight)];
        if ('pause' in step) return [CanaryStep.pause(step.pause)];
        // Where the stage has no supervision checks, its analysis steps fall away.
        return analysis ? [CanaryStep.analysis([analysis.name], [{ name: POD_HASH_ARG, podTemplateHash: 'Latest' }])] : [];
      });
      new MediaWikiRollout(this, 'Workload', {
        name: prefix,
        labels,
        selector,
        replicas: release.replicas ?? 0,
        template: pod.template,
        steps,
        maxSurge: PercentOrCount.parse(profile.maxSurge),
        maxUnavailable: PercentOrCount.parse(profile.maxUnavailable),
      });
      if ((release.replicas ?? 0) > 1) {
        // A budget of 0 would block every node drain: a drain may always take one pod.
        const unavailable = PercentOrCount.parse(profile.maxUnavailable);
        new ReleaseDisruptionBudget(this, 'DisruptionBudget', { name: prefix, labels, selector, maxUnavailable: unavailable.isZero ? PercentOrCount.count(1) : unavailable });
      }
    }

    // A release routed via another (canary, migration) adds pods behind that release's Service.
    const servicePorts = release.ports;
    const trafficPolicy = profile.workload === 'daemonset' ? 'Local' : 'Cluster';
    const routedSelector = { app: 'mediawiki', routed_via: spec.release };
    if (servicePorts) {
      new NodePortService(this, 'TlsService', {
        name: `${prefix}-tls-service`,
        labels,
        selector: routedSelector,
        port: servicePorts.tls,
        targetPort: 'tls',
        portName: 'https',
        trafficPolicy,
      });
      if (servicePorts.http !== undefined) {
        new NodePortService(this, 'HttpService', {
          name: prefix,
          labels,
          selector: routedSelector,
          port: servicePorts.http,
          targetPort: 'httpd',
          portName: 'http',
          trafficPolicy,
        });
      }
    }

    new ReleaseNetworkPolicy(this, 'NetworkPolicy', { name: prefix, labels, podSelector: selector, ingressPorts: pod.ingressPorts, egress: releaseEgress(release) });

    const { cluster, platform } = release;
    // Pods of a routed release (canary, migration) serve behind the routed-to release's Service:
    // that is the name clients verify.
    const dnsNames = [
      `${spec.namespace}.discovery.wmnet`,
      `${spec.namespace}.${cluster.serviceDomain}`,
      `mediawiki-${release.routedVia}-tls-service.${spec.namespace}.svc.cluster.local`,
      ...platform.extraFQDNs,
    ];
    new TlsCertificate(this, 'TlsCertificate', { name: tlsSecretName, secretName: tlsSecretName, labels, issuer: platform.certIssuer, dnsNames: [...new Set(dnsNames)] });
  }
}
