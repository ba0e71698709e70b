/**
 * The facts the parity test compares between a production render (test/fixtures/production) and
 * ours, read the same way from both, and the deliberate differences that normalise them. Pure.
 */
import { readYamlDocument } from '../../config/yaml-stream.js';

type Obj = Record<string, any>;

/** A difference from production that mw-gitops makes on purpose; docs/parity.md lists each. */
export interface DeliberateDifference {
  readonly what: string;
  readonly production: string;
  readonly ours: string;
  readonly why: string;
}

/** Production's release name -> ours, where scap's deployments config names it differently. */
export const RELEASE_NAMES: Readonly<Record<string, string>> = { 'mw-parsoid/main': 'pinkllama' };

/** Production's ConfigMap (name without prefix) -> the names ours may have instead. */
export const CONFIGMAP_NAMES: Readonly<Record<string, readonly string[]>> = { 'php-debug-config': ['debug-php-files'] };

export const DELIBERATE_DIFFERENCES: readonly DeliberateDifference[] = [
  { what: 'workload kind', production: 'Deployment <ns>.<dc>.<release>', ours: 'Argo Rollout mediawiki-<release> (DaemonSet for mw-experimental)', why: 'canary steps with analysis; mw-experimental runs on each of its dedicated nodes' },
  { what: 'replicas of mw-experimental', production: '1 (Deployment)', ours: 'none: one pod per dedicated node (DaemonSet)', why: 'follows the DaemonSet; not compared' },
  { what: 'ConfigMap names', production: 'fixed names + checksum/* pod annotations', ours: 'content-hashed names (-<10 hex>)', why: 'a config change rolls the pods by itself and old ReplicaSets keep their config; compared without the hash' },
  { what: 'envoy ConfigMap name', production: 'mediawiki-<release>-envoy-config-volume', ours: 'mediawiki-<release>-envoy-config-<hash>', why: 'named after what it holds, like the other ConfigMaps' },
  { what: 'helm test Job', production: 'Job test-mediawiki-<release> (helm test hook)', ours: 'none: the stage\'s supervision checks run as Rollout analysis', why: 'Argo CD does not run helm test hooks' },
  { what: 'mw-parsoid release name', production: 'main', ours: 'pinkllama (as scap\'s deployments config names it), same NodePort 4452', why: 'the release list is scap\'s; container names are compared without the mediawiki-<release>- prefix' },
  { what: 'php env mount path', production: '/etc/php/8.1/fpm/env (the chart default php.version)', ours: '/etc/php/<profile php version>/fpm/env (8.3)', why: 'the image runs php 8.3, which reads /etc/php/8.3; compared as /etc/php/<v>/fpm/env' },
  { what: 'mail config mount', production: '/var/www (the whole directory)', ours: '/var/www/.msmtprc (subPath)', why: 'mounting the directory hides whatever else the image keeps in /var/www' },
  { what: 'site file names', production: '10 files from puppet mediawiki::sites (02-redirects.conf …)', ours: 'one file per catalogue site (environments/sites.yaml)', why: 'adding a wiki domain is one catalogue entry; the vhost names are compared instead of file names' },
  { what: 'debug pages ConfigMap name', production: 'mediawiki-<release>-php-debug-config', ours: 'mediawiki-<release>-debug-php-files-<hash>', why: 'named after what it holds (the /w/debug php files)' },
  { what: 'php env file mount', production: 'the whole /etc/php/<v>/fpm/env directory', ours: '/etc/php/<v>/fpm/env/envvars.inc by subPath', why: 'mounting the directory hides the image\'s own includes (mcrouter.inc); compared as the directory' },
  { what: 'envoy admin interface env', production: 'ADMIN_SOCKET /var/run/envoy/admin.sock, ADMIN_PORT 1666 (unused)', ours: 'neither: admin on TCP 127.0.0.1:9901, the drain script\'s default', why: 'no writable /var/run/envoy volume in the restricted pod; not compared' },
  { what: 'canary and migration certificate SANs', production: 'mediawiki-<release>-tls-service… (a Service that does not exist)', ours: 'mediawiki-main-tls-service…, the Service the pods serve behind', why: 'clients reach these pods through main\'s Service; compared as mediawiki-<service>-tls-service' },
  { what: 'mw-debug vardump.php', production: 'in the debug pages ConfigMap', ours: 'left out', why: 'it dumps $_SERVER without the password check the other debug pages have; not compared' },
  { what: 'mount path trailing slashes', production: '/etc/envoy/, /usr/share/GeoIP/', ours: 'without the slash', why: 'the same directory' },
];

export interface ContainerFacts {
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly mounts: readonly string[];
}

