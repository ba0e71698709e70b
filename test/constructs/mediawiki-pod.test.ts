import { App, Testing } from 'cdk8s';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { MediaWikiPod, SIDECARS } from '../../constructs/mediawiki-pod.js';
import type { Sidecar } from '../../constructs/pod-part.js';
import { ENVOY_DRAIN_SECONDS } from '../../constructs/pod-tls-proxy.js';
import { MediaWikiRelease } from '../../constructs/mediawiki-release.js';
import { mwWebMain } from './release.js';
import { profileInCluster } from '../../config/profile.js';
import { testChart } from './chart.js';

const sidecarsOff = { exporters: false, mcrouter: false, rsyslog: false };

function pod(...args: Parameters<typeof mwWebMain>) {
  const chart = testChart();
  const construct = new MediaWikiPod(chart, 'Pod', { release: mwWebMain(...args), labels: { app: 'mediawiki' }, tlsSecretName: 'certs' });
  return { construct, spec: construct.template.spec!, objects: Testing.synth(chart) };
}

const names = (containers: readonly IContainer[]) => containers.map((c) => c.name);

test('without optional sidecars the pod runs httpd, php-fpm and the TLS proxy', () => {
  const { spec } = pod({ sidecars: sidecarsOff });
  expect(names(spec.containers)).toEqual(['mediawiki-main-httpd', 'mediawiki-main-app', 'mediawiki-main-tls-proxy']);
});

test('mcrouter brings its exporter, its ConfigMap and its volume, and php-fpm talks to it on localhost', () => {
  const without = pod({ sidecars: sidecarsOff });
  const withMcrouter = pod({ sidecars: { ...sidecarsOff, mcrouter: true } });
  expect(names(withMcrouter.spec.containers)).toEqual([
    'mediawiki-main-httpd',
    'mediawiki-main-app',
    'mediawiki-main-mcrouter',
    'mediawiki-main-mcrouter-exporter',
    'mediawiki-main-tls-proxy',
  ]);
  const volumeNames = (s: typeof without.spec) => s.volumes!.map((v) => v.name);
  expect(volumeNames(withMcrouter.spec)).toEqual([...volumeNames(without.spec), 'mcrouter-config']);
  const configMaps = (objects: unknown[]) => objects.map((o) => (o as { metadata: { name: string } }).metadata.name);
  expect(configMaps(withMcrouter.objects).filter((n) => n.includes('mcrouter'))).toHaveLength(1);
  const appEnv = (s: typeof without.spec) => s.containers[1].env!.find((e) => e.name === 'MCROUTER_SERVER')?.value;
  expect(appEnv(withMcrouter.spec)).toBe('127.0.0.1:11213');
  expect(appEnv(without.spec)).toBe(mwWebMain().cluster.mcrouterServer);
});

test('rsyslog reads the php-fpm log volume and switches httpd to the rsyslog log format', () => {
  const logFormat = (containers: readonly IContainer[]) => containers[0].env!.find((e) => e.name === 'LOG_FORMAT')?.value;
  const off = pod({ sidecars: sidecarsOff }).spec;
  const on = pod({ sidecars: { ...sidecarsOff, rsyslog: true } }).spec;
  expect(names(on.containers).at(-1)).toBe('mediawiki-main-rsyslog');
  expect(on.containers.at(-1)!.volumeMounts!.map((m) => m.name)).toEqual(['php-logging', 'rsyslog-config']);
  expect([logFormat(off.containers), logFormat(on.containers)]).toEqual(['ecs', 'ecs_rsyslog']);
});

test('ingress ports are the declared container ports, without the ones only the pod uses', () => {
  expect(pod({ sidecars: sidecarsOff }).construct.ingressPorts).toEqual([4450, 8080, 9181, 9361]);
  // mcrouter's own port (11213) is for php-fpm on localhost; its exporter's port is scraped.
  expect(pod({ sidecars: { ...sidecarsOff, mcrouter: true } }).construct.ingressPorts).toEqual([4450, 8080, 9151, 9181, 9361]);
});

test('a sidecar declares its ports once: the pod opens them for ingress', () => {
  const statsd: Sidecar = {
    build: ({ prefix }) => ({ containers: [{ name: `${prefix}-statsd`, image: 'statsd', ports: [{ name: 'statsd', containerPort: 9125 }] }] }),
  };
  const chart = testChart();
  const release = mwWebMain({ sidecars: sidecarsOff });
  const podWith = new MediaWikiPod(chart, 'Pod', { release, labels: {}, tlsSecretName: 'certs', sidecars: [...SIDECARS, statsd] });
  expect(names(podWith.template.spec!.containers).at(-1)).toBe('mediawiki-main-statsd');
  expect(podWith.ingressPorts).toEqual([4450, 8080, 9125, 9181, 9361]);
});

test("the release's NetworkPolicy follows the pod's ports as sidecars are switched", () => {
  const policyPorts = (sidecars: typeof sidecarsOff) => {
    const chart = new MediaWikiRelease(new App(), 'release', { release: mwWebMain({ sidecars }) });
    const policy = Testing.synth(chart).find((o) => o.kind === 'NetworkPolicy');
    return policy.spec.ingress[0].ports.map((p: { port: number }) => p.port);
  };
  expect(policyPorts(sidecarsOff)).toEqual([4450, 8080, 9181, 9361]);
  expect(policyPorts({ exporters: true, mcrouter: true, rsyslog: true })).toEqual([4450, 8080, 9117, 9118, 9151, 9181, 9361]);
});

