import { Construct } from 'constructs';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { policyExceptionsAnnotation } from '../config/policy-exceptions.js';
import { HashedConfigMap } from './hashed-config-map.js';
import { appPart } from './pod-app.js';
import { debugPagesPart } from './pod-debug-pages.js';
import { exporters } from './pod-exporters.js';
import { hostPathsPart } from './pod-host-paths.js';
import { httpdPart } from './pod-httpd.js';
import { mcrouter } from './pod-mcrouter.js';
import { PHP_LOGGING_VOLUME, SHARED_SOCKET_VOLUME, type PodPart, type PodPartContext, type Sidecar } from './pod-part.js';
import { rsyslog } from './pod-rsyslog.js';
import { tlsProxy } from './pod-tls-proxy.js';
import type { ResolvedRelease } from './resolved-release.js';

/** The pod's settings where its props leave them out. */
const DEFAULTS = { preStopSleepSeconds: 8 } as const;

/** The containers beside httpd and php-fpm, in the order the pod lists them (one per profile switch, and the TLS proxy every pod runs). */
export const SIDECARS: readonly Sidecar[] = [exporters, mcrouter, tlsProxy, rsyslog];

export interface MediaWikiPodProps {
  readonly release: ResolvedRelease;
  /** Labels on the pod and on the ConfigMaps it mounts. */
  readonly labels: Readonly<Record<string, string>>;
  /** The Secret cert-manager writes the TLS proxy's certificate into. */
  readonly tlsSecretName: string;
  /**
   * Seconds between the stop signal and the kill; the preStop sleeps and drains run inside it.
   * Never shorter than the pod needs: its longest drain plus its longest request timeout, so a
   * request that starts just before the drain ends still finishes.
   * @default - the longest drain plus the longest request timeout of the pod's parts
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Seconds httpd and php-fpm keep serving after the stop signal, while the endpoints drain.
   * @default 8
   */
  readonly preStopSleepSeconds?: number;
  /**
   * Sidecars to consider, each run where its profile switch is on.
   * @default SIDECARS
   */
  readonly sidecars?: readonly Sidecar[];
}

/**
 * The MediaWiki pod of one release, composed of parts (constructs/pod-*.ts): httpd (web flavour),
 * php-fpm (mw flavour and kind), the features mounted into them (debug pages, host paths), and
 * the sidecars the profile switches on (exporters, mcrouter, the envoy TLS proxy, rsyslog), with
 * the content-hashed ConfigMaps they mount. Shared by the Rollout and the DaemonSet workloads.
 */
export class MediaWikiPod extends Construct {
  readonly template: IPodTemplateSpec;
  /** The container ports that take traffic from outside the pod (the NetworkPolicy's ingress), ascending. */
  readonly ingressPorts: readonly number[];
  readonly terminationGracePeriodSeconds: number;
  readonly preStopSleepSeconds: number;