export interface ReleaseFacts {
  /** By name without the `mediawiki-<release>-` prefix. */
  readonly containers: ReadonlyMap<string, ContainerFacts>;
  /** By name without the prefix, the `-volume` suffix and the content hash -> data keys. */
  readonly configMaps: ReadonlyMap<string, readonly string[]>;
  /** null for a DaemonSet. */
  readonly replicas: number | null;
  readonly nodePorts: readonly number[];
  /** `TCP/443`, and `TCP/3310-3320` for ranges. */
  readonly egress: readonly string[];
  readonly sans: readonly string[];
  readonly envoyBootstraps: readonly { readonly configMap: string; readonly text: string }[];
  readonly vhostNames: readonly string[];
  /** `address:port` of every envoy listener. */
  readonly listeners: readonly string[];
  readonly rsyslogInputs: readonly string[];
  readonly rsyslogOutputs: readonly string[];
  /** The httpd container's mounts of the whole sites-enabled directory (hides the image's sites). */
  readonly sitesEnabledDirectoryMounts: number;
  /** Files mounted into php-fpm's env/ directory. */
  readonly phpEnvFiles: readonly string[];
  /** The in-pod mcrouter's config.json, parsed; undefined without one. */
  readonly mcrouterConfig?: unknown;
}

/** Env names left out on purpose (see DELIBERATE_DIFFERENCES). */
const NOT_COMPARED_ENV = new Set(['ADMIN_PORT', 'ADMIN_SOCKET']);
/** ConfigMap keys left out on purpose (see DELIBERATE_DIFFERENCES). */
const NOT_COMPARED_KEYS = new Set(['vardump.php']);

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** A mount path as compared: the deliberate differences above taken out. */
function normalMountPath(path: string): string {
  const p = path.replace(/\/+$/, '');
  if (p.startsWith('/etc/apache2/sites-enabled/')) return '/etc/apache2/sites-enabled/<site>';
  if (/^\/etc\/php\/[\d.]+\/fpm\/env(\/envvars\.inc)?$/.test(p)) return '/etc/php/<v>/fpm/env';
  if (p === '/var/www/.msmtprc') return '/var/www';
  return p;
}

function configMapKey(name: string, prefix: string): string {
  return name.replace(prefix, '').replace(/-[0-9a-f]{10}$/, '').replace(/-volume$/, '');
}

/** Our counterpart of production's ConfigMap `name` (without prefix and hash), if we have one. */
export function counterpart(name: string, ours: ReadonlyMap<string, readonly string[]>): string | undefined {
  return [name, ...(CONFIGMAP_NAMES[name] ?? [])].find((n) => ours.has(n));
}

function workloadOf(objects: readonly Obj[]): Obj {
  const workload = objects.find((o) => ['Deployment', 'Rollout', 'DaemonSet'].includes(o.kind));
  if (!workload) throw new Error('no Deployment, Rollout or DaemonSet');
  return workload;
}