test('a part mounts into the main containers after their own mounts (host paths into php-fpm)', () => {
  const hostPaths = [{ name: 'srv-mediawiki', path: '/srv/mediawiki', mountPath: '/srv/mediawiki', readOnly: true, container: 'app' as const }];
  const { spec } = pod({ sidecars: sidecarsOff, geoip: false, hostPaths });
  expect(spec.containers[1].volumeMounts!.at(-1)).toEqual({ name: 'srv-mediawiki', mountPath: '/srv/mediawiki', readOnly: true });
  expect(spec.containers[0].volumeMounts!.map((m) => m.name)).not.toContain('srv-mediawiki');
  expect(spec.volumes!.at(-1)).toEqual({ name: 'srv-mediawiki', hostPath: { path: '/srv/mediawiki', type: 'Directory' } });
});

test('every container gets the restricted security context; only the slowlog adds SYS_PTRACE, with its exception', () => {
  const slow = pod();
  for (const c of slow.spec.containers) {
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
  }
  expect(slow.spec.containers.filter((c) => c.securityContext!.capabilities!.add).map((c) => c.name)).toEqual(['mediawiki-main-app']);
  expect(slow.construct.template.metadata!.annotations!['mw-gitops.wikimedia.org/policy-exceptions']).toMatch(/^security-capabilities:mediawiki-main-app=/);

  const release = mwWebMain();
  const quiet = pod({ php: { ...release.profile.php, slowlogTimeout: 0 } });
  expect(quiet.spec.containers.some((c) => c.securityContext!.capabilities!.add)).toBe(false);
  expect(quiet.construct.template.metadata!.annotations).not.toHaveProperty(['mw-gitops.wikimedia.org/policy-exceptions']);
});

test('the grace period covers the longest drain plus the longest request: envoy drains, then a request php-fpm may run to its timeout', () => {
  const preStop = (c: IContainer) => c.lifecycle!.preStop!.exec!.command;
  const defaults = pod().spec;
  // The longest drain is the 8 s preStop sleep (envoy drains 3 s); php-fpm's request_terminate_timeout is 201 s in mw-web.
  expect(ENVOY_DRAIN_SECONDS).toBeLessThan(8);
  expect(defaults.terminationGracePeriodSeconds).toBe(8 + 201);
  expect(defaults.containers.slice(0, 2).map(preStop)).toEqual([['/bin/sleep', '8'], ['/bin/sleep', '8']]);
  // mw-jobrunner's requests run for up to 1201 s.
  expect(pod({ php: { ...mwWebMain().profile.php, timeout: 1201 } }).spec.terminationGracePeriodSeconds).toBe(8 + 1201);

  const chart = testChart();
  const props = { release: mwWebMain(), labels: {}, tlsSecretName: 'certs' };
  const custom = new MediaWikiPod(chart, 'Pod', { ...props, terminationGracePeriodSeconds: 3600, preStopSleepSeconds: 20 });
  expect(custom.template.spec!.terminationGracePeriodSeconds).toBe(3600);
  expect(preStop(custom.template.spec!.containers[1])).toEqual(['/bin/sleep', '20']);
  expect(() => new MediaWikiPod(chart, 'Bad', { ...props, terminationGracePeriodSeconds: 10 })).toThrow(
    `'terminationGracePeriodSeconds' (10) must be a whole number of seconds, at least the pod's longest drain (8) plus its longest request timeout (201): 209`,
  );
});

test('every sidecar switch of the profile runs exactly one sidecar', () => {
  const switches = Object.keys(mwWebMain().profile.sidecars).sort();
  expect(SIDECARS.map((s) => s.profileSwitch).filter((s) => s !== undefined).sort()).toEqual(switches);
});

test('an mcrouter switch naming datacenters runs it only in their clusters (mw-debug: eqiad, T368366)', () => {
  const profile = mwWebMain().profile;
  const only = { ...profile.sidecars, mcrouter: { datacenters: ['eqiad'] } };
  expect(profileInCluster({ ...profile, sidecars: only }, { datacenter: 'eqiad' }).sidecars.mcrouter).toBe(true);
  expect(profileInCluster({ ...profile, sidecars: only }, { datacenter: 'codfw' }).sidecars.mcrouter).toBe(false);
});

test("rsyslog gets the Kubernetes fields its templates stamp on every message, and production's rsyslog.d", () => {
  const { spec, objects } = pod();
  const rsyslog = spec.containers.find((c) => c.name === 'mediawiki-main-rsyslog')!;
  expect(rsyslog.env!.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath])).toEqual([
    ['KUBERNETES_NAMESPACE', 'metadata.namespace'],
    ['KUBERNETES_NODE', 'spec.nodeName'],
    ['KUBERNETES_POD_NAME', 'metadata.name'],
    ['KUBERNETES_RELEASE', "metadata.labels['release']"],
    ['KUBERNETES_DEPLOYMENT', "metadata.labels['deployment']"],
  ]);
  const config = (objects as { metadata: { name: string }; data: Record<string, string> }[]).find((o) => o.metadata.name.includes('rsyslog-config'))!.data;
  const conf = config['20-mediawiki.conf'];
  expect(conf).toContain('input(type="imudp" port="10514" address="127.0.0.1" ruleset="udp_localhost_to_kafka")');
  expect(conf).toContain('input(type="imudp" port="10200" address="127.0.0.1" ruleset="accesslog_to_kafka")');
  expect(conf).toContain('string="k8s-mw-eqiad"');
  expect(conf).toContain('action(type="mmjsonparse" name="mmjsonparse_accesslog" cookie="")');
  expect(conf).toContain('"kafka-logging1001.eqiad.wmnet:9093"');
  expect(config['00-max-message-size.conf']).toBe('$MaxMessageSize 64k\n');
});
