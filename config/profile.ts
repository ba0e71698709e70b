/**
 * Service profiles and clusters: typed TypeScript data in environments/, validated with zod when
 * loaded so a bad edit names the file and the field like a bad YAML edit does.
 */
import { z } from 'zod';
import { ConfigError, fieldPath } from './errors.js';
import { STAGES } from './model.js';
import { DnsLabel, nameMap } from './names.js';

const NodePort = z.number().int().min(1).max(65535);
const Quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G)?$/, 'must be a Kubernetes quantity such as "200m" or "400Mi"');
const Duration = z.string().regex(/^[0-9]+(\.[0-9]+)?(s|m|h)$/, 'must be a duration such as "30s", "1202.5s", "5m" or "1h"');
const LabelMap = z.record(z.string(), z.string());

export const Resources = z.strictObject({
  requests: z.strictObject({ cpu: Quantity, memory: Quantity }),
  /** Omitted entries are not limited (the app has no cpu limit in production). */
  limits: z.strictObject({ cpu: Quantity.optional(), memory: Quantity.optional() }).optional(),
});
export type Resources = z.infer<typeof Resources>;

/** A canary step as a profile writes it; `analysis` stands for the stage's supervision checks. */
export const StepSpec = z.union([
  z.strictObject({ setWeight: z.number().int().min(0).max(100) }),
  z.strictObject({ pause: Duration.optional() }),
  z.strictObject({ analysis: z.literal(true) }),
]);
export type StepSpec = z.infer<typeof StepSpec>;

