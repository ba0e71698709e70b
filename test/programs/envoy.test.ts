/**
 * The envoy check decodes bootstraps against envoy's own v3 protos: production's bootstraps (which
 * envoy runs) pass; a field envoy does not know fails with its path.
 */
import { checkEnvoyBootstrap } from '../../validate/programs/envoy.js';
import { configMapEntry, productionReleases } from './production.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const source = { file: 'eqiad/mw-web/main/manifest.yaml', object: 'ConfigMap mw-web/mediawiki-main-envoy-config' };
const header = { header: { key: 'x-client-ip', value: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };

/** A TLS-terminating listener in front of the local Apache, as the mw pods run it. */
function bootstrap(hcmExtra: Record<string, unknown>, routeConfigExtra: Record<string, unknown>): Record<string, unknown> {
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 9631 } } },
    static_resources: {
      clusters: [
        {
          name: 'local_service',
          connect_timeout: '1.0s',
          type: 'STATIC',
          lb_policy: 'round_robin',
          load_assignment: { cluster_name: 'local_service', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 8080 } } } }] }] },
        },
      ],
      listeners: [
        {
          name: 'tls',
          address: { socket_address: { address: '0.0.0.0', port_value: 4444 } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': HCM,
                    stat_prefix: 'ingress_https_main',
                    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
                    route_config: {
                      virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'local_service', timeout: '60s' } }] }],
                      ...routeConfigExtra,
                    },
                    ...hcmExtra,
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  };
}

describe('envoy bootstrap check', () => {
  test('request_headers_to_add under route_config is accepted', () => {
    expect(checkEnvoyBootstrap(bootstrap({}, { request_headers_to_add: [header] }), source)).toEqual([]);
  });

  test('request_headers_to_add under HttpConnectionManager is refused, naming the file, object and field path', () => {
    const violations = checkEnvoyBootstrap(bootstrap({ request_headers_to_add: [header] }, {}), source);
    expect(violations).toEqual([
      {
        program: 'envoy',
        ...source,
        field: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.request_headers_to_add',
        message: expect.stringContaining('HttpConnectionManager'),
      },
    ]);
  });

  test('YAML text, camelCase JSON names, case-insensitive enums and lone values for lists decode as envoy does', () => {
    const yaml = [
      'admin:',
      '  access_log:',
      '    name: envoy.access_loggers.file',
      '    typed_config: {"@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog, path: /dev/stdout}',
      '  address: {socketAddress: {address: 127.0.0.1, port_value: 9631}}',
      'static_resources:',
      '  clusters: [{name: a, type: strict_dns, connect_timeout: 0.25s}]',
    ].join('\n');
    expect(checkEnvoyBootstrap(yaml, source)).toEqual([]);
  });

  test('wrong kinds, two members of a oneof and unknown @type are refused with their paths', () => {
    const bad = {
      static_resources: {
        clusters: [{ name: 'a', connect_timeout: 5, type: 'STATIC', cluster_type: { name: 'x' } }],
        listeners: [{ name: 'l', address: { socket_address: { address: '::', port_value: 'eighty' } }, filter_chains: [{ filters: [{ name: 'f', typed_config: { '@type': 'type.googleapis.com/envoy.NoSuchThing' } }] }] }],
      },
    };
    const fields = checkEnvoyBootstrap(bad, source).map((v) => v.field);
    expect(fields).toEqual([
      'static_resources.clusters[0].connect_timeout',
      'static_resources.clusters[0].cluster_type',
      'static_resources.listeners[0].address.socket_address.port_value',
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.@type',
    ]);
  });

  test.each(productionReleases().map((r) => [`${r.namespace}/${r.release}`, r] as const))('production bootstrap of %s decodes clean', (_, release) => {
    const text = configMapEntry(release, /envoy-config/, 'envoy.yaml');
    expect(checkEnvoyBootstrap(text, { file: release.file })).toEqual([]);
  });
});
