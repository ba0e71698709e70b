/**
 * The rendered TLS proxy against production: every envoy bootstrap the project renders decodes
 * strictly against envoy's protos, and mw-web main's listeners, egress and certificate names are
 * production's (test/fixtures/production).
 */
import { parse } from 'yaml';
import { checkEnvoyBootstrap } from '../../validate/programs/envoy.js';
import { defaultRender } from '../support/default-render.js';
import { configMapEntry, productionRelease } from './production.js';
import { readYamlDocument } from '../../config/yaml-stream.js';

type Any = any; // Kubernetes objects and envoy config as parsed YAML

// The render of environments/, shared with the other suites that read it (support/default-render.ts).
const render = await defaultRender();
const objectsOf = (path: string): Any[] => render.files.find((f) => f.path === path)!.objects as Any[];
const configMap = (objects: Any[], name: RegExp, key: string): string => objects.find((o) => o.kind === 'ConfigMap' && name.test(o.metadata.name))!.data[key];
/**
 * An envoy.yaml parsed once per distinct text (each is about 300 KB of YAML, a large part of this
 * file's time); the tests only read the result.
 */
const bootstraps = new Map<string, Any>();
const parseBootstrap = (text: string): Any => {
  if (!bootstraps.has(text)) bootstraps.set(text, readYamlDocument(text));
  return bootstraps.get(text);
};

const ours = objectsOf('eqiad/mw-web/main/manifest.yaml');
const production = productionRelease('mw-web', 'main');

/** `<address without prefix length> <protocol>/<port or *>` for each peer and port an egress rule allows. */
function egressPairs(rules: Any[]): Set<string> {
  const pairs = new Set<string>();
  for (const rule of rules) {
    for (const to of rule.to ?? []) {
      const peer = to.ipBlock ? to.ipBlock.cidr.replace(/\/\d+$/, '') : JSON.stringify([to.namespaceSelector, to.podSelector]);
      for (const p of rule.ports ?? [{ protocol: '*', port: '*' }]) pairs.add(`${peer} ${p.protocol}/${p.port}${p.endPort ? `-${p.endPort}` : ''}`);
    }
  }
  return pairs;
}

