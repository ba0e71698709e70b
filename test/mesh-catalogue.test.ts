/**
 * The service-mesh catalogue (environments/services.yaml) states what production's envoy sidecar
 * and NetworkPolicy do for each of MediaWiki's 48 egress listeners.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, UserError } from '../config/errors.js';
import { readYamlDocument } from '../config/yaml-stream.js';
import { meshListeners, parseMeshCatalogue } from '../config/services-mesh.js';
import * as environments from '../environments/index.js';
import { parseInputs } from '../render/inputs.js';
import { PROJECT } from './support/cli.js';
import { COLLAPSED, IMAGES, SITES } from './support/fixtures.js';
import { configMapEntry, productionRelease } from './programs/production.js';

const FILE = 'environments/services.yaml';
const text = readFileSync(join(PROJECT, FILE), 'utf8');
const catalogue = parseMeshCatalogue(FILE, text);

type Any = any; // envoy and Kubernetes objects as parsed YAML

describe('service-mesh catalogue', () => {
  test('holds 48 listeners with distinct names and ports', () => {
    expect(catalogue.listeners).toHaveLength(48);
    expect(meshListeners(catalogue, ['sessionstore', 'mw-api-int']).map((l) => [l.port, l.upstream.address])).toEqual([
      [6006, 'sessionstore.discovery.wmnet'],
      [6501, 'mw-api-int.discovery.wmnet'],
    ]);
    expect(() => meshListeners(catalogue, ['sessionstor'])).toThrow(UserError);
  });

  test("matches production's envoy listeners, clusters, timeouts and retries, and its egress NetworkPolicy", () => {
    const release = productionRelease('mw-web', 'main');
    const bootstrap: Any = readYamlDocument(configMapEntry(release, /envoy-config/, 'envoy.yaml'));
    const egress: Any[] = release.objects.find((o) => o.kind === 'NetworkPolicy')!.spec.egress;
    for (const l of catalogue.listeners) {
      const cluster: Any = bootstrap.static_resources.clusters.find((c: Any) => c.name === l.name);
      expect([l.name, cluster?.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address]).toEqual([
        l.name,
        { address: l.upstream.address, port_value: l.upstream.port },
      ]);
      expect([l.name, !!cluster.transport_socket]).toEqual([l.name, l.upstream.tls]);
      const listeners: Any[] = bootstrap.static_resources.listeners.filter((x: Any) => x.address.socket_address.port_value === l.port);
      expect([l.name, listeners.length]).toEqual([l.name, 2]); // :: and 0.0.0.0
      const route = listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route;
      expect([l.name, route.cluster, route.timeout]).toEqual([l.name, l.name, l.timeout]);
      if (l.retry) expect([l.name, route.retry_policy.retry_on, route.retry_policy.num_retries]).toEqual([l.name, l.retry.condition, l.retry.attempts]);
      for (const ip of l.upstream.ips) {
        const allowed = egress.some((rule) => rule.to?.some((t: Any) => t.ipBlock?.cidr === ip) && rule.ports?.some((p: Any) => p.port === l.upstream.port));
        expect([l.name, ip, allowed]).toEqual([l.name, ip, true]);
      }
    }
  });

  test('a duplicate port names the field and line', () => {
    const bad = text.replace('- name: sessionstore\n  port: 6006\n', '- name: sessionstore\n  port: 6005\n');
    const line = bad.split('\n').indexOf('- name: sessionstore') + 2;
    expect(() => parseMeshCatalogue(FILE, bad)).toThrow(ConfigError);
    expect(() => parseMeshCatalogue(FILE, bad)).toThrow(new RegExp(`^${FILE}:${line}: listeners\\[\\d+\\]\\.port: port 6005 is already used by listeners\\[\\d+\\] \\(eventgate-main\\)`));
  });

  test('a profile naming a listener the catalogue lacks is a config error naming the profile field', () => {
    const profiles = environments.profiles.map((p) => (p.namespace === 'mw-api-int' ? { ...p, mesh: { ...p.mesh, listeners: ['sessionstore', 'sesionstore'] } } : p));
    const index = profiles.findIndex((p) => p.namespace === 'mw-api-int');
    const load = () => parseInputs({ deployments: { file: 'deployments.yaml', text: COLLAPSED }, images: { file: 'images.yaml', text: IMAGES }, sites: SITES, services: { file: FILE, text } }, { ...environments, profiles });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`environments/profiles.ts: [${index}].mesh.listeners[1]: mw-api-int uses service-mesh listener "sesionstore", which environments/services.yaml does not define`);
  });
});
