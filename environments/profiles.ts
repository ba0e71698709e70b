/**
 * Service profiles: one per web-serving namespace, with the ports, replica counts, resources and
 * php tuning production runs today (Wikimedia's operations/deployment-charts helmfile values of
 * each mw-* service; eqiad and codfw use the same values). A namespace of deployments.yaml
 * without a profile here is skipped with a warning and listed as unmanaged.
 */
import { ServiceProfile, checked, type StepSpec } from '../config/profile.js';
import { productionEgress } from './egress.js';

const FILE = 'environments/profiles.ts';

/** Weighted steps with pauses; `analysis` runs the stage's supervision checks at that point. */
const productionSteps: StepSpec[] = [
  { setWeight: 10 },
  { pause: '5m' },
  { analysis: true },
  { setWeight: 25 },
  { pause: '5m' },
  { analysis: true },
  { setWeight: 50 },
  { pause: '10m' },
  { analysis: true },
];

/** The whole release at once (it is the canary), observed, then checked before it counts as done. */
const canarySteps: StepSpec[] = [{ setWeight: 100 }, { pause: '2m' }, { analysis: true }];

/** Test servers: deploy at once, then run their checks. */
const testserverSteps: StepSpec[] = [{ setWeight: 100 }, { analysis: true }];

/**
 * The service-mesh listeners (environments/services.yaml) every MediaWiki namespace enables in
 * production (the helmfile's discovery.listeners), in production's order.
 */
const meshListeners = [
  'mathoid', 'eventgate-analytics', 'eventgate-analytics-external', 'eventgate-main', 'sessionstore',
  'echostore', 'termbox', 'push-notifications', 'restbase', 'rest-gateway', 'cxserver', 'shellbox',
  'shellbox-constraints', 'shellbox-media', 'shellbox-syntaxhighlight', 'shellbox-timeline', 'shellbox-video',
  'swift-eqiad', 'swift-codfw', 'search-chi-eqiad', 'search-chi-codfw', 'search-chi', 'search-omega-eqiad',
  'search-omega-codfw', 'search-omega', 'search-psi-eqiad', 'search-psi-codfw', 'search-psi',
  'cloudelastic-chi-eqiad', 'cloudelastic-omega-eqiad', 'cloudelastic-psi-eqiad', 'mw-api-int',
  'linkrecommendation', 'device-analytics', 'inference', 'wikifunctions', 'ipoid', 'test-kitchen',
  'chart-renderer', 'wdqs-internal-main', 'wdqs-internal-scholarly', 'data-gateway', 'analytics-web',
  'page-analytics', 'opensearch-semantic-search', 'opensearch-ipoid', 'opensearch-ttmserver-test',
  'opensearch-toolhub-test',
];

/** The wiki sites of environments/sites.yaml: every wiki-serving namespace serves all of them, as production. */
const wikiSites = ['nonexistent', 'wwwportals', 'redirects', 'main', 'remnant', 'secure.wikimedia', 'wikimania', 'foundation', 'wikimedia', 'www.wikimedia.org'];