/** Every fact of one release's objects; `release` is the name in its container names. */
export function releaseFacts(objects: readonly Obj[], release: string): ReleaseFacts {
  const prefix = `mediawiki-${release}-`;
  const workload = workloadOf(objects);
  const pod = workload.spec.template.spec;
  const volumes = new Map<string, Obj>((pod.volumes ?? []).map((v: Obj) => [v.name, v]));
  const configMapObjects = objects.filter((o) => o.kind === 'ConfigMap');
  const data = (pattern: RegExp): Record<string, string> => Object.assign({}, ...configMapObjects.filter((o) => pattern.test(o.metadata.name)).map((o) => o.data ?? {}));

  const containers = new Map<string, ContainerFacts>(
    (pod.containers as Obj[]).map((c) => [
      c.name.replace(prefix, ''),
      { args: (c.args ?? []).map(String), env: sorted((c.env ?? []).map((e: Obj) => e.name).filter((name: string) => !NOT_COMPARED_ENV.has(name))), mounts: sorted((c.volumeMounts ?? []).map((m: Obj) => normalMountPath(m.mountPath))) },
    ]),
  );
  const httpd = (pod.containers as Obj[]).find((c) => c.name === `${prefix}httpd`);
  const app = (pod.containers as Obj[]).find((c) => c.name === `${prefix}app`);
  const envMount = (app?.volumeMounts ?? []).find((m: Obj) => /^\/etc\/php\/[\d.]+\/fpm\/env/.test(m.mountPath));
  const envConfigMap = envMount ? configMapObjects.find((o) => o.metadata.name === volumes.get(envMount.name)?.configMap?.name) : undefined;

  const envoyBootstraps = configMapObjects.filter((o) => typeof o.data?.['envoy.yaml'] === 'string').map((o) => ({ configMap: o.metadata.name as string, text: o.data['envoy.yaml'] as string }));
  const listeners = envoyBootstraps.flatMap(({ text }) =>
    (((readYamlDocument(text) as Obj | null)?.static_resources?.listeners ?? []) as Obj[]).map((l) => `${l.address?.socket_address?.address}:${l.address?.socket_address?.port_value}`),
  );

  const sites = Object.values(data(/httpd-sites/)).join('\n');
  const vhostNames = [...sites.matchAll(/^\s*Server(?:Name|Alias)\s+(.+)$/gim)].flatMap((m) => m[1].trim().split(/\s+/));

  const rsyslog = Object.entries(data(/rsyslog/))
    .filter(([key]) => key.endsWith('.conf'))
    .map(([, text]) => text.replace(/^\s*#.*$/gm, ''))
    .join('\n');
  const stringTemplates = new Map([...rsyslog.matchAll(/template\(\s*name="([^"]+)"\s+type="string"\s+string="([^"]*)"/gi)].map((m) => [m[1], m[2]]));
  const actions = [...rsyslog.matchAll(/action\(([^)]*)\)/gis)].map((m) => m[1]);
  const param = (text: string, name: string) => new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, 'i').exec(text)?.[1];
  const rsyslogOutputs = actions.flatMap((a) => {
    const type = param(a, 'type');
    if (type === 'omkafka') {
      const topic = param(a, 'topic') ?? '';
      const brokers = /broker\s*=\s*\[([^\]]*)\]/i.exec(a)?.[1].replace(/[\s"]/g, '') ?? '';
      return [`kafka ${param(a, 'dynatopic') === 'on' ? (stringTemplates.get(topic) ?? topic) : topic} via ${brokers}`];
    }
    if (type === 'omfwd') return [`${param(a, 'protocol')} ${param(a, 'target')}:${param(a, 'port')}`];
    return [];
  });
  const rsyslogInputs = [...rsyslog.matchAll(/input\(([^)]*)\)/gis)].map(([, i]) =>
    param(i, 'type') === 'imudp' ? `udp ${param(i, 'address')}:${param(i, 'port')}` : `${param(i, 'type')} ${param(i, 'file')}`,
  );

  const service = objects.filter((o) => o.kind === 'Service');
  const policy = objects.find((o) => o.kind === 'NetworkPolicy');
  // A rule without ports opens every port of its destinations.
  const egress = ((policy?.spec?.egress ?? []) as Obj[]).flatMap((rule) =>
    rule.ports ? (rule.ports as Obj[]).map((p) => `${p.protocol ?? 'TCP'}/${p.port}${p.endPort ? `-${p.endPort}` : ''}`) : ['any'],
  );
  const certificate = objects.find((o) => o.kind === 'Certificate');

  return {
    containers,
    configMaps: new Map(configMapObjects.map((o) => [configMapKey(o.metadata.name, prefix), sorted(Object.keys(o.data ?? {}).filter((key) => !NOT_COMPARED_KEYS.has(key)))])),
    replicas: workload.kind === 'DaemonSet' ? null : (workload.spec.replicas ?? 1),
    nodePorts: service.flatMap((s) => (s.spec.ports as Obj[]).map((p) => p.nodePort).filter((n) => n !== undefined)).sort((a, b) => a - b),
    egress: sorted(egress),
    sans: sorted((certificate?.spec?.dnsNames ?? []).map((name: string) => name.replace(/^mediawiki-[a-z0-9-]+-tls-service\./, 'mediawiki-<service>-tls-service.'))),
    envoyBootstraps,
    vhostNames: sorted(vhostNames),
    listeners: sorted(listeners),
    rsyslogInputs: sorted(rsyslogInputs),
    rsyslogOutputs: sorted(rsyslogOutputs),
    sitesEnabledDirectoryMounts: (httpd?.volumeMounts ?? []).filter((m: Obj) => m.mountPath.replace(/\/+$/, '') === '/etc/apache2/sites-enabled').length,
    phpEnvFiles: envConfigMap ? Object.keys(envConfigMap.data ?? {}).sort() : [],
    ...(data(/mcrouter/)['config.json'] ? { mcrouterConfig: JSON.parse(data(/mcrouter/)['config.json']) } : {}),
  };
}

/** Whether our egress rules open `protocol/port` (a port or a range of production's; `any`: every port). */
export function egressAllows(ours: readonly string[], wanted: string): boolean {
  const parse = (rule: string) => {
    const [protocol, ports] = rule.split('/');
    const [from, to] = ports.split('-').map(Number);
    return { protocol, from, to: to ?? from };
  };
  if (wanted === 'any') return ours.includes('any');
  const w = parse(wanted);
  return ours.filter((rule) => rule !== 'any').some((rule) => {
    const r = parse(rule);
    return r.protocol === w.protocol && r.from <= w.from && w.to <= r.to;
  });
}