  constructor(scope: Construct, id: string, props: MediaWikiPodProps) {
    super(scope, id);
    const { release, labels } = props;
    const { profile } = release;
    this.preStopSleepSeconds = props.preStopSleepSeconds ?? DEFAULTS.preStopSleepSeconds;
    if (!Number.isInteger(this.preStopSleepSeconds) || this.preStopSleepSeconds < 0) {
      throw new Error(`'preStopSleepSeconds' (${this.preStopSleepSeconds}) must be a whole number of seconds, 0 or more`);
    }
    const context: PodPartContext = {
      release,
      prefix: `mediawiki-${release.spec.release}`,
      tlsSecretName: props.tlsSecretName,
      preStopSleepSeconds: this.preStopSleepSeconds,
    };

    const sidecars = (props.sidecars ?? SIDECARS).filter((s) => s.profileSwitch === undefined || profile.sidecars[s.profileSwitch]);
    // In container order: the main containers, the features mounted into them, then the sidecars.
    const composed: { readonly part: PodPart; readonly alwaysOn: boolean }[] = [
      { part: httpdPart(context), alwaysOn: true },
      { part: appPart(context), alwaysOn: true },
      { part: debugPagesPart(context), alwaysOn: false },
      { part: hostPathsPart(context), alwaysOn: false },
      ...sidecars.map((s) => ({ part: s.build(context), alwaysOn: s.profileSwitch === undefined })),
    ];
    const parts = composed.map((c) => c.part);

    const longestDrain = Math.max(0, ...parts.map((p) => p.drainSeconds ?? 0));
    const longestRequest = Math.max(0, ...parts.map((p) => p.requestTimeoutSeconds ?? 0));
    const neededGrace = Math.max(1, longestDrain + longestRequest);
    this.terminationGracePeriodSeconds = props.terminationGracePeriodSeconds ?? neededGrace;
    if (!Number.isInteger(this.terminationGracePeriodSeconds) || this.terminationGracePeriodSeconds < neededGrace) {
      throw new Error(
        `'terminationGracePeriodSeconds' (${this.terminationGracePeriodSeconds}) must be a whole number of seconds, at least the pod's longest drain (${longestDrain}) plus its longest request timeout (${longestRequest}): ${neededGrace}`,
      );
    }

    const containers = parts.flatMap((p) => p.containers ?? []).map((c): IContainer => ({ ...c }));
    for (const { into, mount } of parts.flatMap((p) => p.mounts ?? [])) {
      const target = containers.find((c) => c.name === `${context.prefix}-${into}`)!;
      target.volumeMounts = [...(target.volumeMounts ?? []), mount];
    }

    // Volumes (and their ConfigMaps): those of the parts every pod has, the volumes the main
    // containers share, then those of the parts the profile switches on, so switching a part on
    // or off leaves the others' order alone.
    const volumes: IVolume[] = [];
    const addVolumes = (part: PodPart) => {
      for (const v of part.volumes ?? []) {
        if ('source' in v) volumes.push({ name: v.name, ...v.source });
        else volumes.push({ name: v.name, configMap: { name: new HashedConfigMap(this, v.name, { baseName: `${context.prefix}-${v.name}`, data: v.configMapFiles, labels }).name } });
      }
    };
    composed.filter((c) => c.alwaysOn).forEach((c) => addVolumes(c.part));
    volumes.push({ name: SHARED_SOCKET_VOLUME, emptyDir: {} }, { name: PHP_LOGGING_VOLUME, emptyDir: {} });
    composed.filter((c) => !c.alwaysOn).forEach((c) => addVolumes(c.part));

    const podLocal = new Set(parts.flatMap((p) => p.podLocalPorts ?? []));
    const ports = containers.flatMap((c) => c.ports ?? []).filter((p) => !podLocal.has(p.name ?? ''));
    this.ingressPorts = [...new Set(ports.map((p) => p.containerPort))].sort((a, b) => a - b);

    const exceptions = parts.flatMap((p) => p.policyExceptions ?? []);
    this.template = {
      metadata: {
        labels: { ...labels, ...profile.podLabels },
        annotations: {
          ...(exceptions.length ? policyExceptionsAnnotation(exceptions) : {}),
          'prometheus.io/scrape_by_name': 'true',
          ...Object.assign({}, ...parts.map((p) => p.annotations ?? {})),
        },
      },
      spec: {
        terminationGracePeriodSeconds: this.terminationGracePeriodSeconds,
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 33, runAsGroup: 33, fsGroup: 33, seccompProfile: { type: 'RuntimeDefault' } },
        ...(Object.keys(profile.placement.nodeSelector).length ? { nodeSelector: { ...profile.placement.nodeSelector } } : {}),
        ...(profile.placement.tolerations.length ? { tolerations: profile.placement.tolerations.map((t) => ({ ...t })) } : {}),
        containers,
        volumes,
      },
    };
  }
}