export const Toleration = z.strictObject({
  key: z.string(),
  operator: z.enum(['Equal', 'Exists']),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

export const HostPathMount = z.strictObject({
  name: DnsLabel,
  path: z.string().regex(/^\/[^\0]*$/, 'must be an absolute path'),
  mountPath: z.string().regex(/^\/[^\0]*$/, 'must be an absolute path'),
  readOnly: z.boolean(),
  /** Which container mounts it. */
  container: z.enum(['app', 'httpd']),
});

const EgressPort = z.strictObject({ protocol: z.enum(['TCP', 'UDP']), port: z.number().int().min(1).max(65535), endPort: z.number().int().min(1).max(65535).optional() });

/** Where pods may connect: address blocks, or pods of another namespace; no `ports` means every port. */
export const EgressRule = z
  .strictObject({
    description: z.string().min(1),
    cidrs: z.array(z.string().regex(/^[0-9a-f.:]+\/[0-9]{1,3}$/, 'must be a CIDR such as "10.0.0.0/8"')).min(1).optional(),
    pods: z.strictObject({ namespace: DnsLabel, labels: LabelMap }).optional(),
    ports: z.array(EgressPort).min(1).optional(),
  })
  .refine((r) => (r.cidrs === undefined) !== (r.pods === undefined), { message: 'needs exactly one of cidrs or pods' });
export type EgressRule = z.infer<typeof EgressRule>;

export const ServiceProfile = z.strictObject({
  namespace: DnsLabel,
  description: z.string().min(1),
  /** rollout: an Argo Rollout; daemonset: one pod on each eligible node (mw-experimental). */
  workload: z.enum(['rollout', 'daemonset']),
  /** NodePorts of each release that has its own Service: TLS (envoy) and, optionally, plain HTTP. */
  ports: nameMap(DnsLabel, z.strictObject({ tls: NodePort, http: NodePort.optional() })),
  /** Releases that add pods behind another release's Service (canary, migration) and get none. */
  routedVia: nameMap(DnsLabel, DnsLabel),
  replicas: z.strictObject({
    byRelease: nameMap(DnsLabel, z.number().int().min(0)),
    /** Releases in stage canaries not listed above get ceil(percent% of `of`), as today. */
    canary: z.strictObject({ of: DnsLabel, percent: z.number().positive().max(100) }),
    default: z.number().int().min(0),
  }),
  /** SERVERGROUP is kube-<ns>, suffixed with -<release> for these releases (as the helmfiles do). */
  servergroupSuffixReleases: z.array(DnsLabel),
  php: z.strictObject({
    version: z.string().regex(/^[0-9]+\.[0-9]+$/),
    workers: z.number().int().positive(),
    timeout: z.number().int().positive(),
    slowlogTimeout: z.number().int().min(0),
    maxExecutionTime: z.number().int().positive(),
    opcache: z.strictObject({ size: z.number().int().positive(), files: z.number().int().positive(), internedStringsBuffer: z.number().int().positive() }),
    apcSize: z.number().int().positive(),
    /** opcache revalidation on every request (experimental, parsoid). */
    develMode: z.boolean(),
    envvars: LabelMap,
  }),
  resources: z.strictObject({
    app: Resources,
    httpd: Resources,
    tlsProxy: Resources,
    exporter: Resources,
    mcrouter: Resources,
    rsyslog: Resources,
  }),
  mesh: z.strictObject({
    upstreamTimeout: Duration,
    concurrency: z.number().int().positive(),
    /** Percent of requests traced to the OpenTelemetry collector; absent: no tracing (mw-parsoid). */
    tracingSampling: z.number().min(0).max(100).optional(),
    /** Service-mesh listeners (environments/services.yaml) the pods call through envoy. */
    listeners: z.array(z.string().min(1)),
    retryPolicy: z.strictObject({ retryOn: z.string(), numRetries: z.number().int().min(0) }).optional(),
  }),
  /** What the rsyslog sidecar ships. */
  logging: z.strictObject({
    /** php-wmerrors messages to udp2log, at most `burst` per `intervalSeconds`; null: no limit (mw-debug). */
    udp2logRateLimit: z.strictObject({ intervalSeconds: z.number().int().positive(), burst: z.number().int().positive() }).nullable(),
  }),
  /** Sidecars beyond httpd, app and the TLS proxy. */
  sidecars: z.strictObject({
    exporters: z.boolean(),
    /** An in-pod mcrouter: in every cluster, or only in the clusters of these datacenters (mw-debug: eqiad, T368366). */
    mcrouter: z.union([z.boolean(), z.strictObject({ datacenters: z.array(z.string().min(1)).min(1) })]),
    rsyslog: z.boolean(),
  }),
  placement: z.strictObject({ nodeSelector: LabelMap, tolerations: z.array(Toleration) }),
  hostPaths: z.array(HostPathMount),
  /** The GeoIP databases from the host, read-only (mw.geoip). */
  geoip: z.boolean(),
  /** The site files of environments/sites.yaml (their `file`) httpd serves, each mounted on its own. */
  sites: z.array(z.string().min(1)).min(1),
  /** Mount the password-protected debug php files (mw-debug). */
  debugPhpFiles: z.boolean(),
  /** Labels on pods; `alerting: "false"` keeps a service out of alerting. */
  podLabels: LabelMap,
  /** Labels the namespace needs (Argo CD sets them as managed namespace metadata). */
  namespaceLabels: LabelMap,
  /** Canary steps per stage; `{analysis: true}` is where that stage's supervision checks run. */
  steps: z.strictObject(Object.fromEntries(STAGES.map((s) => [s, z.array(StepSpec)])) as Record<(typeof STAGES)[number], z.ZodArray<typeof StepSpec>>),
  /** Rollout surge and unavailability for basic canary arithmetic. */
  maxSurge: z.string().regex(/^[0-9]+%?$/),
  maxUnavailable: z.string().regex(/^[0-9]+%?$/),
  /** Where the pods may connect to (the NetworkPolicy's egress). */
  egress: z.array(EgressRule),
  /** Policy rules this service is exempt from, with the reason (shown in validate output). */
  policyExceptions: z.record(z.string(), z.string().min(1)),
});
export type ServiceProfile = z.infer<typeof ServiceProfile>;

/** A profile as one cluster runs it: each sidecar switch is on or off. */
export type ClusterProfile = Omit<ServiceProfile, 'sidecars'> & { readonly sidecars: Readonly<Record<keyof ServiceProfile['sidecars'], boolean>> };

/** The profile's switches decided for one cluster. */
export function profileInCluster(profile: ServiceProfile, cluster: Pick<Cluster, 'datacenter'>): ClusterProfile {
  const { mcrouter } = profile.sidecars;
  return { ...profile, sidecars: { ...profile.sidecars, mcrouter: typeof mcrouter === 'boolean' ? mcrouter : mcrouter.datacenters.includes(cluster.datacenter) } };
}

export const Cluster = z.strictObject({
  name: DnsLabel,
  datacenter: z.string().min(1),
  /** The Argo CD destination: the cluster's name as registered in Argo CD. */
  argocdDestination: z.string().min(1),
  /** Kubernetes DNS domain of the cluster's services, e.g. svc.eqiad.wmnet. */
  serviceDomain: z.string().min(1),
  mcrouterServer: z.string().regex(/^[0-9.]+:[0-9]+$/),
  logstashUrl: z.string().url(),
  prometheusUrl: z.string().url(),
  mailHost: z.string().min(1),
  /** Where the rsyslog sidecar ships logs: the datacenter's Kafka logging brokers (`host:port`, TLS) and udp2log. */
  logging: z.strictObject({
    kafkaBrokers: z.array(z.string().regex(/^[a-z0-9.-]+:[0-9]+$/, 'must be host:port')).min(1),
    udp2log: z.string().regex(/^[a-z0-9.-]+:[0-9]+$/, 'must be host:port'),
  }),
  /** Caps every release's replicas (a small cluster such as staging). */
  maxReplicas: z.number().int().positive().optional(),
  /**
   * Where Argo CD gets this cluster's manifests: `rendered` (the default) syncs the rendered
   * deployment repository; `plugin` renders the source repository with the mw-gitops Config
   * Management Plugin (needs `argocd.plugin` in environments/platform.ts; docs/argocd-plugin.md).
   */
  argocdSource: z.enum(['rendered', 'plugin']).optional(),
});
export type Cluster = z.infer<typeof Cluster>;

const Ip = z.string().regex(/^[0-9a-f.:]+$/, 'must be an IP address');
const McrouterPath = z.string().regex(/^\/[a-z0-9-]+\/[a-z0-9-]+$/, 'must be a routing prefix such as "/eqiad/mw"');

export const Platform = z.strictObject({
  /** Sidecar images, `<repository>:<tag>` inside the registry of images.yaml. */
  images: z.strictObject({ envoy: z.string(), httpdExporter: z.string(), phpFpmExporter: z.string(), mcrouter: z.string(), mcrouterExporter: z.string(), rsyslog: z.string(), checks: z.string() }),
  argocd: z.strictObject({
    namespace: DnsLabel,
    project: DnsLabel,
    /** The deployment repository Argo CD syncs (what `publish` pushes to). */
    repoURL: z.string().min(1),
    targetRevision: z.string().min(1),
    /** The source repository (this project) for clusters whose `argocdSource` is `plugin`. */
    plugin: z
      .strictObject({
        /** `<metadata.name>-<spec.version>` of argocd/plugin.yaml; default mw-gitops-v1. */
        name: z.string().min(1).optional(),
        repoURL: z.string().min(1),
        targetRevision: z.string().min(1),
        /** The project's directory in that repository ("." at the top). */
        path: z.string().min(1),
      })
      .optional(),
  }),
  /** cert-manager issuer of the TLS proxy certificates. */
  certIssuer: z.strictObject({ name: z.string(), kind: z.string(), group: z.string() }),
  /** The OpenTelemetry collector envoy sends traces to (gRPC), and the pods that run it. */
  otelCollector: z.strictObject({ address: z.string().min(1), port: z.number().int().min(1).max(65535), namespace: DnsLabel, podLabels: LabelMap }),
  /** Extra DNS names on every TLS certificate. */
  extraFQDNs: z.array(z.string()),
  /** Memcached for in-pod mcrouters: pools by zone, and each datacenter's routes (environments/memcached.ts). */
  memcached: z.strictObject({
    plainPort: z.number().int().min(1).max(65535),
    tlsPort: z.number().int().min(1).max(65535),
    pools: z.array(z.strictObject({ name: z.string().min(1), zone: z.string().min(1), servers: z.array(Ip).min(1), failover: z.array(Ip).optional() })),
    /** By datacenter. A route with a replica also gets the replica's prefix: reads from its pool, writes to the replica's. */
    routes: z.record(
      z.string(),
      z.array(
        z.strictObject({
          route: McrouterPath,
          pool: z.string().min(1),
          /** Seconds a failed-over key stays on the failover pool; 0: no failover. */
          failoverSeconds: z.number().int().min(0),
          replica: z.strictObject({ route: McrouterPath, pool: z.string().min(1) }).optional(),
        }),
      ),
    ),
  }),
});
export type Platform = z.infer<typeof Platform>;

/** Validates typed config at load; errors name the TS file and field path. */
export function checked<S extends z.ZodType>(file: string, schema: S, value: unknown, at: (string | number)[] = []): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ConfigError({ file, field: fieldPath([...at, ...issue.path]) }, issue.message);
}