describe('rendered envoy configuration', () => {
  test('every rendered bootstrap decodes strictly against envoy v3 (each distinct part once)', () => {
    // Releases share most listeners and clusters: decode each distinct one once, inside one
    // bootstrap per distinct top level, rather than 36 near-identical bootstraps.
    const parts = { top: new Map<string, Any>(), listeners: new Map<string, Any>(), clusters: new Map<string, Any>() };
    const add = (map: Map<string, Any>, value: Any) => map.set(JSON.stringify(value), value);
    const texts = render.files.flatMap((f) => (f.objects as Any[]).filter((o) => o.kind === 'ConfigMap' && o.data?.['envoy.yaml']).map((o) => o.data['envoy.yaml'] as string));
    expect(texts.length).toBe(render.files.filter((f) => (f.objects as Any[]).some((o) => o.kind === 'Rollout' || o.kind === 'DaemonSet')).length);
    for (const text of new Set(texts)) {
      const { static_resources: resources, ...top } = parseBootstrap(text);
      add(parts.top, top);
      resources.listeners.forEach((l: Any) => add(parts.listeners, l));
      resources.clusters.forEach((c: Any) => add(parts.clusters, c));
    }
    const [first, ...others] = [...parts.top.values()];
    const composites = [
      { ...first, static_resources: { listeners: [...parts.listeners.values()], clusters: [...parts.clusters.values()] } },
      ...others.map((top) => ({ ...top, static_resources: {} })),
    ];
    for (const [i, bootstrap] of composites.entries()) {
      expect(checkEnvoyBootstrap(bootstrap, { file: 'dist (every release)', object: `distinct envoy.yaml parts #${i}` })).toEqual([]);
    }
  });

  test("the SDS secret file decodes as envoy's Secret and names the mounted certificate, watched for renewals", () => {
    const sds: Any = parse(configMap(ours, /envoy-config/, 'tls_certificate_sds_secret.yaml'));
    const bootstrap: Any = parseBootstrap(configMap(ours, /envoy-config/, 'envoy.yaml'));
    const tls = bootstrap.static_resources.listeners.find((l: Any) => l.listener_filters).filter_chains[0].transport_socket.typed_config;
    const sdsConfig = tls.common_tls_context.tls_certificate_sds_secret_configs[0];
    expect(sdsConfig.sds_config.path_config_source.path).toBe('/etc/envoy/tls_certificate_sds_secret.yaml');
    expect(sds.resources[0].name).toBe(sdsConfig.name);
    // The Secret decodes against its proto when placed where envoy accepts an inline secret.
    const inline = { static_resources: { secrets: sds.resources.map(({ '@type': _t, ...secret }: Any) => secret) } };
    expect(checkEnvoyBootstrap(inline, { file: 'eqiad/mw-web/main/manifest.yaml', object: 'ConfigMap tls_certificate_sds_secret.yaml' })).toEqual([]);
    expect(sds.resources[0].tls_certificate.watched_directory.path).toBe('/etc/envoy/ssl');
    const pod = ours.find((o) => o.kind === 'Rollout').spec.template.spec;
    const proxy = pod.containers.find((c: Any) => c.name.endsWith('tls-proxy'));
    const certMount = proxy.volumeMounts.find((m: Any) => m.mountPath === '/etc/envoy/ssl');
    expect(certMount.subPath).toBeUndefined(); // a subPath mount would never see the renewed files
    expect(pod.volumes.find((v: Any) => v.name === certMount.name).secret.secretName).toBe('mediawiki-main-tls-proxy-certs');
  });

  test("mw-web main listens on production's ports and addresses, with its stat prefix, drain settings and tracing", () => {
    const listeners = (b: Any) => b.static_resources.listeners.map((l: Any) => `${l.address.socket_address.address}:${l.address.socket_address.port_value}`).sort();
    const prodBootstrap: Any = readYamlDocument(configMapEntry(production, /envoy-config/, 'envoy.yaml'));
    const ourBootstrap: Any = parseBootstrap(configMap(ours, /envoy-config/, 'envoy.yaml'));
    expect(listeners(ourBootstrap)).toEqual(listeners(prodBootstrap));
    const clusters = (b: Any) => b.static_resources.clusters.map((c: Any) => c.name).sort();
    expect(clusters(ourBootstrap)).toEqual(clusters(prodBootstrap));
    const ingress = (b: Any) => b.static_resources.listeners.find((l: Any) => l.listener_filters).filter_chains[0].filters[0].typed_config;
    for (const key of ['stat_prefix', 'server_name', 'tracing', 'internal_address_config']) expect([key, ingress(ourBootstrap)[key]]).toEqual([key, ingress(prodBootstrap)[key]]);
    expect(ingress(ourBootstrap).route_config.request_headers_to_add).toEqual(ingress(prodBootstrap).route_config.request_headers_to_add);
    expect(ourBootstrap.overload_manager).toEqual(prodBootstrap.overload_manager);
    const proxyEnv = (objects: Any[]) =>
      Object.fromEntries(objects.find((o) => o.kind === 'Rollout' || o.kind === 'Deployment').spec.template.spec.containers.find((c: Any) => c.name.endsWith('tls-proxy')).env.map((e: Any) => [e.name, e.value]));
    const { ADMIN_PORT: _port, ADMIN_SOCKET: _socket, ...prodEnv } = proxyEnv(production.objects as Any[]);
    expect(proxyEnv(ours)).toEqual(prodEnv); // the admin interface is TCP 127.0.0.1:9901 here, the drain script's default
  });

  test('mw-parsoid traces nothing, as production', () => {
    const bootstrap: Any = parseBootstrap(configMap(objectsOf('eqiad/mw-parsoid/pinkllama/manifest.yaml'), /envoy-config/, 'envoy.yaml'));
    expect(bootstrap.static_resources.clusters.map((c: Any) => c.name)).not.toContain('otel_collector');
    expect(JSON.stringify(bootstrap)).not.toContain('tracing');
  });
});

describe('rendered NetworkPolicy and Certificate', () => {
  test("mw-web main's egress allows exactly production's destinations and ports, plus DNS and mcrouter", () => {
    const policy = (objects: readonly Any[]) => objects.find((o) => o.kind === 'NetworkPolicy').spec;
    const prod = egressPairs(policy(production.objects).egress);
    const mine = egressPairs(policy(ours).egress);
    expect([...prod].filter((p) => !mine.has(p))).toEqual([]);
    expect([...mine].filter((p) => !prod.has(p)).sort()).toEqual(['10.0.0.0 TCP/11211-11213', '10.0.0.0 TCP/4442', '10.0.0.0 TCP/53', '10.0.0.0 UDP/53']);
    expect(policy(ours).ingress).toEqual(policy(production.objects).ingress.map((r: Any) => ({ ports: [...r.ports].sort((a: Any, b: Any) => a.port - b.port) })));
  });

  test("mw-web main's certificate carries production's names", () => {
    const names = (objects: readonly Any[]) => [...new Set<string>(objects.find((o) => o.kind === 'Certificate').spec.dnsNames)].sort();
    expect(names(ours)).toEqual(names(production.objects));
  });

  test.each(['canary', 'migration'])("the %s release's certificate names main's Service, which its pods serve behind", (release) => {
    const objects = objectsOf(`eqiad/mw-web/${release}/manifest.yaml`);
    const dnsNames: string[] = objects.find((o) => o.kind === 'Certificate').spec.dnsNames;
    expect(dnsNames).toContain('mediawiki-main-tls-service.mw-web.svc.cluster.local');
    expect(dnsNames.filter((n) => n.endsWith('.svc.cluster.local'))).toEqual(['mediawiki-main-tls-service.mw-web.svc.cluster.local']);
    expect(objects.some((o) => o.kind === 'Service')).toBe(false);
    expect(objectsOf('eqiad/mw-web/main/manifest.yaml').find((o) => o.kind === 'Service').metadata.name).toBe('mediawiki-main-tls-service');
  });
});