/** mw-web main in production: the base the other web-serving profiles start from. */
const webBase: ServiceProfile = {
  namespace: 'mw-web',
  description: 'Wiki pages for readers and editors (appservers)',
  workload: 'rollout',
  ports: { main: { tls: 4450 }, next: { tls: 4454 } },
  routedVia: { canary: 'main', migration: 'main' },
  replicas: {
    // 352 is the multi-DC sizing (600 for single-DC).
    byRelease: { main: 352, next: 1, migration: 0 },
    canary: { of: 'main', percent: 3 },
    default: 1,
  },
  servergroupSuffixReleases: ['next', 'migration'],
  php: {
    version: '8.3',
    workers: 8,
    timeout: 201,
    slowlogTimeout: 5,
    maxExecutionTime: 210,
    opcache: { size: 500, files: 32531, internedStringsBuffer: 50 },
    apcSize: 2048,
    develMode: false,
    envvars: {},
  },
  resources: {
    app: { requests: { cpu: '4500m', memory: '3274Mi' }, limits: { memory: '5274Mi' } },
    httpd: { requests: { cpu: '200m', memory: '200Mi' }, limits: { cpu: '500m', memory: '400Mi' } },
    tlsProxy: { requests: { cpu: '200m', memory: '100Mi' }, limits: { memory: '350Mi' } },
    exporter: { requests: { cpu: '100m', memory: '50Mi' }, limits: { cpu: '500m', memory: '200Mi' } },
    mcrouter: { requests: { cpu: '200m', memory: '100Mi' }, limits: { cpu: '700m', memory: '200Mi' } },
    rsyslog: { requests: { cpu: '100m', memory: '200Mi' }, limits: { cpu: '1', memory: '300Mi' } },
  },
  mesh: { upstreamTimeout: '180s', concurrency: 12, tracingSampling: 0.01, listeners: meshListeners },
  logging: { udp2logRateLimit: { intervalSeconds: 1, burst: 100 } },
  sidecars: { exporters: true, mcrouter: false, rsyslog: true },
  placement: { nodeSelector: {}, tolerations: [] },
  hostPaths: [],
  geoip: true,
  sites: wikiSites,
  debugPhpFiles: false,
  podLabels: {},
  namespaceLabels: {},
  steps: { testservers: testserverSteps, canaries: canarySteps, production: productionSteps },
  maxSurge: '3%',
  maxUnavailable: '6%',
  egress: productionEgress,
  // SYS_PTRACE for the php-fpm slowlog is declared on the app container itself (MediaWikiPod).
  policyExceptions: {},
};

/** php as the chart's global values set it (768M APC); only mw-web raises APC to 2048M. */
const sharedPhp = { ...webBase.php, apcSize: 768 };

const apiResources = {
  ...webBase.resources,
  app: { requests: { cpu: '4500m', memory: '2634Mi' }, limits: { memory: '4634Mi' } },
};

const definitions: ServiceProfile[] = [
  webBase,
  {
    ...webBase,
    namespace: 'mw-api-ext',
    description: 'The public action API and REST API (api.php, rest.php)',
    ports: { main: { tls: 4447 }, next: { tls: 4455 } },
    // The single-DC switchover sizing (285) is active; canary stays at 8 (3% of the 260 multi-DC sizing).
    replicas: { byRelease: { main: 285, canary: 8, next: 1, migration: 0 }, canary: { of: 'main', percent: 3 }, default: 1 },
    php: sharedPhp,
    resources: apiResources,
  },
  {
    ...webBase,
    namespace: 'mw-api-int',
    description: 'The internal API used by other services',
    ports: { main: { tls: 4446 } },
    replicas: { byRelease: { main: 180, migration: 0 }, canary: { of: 'main', percent: 3 }, default: 1 },
    servergroupSuffixReleases: ['migration'],
    php: sharedPhp,
    resources: apiResources,
  },
];

/** The dedicated, tainted nodes of the single-pod test services (wikikube-worker-exp*). */
const experimentalNodes = {
  nodeSelector: { dedicated: 'mw-experimental' },
  tolerations: [
    { key: 'dedicated', operator: 'Equal' as const, value: 'mw-experimental', effect: 'NoSchedule' as const },
    { key: 'dedicated', operator: 'Equal' as const, value: 'mw-experimental', effect: 'NoExecute' as const },
  ],
};

/** Test servers and single-pod services trace everything. */
const debugMesh = { ...webBase.mesh, tracingSampling: 100 };

