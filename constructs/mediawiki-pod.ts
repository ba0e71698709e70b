import { Construct } from 'constructs';
import type { IContainer as Container } from 'kubernetes-models/v1/Container';
import type { IEnvVar as EnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodTemplateSpec as PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IResourceRequirements as ResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { ISecurityContext as SecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IVolume as Volume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount as VolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { policyExceptionsAnnotation } from '../config/policy-exceptions.js';
import type { Resources } from '../config/profile.js';
import type { ResolvedRelease } from './resolved-release.js';
import { HashedConfigMap } from './hashed-config-map.js';
import * as files from './release-config.js';

export interface MediaWikiPodProps {
  readonly release: ResolvedRelease;
  /** Labels on the pod and on the ConfigMaps it mounts. */
  readonly labels: Readonly<Record<string, string>>;
  /** The Secret cert-manager writes the TLS proxy's certificate into. */
  readonly tlsSecretName: string;
}

/**
 * The MediaWiki pod of one release: httpd (web flavour), php-fpm (mw flavour and kind), the
 * envoy TLS proxy, exporters, and optional mcrouter and rsyslog, with the content-hashed
 * ConfigMaps they mount. Shared by the Rollout and the DaemonSet workloads.
 */
export class MediaWikiPod extends Construct {
  readonly template: PodTemplateSpec;

  constructor(scope: Construct, id: string, props: MediaWikiPodProps) {
    super(scope, id);
    const { release, labels } = props;
    const { profile, spec } = release;
    const prefix = `mediawiki-${spec.release}`;
    const configMap = (name: string, data: Record<string, string>) =>
      new HashedConfigMap(this, name, { baseName: `${prefix}-${name}`, data, labels }).name;

    const volumes: Volume[] = [];
    const mountConfig = (name: string, data: Record<string, string>) => {
      volumes.push({ name, configMap: { name: configMap(name, data) } });
      return name;
    };
    const sites = mountConfig('httpd-sites-config', files.httpdSites(release));
    const early = mountConfig('httpd-early-config', files.httpdEarlyConfig());
    const cluster = mountConfig('wikimedia-cluster-config', files.wikimediaCluster(release));
    const mail = mountConfig('mail-config', files.mailConfig(release));
    const envvars = mountConfig('php-envvars', files.phpEnvvars(release));
    const envoy = mountConfig('envoy-config', files.envoyConfig(release));
    volumes.push(
      { name: 'tls-certs', secret: { secretName: props.tlsSecretName } },
      { name: 'shared-socket', emptyDir: {} },
      { name: 'php-logging', emptyDir: {} },
    );
    const appMounts: VolumeMount[] = [
      { name: 'shared-socket', mountPath: '/run/shared' },
      { name: 'php-logging', mountPath: '/var/log/php-fpm' },
      { name: cluster, mountPath: '/etc/wikimedia-cluster', subPath: 'wikimedia-cluster', readOnly: true },
      { name: mail, mountPath: '/var/www/.msmtprc', subPath: '.msmtprc', readOnly: true },
      { name: envvars, mountPath: `/etc/php/${profile.php.version}/fpm/env`, readOnly: true },
    ];
    const httpdMounts: VolumeMount[] = [
      { name: 'shared-socket', mountPath: '/run/shared' },
      { name: sites, mountPath: '/etc/apache2/sites-enabled', readOnly: true },
      { name: early, mountPath: '/etc/apache2/conf-enabled/00-aaa.conf', subPath: '00-aaa.conf', readOnly: true },
    ];
    if (profile.debugPhpFiles) {
      const debug = mountConfig('debug-php-files', files.debugPhpFiles());
      appMounts.push({ name: debug, mountPath: '/srv/mediawiki/w/debug', readOnly: true });
      httpdMounts.push({ name: debug, mountPath: '/srv/mediawiki/w/debug', readOnly: true });
    }
    if (profile.geoip) {
      for (const [name, path] of [['geoip', '/usr/share/GeoIP'], ['geoipinfo', '/usr/share/GeoIPInfo']]) {
        volumes.push({ name, hostPath: { path, type: 'Directory' } });
        appMounts.push({ name, mountPath: path, readOnly: true });
      }
    }
    for (const hostPath of profile.hostPaths) {
      volumes.push({ name: hostPath.name, hostPath: { path: hostPath.path, type: 'Directory' } });
      (hostPath.container === 'app' ? appMounts : httpdMounts).push({ name: hostPath.name, mountPath: hostPath.mountPath, readOnly: hostPath.readOnly });
    }

    const { php } = profile;
    const phpEnv: Record<string, string> = {
      SERVERGROUP: release.servergroup,
      FCGI_MODE: 'FCGI_UNIX',
      FCGI_URL: `unix://${files.FPM_SOCKET}`,
      FCGI_ALLOW: '127.0.0.1',
      PHP__opcache__memory_consumption: String(php.opcache.size),
      PHP__opcache__max_accelerated_files: String(php.opcache.files),
      PHP__opcache__interned_strings_buffer: String(php.opcache.internedStringsBuffer),
      PHP__apc__shm_size: `${php.apcSize}M`,
      FPM__pm__max_children: String(php.workers),
      FPM__request_terminate_timeout: String(php.timeout),
      FPM__request_slowlog_timeout: String(php.slowlogTimeout),
      FPM__slowlog: '/var/log/php-fpm/slowlog.log',
      PHP__max_execution_time: String(php.maxExecutionTime),
      PHP__error_log: '/var/log/php-fpm/error.log',
      ...(php.develMode ? { PHP__opcache__validate_timestamps: '1', PHP__opcache__revalidate_freq: '0', FPM__catch_workers_output: '1' } : {}),
      ...Object.fromEntries(Object.entries(files.phpEnvvars(release)).map(([k, v]) => [k.toUpperCase(), v])),
    };

    const containers: Container[] = [
      {
        name: `${prefix}-httpd`,
        image: release.images.httpd,
        imagePullPolicy: 'IfNotPresent',
        env: [
          ...envList({ FCGI_MODE: 'FCGI_UNIX', SERVERGROUP: release.servergroup, APACHE_RUN_PORT: String(files.HTTPD_PORT) }),
          { name: 'SERVER_SIGNATURE', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ...envList({ LOG_FORMAT: profile.sidecars.rsyslog ? 'ecs_rsyslog' : 'ecs', LOG_SKIP_SYSTEM: '1' }),
        ],
        ports: [
          { name: 'httpd', containerPort: files.HTTPD_PORT },
          { name: 'php-metrics', containerPort: files.PHP_METRICS_PORT },
        ],
        livenessProbe: { tcpSocket: { port: ('httpd') } },
        readinessProbe: { httpGet: { path: '/healthz', port: ('php-metrics') } },
        lifecycle: { preStop: { exec: { command: ['/bin/sleep', '8'] } } },
        resources: resourceRequirements(profile.resources.httpd),
        securityContext: restricted(),
        volumeMounts: httpdMounts,
      },
      {
        name: `${prefix}-app`,
        image: release.images.app,
        imagePullPolicy: 'IfNotPresent',
        env: envList(phpEnv),
        livenessProbe: { exec: { command: ['/usr/bin/test', '-S', files.FPM_SOCKET] } },
        readinessProbe: { exec: { command: ['/usr/bin/test', '-S', files.FPM_SOCKET] } },
        lifecycle: { preStop: { exec: { command: ['/bin/sleep', '8'] } } },
        resources: resourceRequirements(profile.resources.app),
        // The php-fpm slowlog traces workers with ptrace, as today's chart allows.
        securityContext: restricted(php.slowlogTimeout > 0 ? ['SYS_PTRACE'] : []),
        volumeMounts: appMounts,
      },
    ];

    const sidecarImage = (image: string) => `${release.registry}/${image}`;
    const images = release.platform.images;
    if (profile.sidecars.exporters) {
      containers.push(
        exporter(`${prefix}-httpd-exporter`, 'httpd-exp', sidecarImage(images.httpdExporter), files.HTTPD_EXPORTER_PORT, profile.resources.exporter),
        exporter(`${prefix}-php-fpm-exporter`, 'fpm-exp', sidecarImage(images.phpFpmExporter), files.PHP_FPM_EXPORTER_PORT, profile.resources.exporter),
      );
    }
    if (profile.sidecars.mcrouter) {
      containers.push(
        {
          name: `${prefix}-mcrouter`,
          image: sidecarImage(images.mcrouter),
          imagePullPolicy: 'IfNotPresent',
          args: ['--port', String(files.MCROUTER_PORT), '--route-prefix', `/${release.cluster.datacenter}/mw`, '--config', `file:/etc/mcrouter/config.json`],
          ports: [{ name: 'mcrouter', containerPort: files.MCROUTER_PORT }],
          livenessProbe: { tcpSocket: { port: ('mcrouter') } },
          readinessProbe: { tcpSocket: { port: ('mcrouter') } },
          resources: resourceRequirements(profile.resources.mcrouter),
          securityContext: restricted(),
          volumeMounts: [{ name: mountConfig('mcrouter-config', mcrouterConfig(release)), mountPath: '/etc/mcrouter', readOnly: true }],
        },
        exporter(`${prefix}-mcrouter-exporter`, 'mcrouter-exp', sidecarImage(images.mcrouterExporter), files.MCROUTER_EXPORTER_PORT, profile.resources.exporter),
      );
    }
    containers.push({
      name: `${prefix}-tls-proxy`,
      image: sidecarImage(images.envoy),
      imagePullPolicy: 'IfNotPresent',
      env: envList({ SERVICE_NAME: spec.namespace, CONCURRENCY: String(profile.mesh.concurrency), DRAIN_TIME_S: '600', DRAIN_STRATEGY: 'gradual' }),
      ports: [
        { name: 'tls', containerPort: release.tlsPort },
        { name: 'envoy-admin', containerPort: files.ENVOY_ADMIN_PORT },
      ],
      livenessProbe: { tcpSocket: { port: ('tls') } },
      readinessProbe: { httpGet: { path: '/healthz', port: ('envoy-admin') } },
      lifecycle: { preStop: { exec: { command: ['/bin/drain-envoy.sh'] } } },
      resources: resourceRequirements(profile.resources.tlsProxy),
      securityContext: restricted(),
      volumeMounts: [
        { name: envoy, mountPath: '/etc/envoy', readOnly: true },
        { name: 'tls-certs', mountPath: '/etc/envoy/ssl', readOnly: true },
      ],
    });
    if (profile.sidecars.rsyslog) {
      containers.push({
        name: `${prefix}-rsyslog`,
        image: sidecarImage(images.rsyslog),
        imagePullPolicy: 'IfNotPresent',
        env: [
          { name: 'KUBERNETES_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'KUBERNETES_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        ],
        resources: resourceRequirements(profile.resources.rsyslog),
        securityContext: restricted(),
        volumeMounts: [
          { name: 'php-logging', mountPath: '/var/log/php-fpm', readOnly: true },
          { name: mountConfig('rsyslog-config', files.rsyslogConfig(release)), mountPath: '/etc/rsyslog.d', readOnly: true },
        ],
      });
    }

    this.template = {
      metadata: {
        labels: { ...labels, ...profile.podLabels },
        annotations: {
          // The one documented departure from the restricted profile, scoped to the container.
          ...(php.slowlogTimeout > 0
            ? policyExceptionsAnnotation([
                { rule: 'security-capabilities', container: `${prefix}-app`, reason: 'php-fpm slowlog (request_slowlog_timeout > 0) traces workers with ptrace, which needs SYS_PTRACE' },
              ])
            : {}),
          'prometheus.io/scrape_by_name': 'true',
          'envoyproxy.io/scrape': 'true',
          'envoyproxy.io/port': String(files.ENVOY_ADMIN_PORT),
        },
      },
      spec: {
        terminationGracePeriodSeconds: 10,
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

function envList(values: Record<string, string>): EnvVar[] {
  return Object.entries(values).map(([name, value]) => ({ name, value }));
}

/** A profile's requests and limits as a container's resources (omitted limits stay unlimited). */
export function resourceRequirements(r: Resources): ResourceRequirements {
  const quantities = (q: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined));
  return { requests: quantities(r.requests), ...(r.limits ? { limits: quantities(r.limits) } : {}) };
}

/** The restricted Pod Security Standard, optionally adding capabilities a service documents. */
function restricted(add: string[] = []): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'], ...(add.length ? { add } : {}) },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

function exporter(name: string, portName: string, image: string, port: number, r: Resources): Container {
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: portName, containerPort: port }],
    livenessProbe: { tcpSocket: { port: portName } },
    readinessProbe: { httpGet: { path: '/metrics', port: portName } },
    resources: resourceRequirements(r),
    securityContext: restricted(),
  };
}

function mcrouterConfig(release: ResolvedRelease): Record<string, string> {
  const config = {
    pools: { [`${release.cluster.datacenter}-servers`]: { servers: [release.cluster.mcrouterServer] } },
    route: { type: 'PrefixSelectorRoute', policies: {}, wildcard: `PoolRoute|${release.cluster.datacenter}-servers` },
  };
  return { 'config.json': `${JSON.stringify(config, null, 2)}\n` };
}
