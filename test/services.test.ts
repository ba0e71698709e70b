import { readYamlDocument } from '../config/yaml-stream.js';
import { defaultRender } from './support/default-render.js';

// The render of environments/, shared with the other suites that read it (support/default-render.ts).
const { tree, index, warnings, files } = await defaultRender();
/** The objects of a rendered file. */
const objectsOf = (path: string): any[] => [...(files.find((f) => f.path === path)?.objects ?? [])];
const one = (path: string, kind: string): any => objectsOf(path).find((o) => o.kind === kind);
const envOf = (container: any) => Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));

describe('mw-experimental', () => {
  const path = 'eqiad/mw-experimental/pinkllama/manifest.yaml';
  const daemonSet = one(path, 'DaemonSet');
  const pod = daemonSet.spec.template.spec;
  const app = pod.containers.find((c: any) => c.name === 'mediawiki-pinkllama-app');

  test('is a DaemonSet on the dedicated nodes with their taints tolerated', () => {
    expect(one(path, 'Rollout')).toBeUndefined();
    expect(pod.nodeSelector).toEqual({ dedicated: 'mw-experimental' });
    expect(pod.tolerations).toEqual(
      expect.arrayContaining([
        { key: 'dedicated', operator: 'Equal', value: 'mw-experimental', effect: 'NoSchedule' },
        { key: 'dedicated', operator: 'Equal', value: 'mw-experimental', effect: 'NoExecute' },
      ]),
    );
  });

  test('mounts the host /srv/mediawiki read-only over the image code, in php devel mode', () => {
    const volume = pod.volumes.find((v: any) => v.hostPath?.path === '/srv/mediawiki');
    expect(volume).toBeDefined();
    expect(app.volumeMounts).toContainEqual({ name: volume.name, mountPath: '/srv/mediawiki', readOnly: true });
    expect(envOf(app)).toMatchObject({ PHP__opcache__validate_timestamps: '1', PHP__opcache__revalidate_freq: '0', SERVERGROUP: 'kube-mw-experimental' });
  });

  test('has its own in-pod mcrouter, no limits on the app, labels that keep it out of alerting, and the current images', () => {
    expect(pod.containers.map((c: any) => c.name)).toContain('mediawiki-pinkllama-mcrouter');
    expect(envOf(app).MCROUTER_SERVER).toBe('127.0.0.1:11213');
    expect(app.resources).toEqual({ requests: { cpu: '1000m', memory: '3500Mi' } });
    expect(daemonSet.spec.template.metadata.labels.alerting).toBe('disabled');
    const web = index.releases.find((r) => r.application === 'mw-web-main-eqiad')!;
    expect(app.image).toBe(web.images.app.replace('mediawiki-multiversion:', 'mediawiki-multiversion-debug:'));
  });

  test('answers on NodePort 4456 from the pod on the node the request reached', () => {
    const service = one(path, 'Service');
    expect(service.spec).toMatchObject({ type: 'NodePort', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local' });
    expect(service.spec.ports[0]).toMatchObject({ nodePort: 4456, port: 4456 });
  });

  test('its namespace carries the label that allows the hostPath, and it is not synced automatically', () => {
    const [appset] = objectsOf('argocd/eqiad/applicationset.yaml');
    const element = appset.spec.generators[0].list.elements.find((e: any) => e.namespace === 'mw-experimental');
    expect(element).toMatchObject({ deploy: 'false', namespaceLabels: { 'pod-security.wmf.org/allow-hostpath-mw-experimental': 'include' } });
    expect(appset.spec.templatePatch).toContain('managedNamespaceMetadata');
  });
});

describe('mw-debug', () => {
  test('exposes TLS and plain HTTP NodePorts per release', () => {
    const ports = (release: string) =>
      objectsOf(`eqiad/mw-debug/${release}/manifest.yaml`)
        .filter((o) => o.kind === 'Service')
        .map((s) => s.spec.ports[0].nodePort);
    expect(ports('pinkunicorn')).toEqual([4444, 8444]);
    expect(ports('next')).toEqual([4453, 8453]);
  });

  test('deploys at once, with no intermediate weights, then runs the testservers commands that probe its own port as a Job metric', () => {
    const path = 'eqiad/mw-debug/pinkunicorn/manifest.yaml';
    const steps = one(path, 'Rollout').spec.strategy.canary.steps;
    expect(steps.filter((s: any) => 'setWeight' in s && s.setWeight < 100)).toEqual([]);
    expect(steps.map((s: any) => Object.keys(s)[0])).toEqual(['setWeight', 'analysis']);
    const template = one(path, 'AnalysisTemplate');
    expect(steps[1].analysis.templates[0].templateName).toBe(template.metadata.name);
    const job = template.spec.metrics[0].provider.job;
    const command = job.spec.template.spec.containers[0].command;
    expect(command.slice(0, 2)).toEqual(['/bin/sh', '-ec']);
    // pinkunicorn and next roll at once: each checks its own port only.
    expect(command[2]).toContain('--https_port=4444');
    expect(command[2]).not.toContain('--https_port=4453');
    const nextCommand = one('eqiad/mw-debug/next/manifest.yaml', 'AnalysisTemplate').spec.metrics[0].provider.job.spec.template.spec.containers[0].command[2];
    expect(nextCommand).toContain('--https_port=4453');
    expect(nextCommand).not.toContain('--https_port=4444');
    expect(template.spec.metrics[0].failureLimit).toBe(0);
  });

  test('uses the debug image, the debug php files, a retry policy and servergroups per release', () => {
    const rollout = one('eqiad/mw-debug/next/manifest.yaml', 'Rollout');
    const app = rollout.spec.template.spec.containers[1];
    expect(app.image).toMatch(/\/restricted\/mediawiki-multiversion-debug:/);
    expect(envOf(app).SERVERGROUP).toBe('kube-mw-debug-next');
    expect(app.volumeMounts.map((m: any) => m.mountPath)).toContain('/srv/mediawiki/w/debug');
    const envoy = objectsOf('eqiad/mw-debug/next/manifest.yaml').find((o) => o.kind === 'ConfigMap' && o.metadata.name.includes('envoy-config'));
    const ingress = (readYamlDocument(envoy.data['envoy.yaml']) as any).static_resources.listeners.find((l: any) => l.listener_filters);
    expect(ingress.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.retry_policy).toEqual({ retry_on: '5xx', num_retries: 1 });
    expect(rollout.spec.replicas).toBe(2);
  });
});

describe('supervision rules become analysis', () => {
  const thresholdOf = (release: string) => {
    const path = `eqiad/mw-web/${release}/manifest.yaml`;
    const rollout = one(path, 'Rollout');
    const names = rollout.spec.strategy.canary.steps.filter((s: any) => s.analysis).map((s: any) => s.analysis.templates[0].templateName);
    const template = objectsOf(path).find((o) => o.kind === 'AnalysisTemplate' && names.includes(o.metadata.name));
    const metric = template.spec.metrics[0];
    expect(metric.provider.web.url).toBe('https://logstash.svc.eqiad.wmnet:9200/logstash-*/_count');
    return metric.failureCondition;
  };

  test('canary fails above 10 errors, main above 150, against the cluster logstash', () => {
    expect(thresholdOf('canary')).toBe('result > 10');
    expect(thresholdOf('main')).toBe('result > 150');
  });

  test('the analysis looks at the new pods only', () => {
    const rollout = one('eqiad/mw-web/main/manifest.yaml', 'Rollout');
    const step = rollout.spec.strategy.canary.steps.find((s: any) => s.analysis);
    expect(step.analysis.args).toEqual([{ name: 'new-pods-hash', valueFrom: { podTemplateHashValue: 'Latest' } }]);
    const template = one('eqiad/mw-web/main/manifest.yaml', 'AnalysisTemplate');
    expect(template.spec.metrics[0].provider.web.body).toContain('{{args.new-pods-hash}}');
  });
});

describe('per-release policies', () => {
  test('multi-replica releases get a PodDisruptionBudget, single-replica ones do not', () => {
    expect(one('eqiad/mw-web/main/manifest.yaml', 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: '6%', selector: { matchLabels: { release: 'main' } } });
    expect(one('eqiad/mw-web/next/manifest.yaml', 'PodDisruptionBudget')).toBeUndefined();
  });

  test('the NetworkPolicy admits the pod ports and the profile egress', () => {
    const policy = one('eqiad/mw-web/main/manifest.yaml', 'NetworkPolicy');
    expect(policy.spec.ingress[0].ports.map((p: any) => p.port)).toEqual([4450, 8080, 9117, 9118, 9181, 9361]);
    expect(policy.spec.egress[0].ports).toContainEqual({ protocol: 'TCP', port: 3320 });
    // Each service-mesh upstream the pod's envoy calls, on its port.
    expect(policy.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.2.1.29/32' } }, { ipBlock: { cidr: '10.2.2.29/32' } }], ports: [{ protocol: 'TCP', port: 8081 }] });
  });

  test('the TLS proxy certificate comes from cert-manager with the service names', () => {
    const certificate = one('eqiad/mw-web/main/manifest.yaml', 'Certificate');
    expect(certificate.spec.secretName).toBe('mediawiki-main-tls-proxy-certs');
    expect(certificate.spec.dnsNames).toEqual(expect.arrayContaining(['mw-web.discovery.wmnet', 'mediawiki-main-tls-service.mw-web.svc.cluster.local']));
  });

  test('every container is restricted; only php-fpm adds SYS_PTRACE, for the slowlog', () => {
    for (const path of tree.keys()) {
      if (!path.endsWith('manifest.yaml') || path.startsWith('argocd/')) continue;
      for (const workload of objectsOf(path).filter((o) => o.kind === 'Rollout' || o.kind === 'DaemonSet')) {
        for (const c of workload.spec.template.spec.containers) {
          expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
          if (c.securityContext.capabilities.add) {
            expect({ container: c.name, add: c.securityContext.capabilities.add }).toEqual({ container: expect.stringMatching(/-app$/), add: ['SYS_PTRACE'] });
          }
        }
      }
    }
  });
});

test("today's full deployments config renders, and the namespaces without a profile are named once", () => {
  expect(index.releases.map((r) => r.namespace)).toEqual(expect.arrayContaining(['mw-web', 'mw-api-ext', 'mw-api-int', 'mw-debug', 'mw-experimental', 'mw-jobrunner', 'mw-parsoid']));
  expect(warnings).toHaveLength(1);
  for (const ns of ['mw-cron', 'mw-script', 'mediawiki-dumps-legacy']) {
    expect(warnings[0]).toContain(ns);
    expect(tree.get('README.md')).toContain(`- ${ns} (`);
  }
  expect(index.releases.find((r) => r.application === 'mw-parsoid-pinkllama-eqiad')).toMatchObject({ deploy: false, nodePorts: [4452] });
});