definitions.push(
  {
    ...webBase,
    namespace: 'mw-debug',
    description: 'The debug servers reached with X-Wikimedia-Debug (mwdebug), checked with httpbb before the train moves on',
    ports: { pinkunicorn: { tls: 4444, http: 8444 }, next: { tls: 4453, http: 8453 } },
    routedVia: {},
    replicas: { byRelease: {}, canary: { of: 'pinkunicorn', percent: 100 }, default: 2 },
    servergroupSuffixReleases: ['next'],
    php: sharedPhp,
    resources: { ...webBase.resources, app: { requests: { cpu: '4000m', memory: '1000Mi' }, limits: { cpu: '5000m', memory: '2800Mi' } } },
    mesh: { ...debugMesh, retryPolicy: { retryOn: '5xx', numRetries: 1 } },
    placement: { nodeSelector: { 'node.kubernetes.io/disk-type': 'ssd' }, tolerations: [] },
    debugPhpFiles: true,
    // Every message of a debug request matters.
    logging: { udp2logRateLimit: null },
    // eqiad's debug servers keep their own mcrouter (T368366); codfw's use the node's.
    sidecars: { ...webBase.sidecars, mcrouter: { datacenters: ['eqiad'] } },
    maxSurge: '100%',
    maxUnavailable: '0',
  },
  {
    ...webBase,
    namespace: 'mw-experimental',
    description: 'Live-edited MediaWiki on dedicated nodes: /srv/mediawiki from the host over the image code, revalidated on every request',
    workload: 'daemonset',
    ports: { pinkllama: { tls: 4456 } },
    routedVia: {},
    replicas: { byRelease: {}, canary: { of: 'pinkllama', percent: 100 }, default: 1 },
    servergroupSuffixReleases: [],
    php: { ...sharedPhp, develMode: true },
    // Requests are fixed and limits not enforced (limits.enforce: false today).
    resources: { ...webBase.resources, app: { requests: { cpu: '1000m', memory: '3500Mi' } } },
    mesh: debugMesh,
    sidecars: { ...webBase.sidecars, mcrouter: true },
    placement: experimentalNodes,
    hostPaths: [{ name: 'srv-mediawiki', path: '/srv/mediawiki', mountPath: '/srv/mediawiki', readOnly: true, container: 'app' }],
    podLabels: { alerting: 'disabled' },
    namespaceLabels: { 'pod-security.wmf.org/allow-hostpath-mw-experimental': 'include' },
    policyExceptions: {
      ...webBase.policyExceptions,
      'resources-memory-limit': 'a single developer pod; its app container runs without limits today (limits.enforce: false)',
    },
  },
  {
    ...webBase,
    namespace: 'mw-jobrunner',
    description: 'Runs the job queue (jobs posted by changeprop), with long request timeouts',
    ports: { main: { tls: 4448 } },
    // 140 is the October 2025 sizing (multi-DC and single-DC alike: jobrunners are active/passive).
    replicas: { byRelease: { main: 140, canary: 5, migration: 0 }, canary: { of: 'main', percent: 3 }, default: 1 },
    servergroupSuffixReleases: ['migration'],
    // Jobs run up to 20 minutes; php-fpm itself never cuts them (86400), as production.
    php: { ...sharedPhp, timeout: 86400, maxExecutionTime: 1200, apcSize: 4096, opcache: { ...sharedPhp.opcache, size: 1024, internedStringsBuffer: 96 } },
    resources: { ...webBase.resources, app: { requests: { cpu: '4500m', memory: '4560Mi' }, limits: { memory: '6560Mi' } } },
    sites: ['mw-jobrunner'],
    mesh: { ...webBase.mesh, upstreamTimeout: '1202.5s' },
  },
  {
    ...webBase,
    namespace: 'mw-parsoid',
    description: 'Parsoid test server on the dedicated nodes, with /srv/parsoid-testing from the host',
    ports: { pinkllama: { tls: 4452 } },
    routedVia: {},
    replicas: { byRelease: {}, canary: { of: 'pinkllama', percent: 100 }, default: 1 },
    servergroupSuffixReleases: [],
    php: { ...sharedPhp, develMode: true, workers: 24 },
    // Requests are fixed and limits not enforced, as mw-experimental.
    resources: { ...webBase.resources, app: { requests: { cpu: '1000m', memory: '3500Mi' } } },
    // Production runs 24 envoy workers for parsoid and disables its tracing.
    mesh: { ...webBase.mesh, concurrency: 24, tracingSampling: undefined },
    placement: experimentalNodes,
    hostPaths: [{ name: 'srv-parsoid-testing', path: '/srv/parsoid-testing', mountPath: '/srv/parsoid-testing', readOnly: true, container: 'app' }],
    podLabels: { alerting: 'disabled' },
    namespaceLabels: { 'pod-security.wmf.org/allow-hostpath-mw-parsoid': 'include' },
    policyExceptions: {
      ...webBase.policyExceptions,
      'resources-memory-limit': 'a single test pod; its app container runs without limits in production (limits.enforce: false)',
    },
  },
);

export const profiles: readonly ServiceProfile[] = definitions.map((p, i) => checked(FILE, ServiceProfile, p, [i]));
