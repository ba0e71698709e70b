/**
 * The configuration files of one release's pod (apache vhost, envoy, php env), as text; rsyslog's
 * are in rsyslog-config.ts.
 * Pure functions; the pod mounts them from content-hashed ConfigMaps.
 */
import { renderApacheSites } from '../config/apache-sites.js';
import { selectSites } from '../config/sites.js';
import type { MeshListener } from '../config/services-mesh.js';
import type { ResolvedRelease } from './resolved-release.js';
import { yamlText, yamlTextWithSharedItems } from './yaml-text.js';
import { WMERRORS_FATAL_ERROR_PHP, WMERRORS_PARAMS_PHP } from './wmerrors-page.js';

export const HTTPD_PORT = 8080;
export const PHP_METRICS_PORT = 9181;
export const HTTPD_EXPORTER_PORT = 9117;
export const PHP_FPM_EXPORTER_PORT = 9118;
export const ENVOY_ADMIN_PORT = 9361;
export const MCROUTER_PORT = 11213;
export const MCROUTER_EXPORTER_PORT = 9151;
export const FPM_SOCKET = '/run/shared/fpm-www.sock';

/** The profile's sites of the catalogue, one Apache file each (`03-main.conf`), mounted one by one. */
export function httpdSites(release: ResolvedRelease): Record<string, string> {
  return renderApacheSites(selectSites(release.sites, release.profile.sites), { port: HTTPD_PORT, fcgiEndpoint: `unix:${FPM_SOCKET}|fcgi://localhost` });
}

/**
 * Loaded first (conf-enabled/00-aaa.conf), as production: the client IP comes from the TLS proxy's
 * x-client-ip header, trusted from the pod itself and from the CDN and mesh hops inside 10/8.
 */
export function httpdEarlyConfig(): Record<string, string> {
  return {
    '00-aaa.conf': [
      'LoadModule remoteip_module /usr/lib/apache2/modules/mod_remoteip.so',
      'RemoteIPHeader X-Client-IP',
      'RemoteIPInternalProxy 10.0.0.0/8',
      'RemoteIPInternalProxy 127.0.0.1/32',
      '',
    ].join('\n'),
  };
}

/** The variables php-fpm passes to MediaWiki, with their container values. */
export function phpEnvvars(release: ResolvedRelease): Record<string, string> {
  const mcrouter = release.profile.sidecars.mcrouter ? `127.0.0.1:${MCROUTER_PORT}` : release.cluster.mcrouterServer;
  return { MCROUTER_SERVER: mcrouter, ...release.profile.php.envvars };
}

/**
 * `envvars.inc`, which the image's pool includes (`env/*.inc`) next to its own (mcrouter.inc):
 * php-fpm clears the workers' environment, so each variable is passed on from the container's.
 */
export function phpEnvFiles(release: ResolvedRelease): Record<string, string> {
  const names = Object.keys(phpEnvvars(release)).map((k) => k.toUpperCase());
  return { 'envvars.inc': names.map((name) => `env['${name}'] = \${${name}}\n`).join('') };
}

export function wikimediaCluster(release: ResolvedRelease): Record<string, string> {
  return { 'wikimedia-cluster': `${release.cluster.datacenter}\n` };
}

/** msmtp's settings for MediaWiki's mail: the datacenter's outbound relay, as production. */
export function mailConfig(release: ResolvedRelease): Record<string, string> {
  return { '.msmtprc': `account default\nhost ${release.cluster.mailHost}\nfrom wiki@wikimedia.org\ntimeout 1\n` };
}

/**
 * php-wmerrors' fatal error page and its parameters (/etc/wmerrors): the page a PHP fatal error
 * shows, which also logs the error to rsyslog (127.0.0.1:10514) and counts it in statsd.
 */
export function wmerrorsFiles(): Record<string, string> {
  return { 'error-params.php': WMERRORS_PARAMS_PHP, 'fatal-error.php': WMERRORS_FATAL_ERROR_PHP };
}

/** Where envoy's configuration and the release's certificate are mounted. */
export const ENVOY_CONFIG_DIR = '/etc/envoy';
export const ENVOY_TLS_DIR = '/etc/envoy/ssl';
const ENVOY_ADMIN_INTERNAL_PORT = 9901;
const TLS_SDS_FILE = 'tls_certificate_sds_secret.yaml';
const ERROR_PAGE_FILE = 'error_page.html';

const typed = (type: string, fields: Record<string, unknown> = {}) => ({ '@type': `type.googleapis.com/${type}`, ...fields });
const socket = (address: string, port: number) => ({ socket_address: { address, port_value: port } });
const endpoint = (cluster: string, address: string, port: number) => ({ cluster_name: cluster, endpoints: [{ lb_endpoints: [{ endpoint: { address: socket(address, port) } }] }] });
const ROUTER = [{ name: 'envoy.filters.http.router', typed_config: typed('envoy.extensions.filters.http.router.v3.Router') }];
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
/** Requests from these count as internal (x-envoy-* headers kept), as production's chart sets it. */
const INTERNAL_ADDRESSES = {
  unix_sockets: true,
  cidr_ranges: [
    { address_prefix: '10.0.0.0', prefix_len: 8 },
    { address_prefix: '127.0.0.1', prefix_len: 32 },
    { address_prefix: '::1', prefix_len: 128 },
  ],
};

/** Log requests answered with 5xx to stdout; the threshold is a runtime key. */
function errorAccessLog(runtimeKey: string) {
  return [
    {
      name: 'envoy.access_loggers.file',
      filter: { status_code_filter: { comparison: { op: 'GE', value: { default_value: 500, runtime_key: runtimeKey } } } },
      typed_config: typed('envoy.extensions.access_loggers.file.v3.FileAccessLog', { path: '/dev/stdout' }),
    },
  ];
}

/** Sampled traces to the OpenTelemetry collector; nothing when the profile does not trace. */
function tracing(release: ResolvedRelease, serviceName?: string) {
  const sampling = release.profile.mesh.tracingSampling;
  if (sampling === undefined) return {};
  return {
    tracing: {
      random_sampling: { value: sampling },
      provider: {
        name: 'envoy.tracers.opentelemetry',
        typed_config: typed('envoy.config.trace.v3.OpenTelemetryConfig', {
          grpc_service: { envoy_grpc: { cluster_name: 'otel_collector' }, timeout: '0.250s' },
          ...(serviceName ? { service_name: serviceName } : {}),
        }),
      },
    },
  };
}

/** The same listener on IPv6 and IPv4, as production's chart writes each. */
function dualStack(name: string, port: number, listener: Record<string, unknown>) {
  return [
    { name: `${name}_ipv6`, address: socket('::', port), ...listener },
    { name: `${name}_ipv4`, address: socket('0.0.0.0', port), ...listener },
  ];
}

/** `/healthz` for the readiness probe and `/stats` for Prometheus on the public admin port; nothing else. */
function adminListeners() {
  const hcm = {
    '@type': `type.googleapis.com/${HCM}`,
    stat_prefix: 'admin_interface',
    http_filters: ROUTER,
    http_protocol_options: { accept_http_10: true },
    route_config: {
      virtual_hosts: [
        {
          name: 'admin_interface',
          domains: ['*'],
          routes: [
            { match: { prefix: '/stats' }, route: { cluster: 'admin_interface', timeout: '5s' } },
            { match: { prefix: '/healthz' }, direct_response: { status: 200, body: { inline_string: 'OK' } } },
            { match: { prefix: '/' }, direct_response: { status: 403, body: { inline_string: "You can't access this url." } } },
          ],
        },
      ],
    },
    internal_address_config: INTERNAL_ADDRESSES,
  };
  // Metrics stay reachable when the connection limit is hit.
  return dualStack('admin', ENVOY_ADMIN_PORT, { filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }], ignore_global_conn_limit: true });
}

/** TLS on the release's port, in front of httpd; the certificate comes through SDS (below). */
function ingressListeners(release: ResolvedRelease, service: string) {
  const { mesh } = release.profile;
  const localCluster = `LOCAL_${service}`;
  const hcm = {
    '@type': `type.googleapis.com/${HCM}`,
    // ingress_https_<SERVICE_NAME>: the drain script waits on this prefix's connections.
    stat_prefix: `ingress_https_${release.spec.release}`,
    server_name: `${release.spec.release}-tls`,
    server_header_transformation: 'APPEND_IF_ABSENT',
    access_log: errorAccessLog('tls_terminator_min_log_code'),
    http_filters: ROUTER,
    http_protocol_options: { accept_http_10: true },
    route_config: {
      request_headers_to_add: [{ header: { key: 'x-client-ip', value: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' }],
      virtual_hosts: [
        {
          name: 'tls_termination',
          domains: ['*'],
          routes: [
            {
              match: { prefix: '/' },
              route: {
                cluster: localCluster,
                timeout: mesh.upstreamTimeout,
                ...(mesh.retryPolicy ? { retry_policy: { retry_on: mesh.retryPolicy.retryOn, num_retries: mesh.retryPolicy.numRetries } } : {}),
              },
            },
          ],
        },
      ],
    },
    // Errors envoy itself answers (502 and up: httpd gone, timeouts) get the Wikimedia error page.
    local_reply_config: {
      mappers: [
        {
          filter: { status_code_filter: { comparison: { op: 'GE', value: { default_value: 502, runtime_key: 'errorpage_min_code' } } } },
          body_format_override: { text_format_source: { filename: `${ENVOY_CONFIG_DIR}/${ERROR_PAGE_FILE}` }, content_type: 'text/html; charset=UTF-8' },
        },
      ],
    },
    ...(release.profile.mesh.tracingSampling === undefined
      ? {}
      : { request_id_extension: { typed_config: typed('envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig', { pack_trace_reason: false }) } }),
    ...tracing(release, service),
    internal_address_config: INTERNAL_ADDRESSES,
  };
  const transportSocket = {
    name: 'envoy.transport_sockets.tls',
    typed_config: typed('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', {
      common_tls_context: {
        // A file-based SDS source: envoy watches it and the certificate files it names, so a
        // certificate cert-manager renews reaches envoy without a restart.
        tls_certificate_sds_secret_configs: [{ name: 'tls_sds', sds_config: { path_config_source: { path: `${ENVOY_CONFIG_DIR}/${TLS_SDS_FILE}` }, resource_api_version: 'V3' } }],
      },
    }),
  };
  return dualStack('ingress_https', release.tlsPort, {
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }], transport_socket: transportSocket }],
    listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: typed('envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector') }],
    traffic_direction: 'INBOUND',
  });
}

/** localhost:<port> for MediaWiki, forwarded to the upstream of one service-mesh listener. */
function meshListener(release: ResolvedRelease, l: MeshListener) {
  const hostRewrite = l.host_header ? { host_rewrite_literal: l.host_header } : l.upstream.sni ? { auto_host_rewrite: true } : {};
  const retry = l.retry
    ? { retry_policy: { retry_on: l.retry.condition, ...(l.retry.attempts !== undefined ? { num_retries: l.retry.attempts } : {}), ...(l.retry.per_try_timeout ? { per_try_timeout: l.retry.per_try_timeout } : {}) } }
    : {};
  const proto = l.forwarded_proto
    ? { request_headers_to_remove: ['x-forwarded-proto'], request_headers_to_add: [{ header: { key: 'x-forwarded-proto', value: l.forwarded_proto } }] }
    : {};
  const hcm = {
    '@type': `type.googleapis.com/${HCM}`,
    stat_prefix: `${l.name}_egress`,
    access_log: errorAccessLog(`${l.name}_min_log_code`),
    ...tracing(release),
    http_filters: ROUTER,
    route_config: {
      name: `${l.name}_route`,
      ...proto,
      virtual_hosts: [
        {
          name: l.name,
          domains: ['*'],
          routes: [{ match: { prefix: '/' }, route: { cluster: l.name, timeout: l.timeout, ...hostRewrite, ...retry, ...(l.upstream.idle_timeout ? { idle_timeout: l.upstream.idle_timeout } : {}) } }],
        },
      ],
    },
    internal_address_config: INTERNAL_ADDRESSES,
  };
  return dualStack(l.name, l.port, { filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }] });
}

function meshCluster(l: MeshListener) {
  const { upstream } = l;
  return {
    name: l.name,
    connect_timeout: '0.25s',
    ...(upstream.keepalive
      ? {
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': typed('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', {
              // Through a load balancer: keep each connection's share of requests small.
              common_http_protocol_options: { idle_timeout: upstream.keepalive, max_requests_per_connection: 1000 },
              use_downstream_protocol_config: {},
            }),
          },
        }
      : {}),
    type: 'STRICT_DNS',
    dns_lookup_family: 'V4_ONLY',
    lb_policy: 'ROUND_ROBIN',
    load_assignment: endpoint(`cluster_${l.name}`, upstream.address, upstream.port),
    ...(upstream.tls
      ? {
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: typed('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', {
              common_tls_context: {
                tls_params: { cipher_suites: ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'] },
                validation_context: { trusted_ca: { filename: '/etc/ssl/certs/ca-certificates.crt' } },
              },
              ...(upstream.sni ? { sni: upstream.address } : {}),
            }),
          },
        }
      : {}),
  };
}

/**
 * Envoy's bootstrap: TLS termination on the release's port in front of httpd (IPv4 and IPv6),
 * the admin listener the probes and Prometheus use, and one egress listener per service-mesh
 * upstream of the profile, as production's chart renders them. Also the SDS file naming the
 * certificate (watched, so renewals are picked up) and the error page.
 */
export function envoyConfig(release: ResolvedRelease): Record<string, string> {
  // LOCAL_<service> and the tracing service name: the namespace, suffixed for the releases
  // whose SERVERGROUP is (mw-web-next), as production's chart names them.
  const service = release.servergroup.replace(/^kube-/, '');
  const traced = release.profile.mesh.tracingSampling !== undefined;
  const { otelCollector } = release.platform;
  const bootstrap = {
    admin: { address: socket('127.0.0.1', ENVOY_ADMIN_INTERNAL_PORT), ignore_global_conn_limit: true },
    layered_runtime: { layers: [{ name: 'admin_layer_0', admin_layer: {} }] },
    stats_config: {
      histogram_bucket_settings: [
        { match: { safe_regex: { regex: '.+rq_time$' } }, buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500] },
        { match: { safe_regex: { regex: '.+upstream_cx_connect_ms$' } }, buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000] },
        { match: { safe_regex: { regex: '.+(upstream|downstream)_cx_length_ms$' } }, buckets: [2500, 5000, 10000, 30000, 60000, 300000] },
        { match: { safe_regex: { regex: '.+' } }, buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000] },
      ],
    },
    overload_manager: {
      resource_monitors: [
        {
          name: 'envoy.resource_monitors.global_downstream_max_connections',
          typed_config: typed('envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig', { max_active_downstream_connections: 50000 }),
        },
      ],
    },
    static_resources: {
      listeners: [...adminListeners(), ...ingressListeners(release, service), ...release.meshListeners.flatMap((l) => meshListener(release, l))],
      clusters: [
        {
          name: `LOCAL_${service}`,
          connect_timeout: '1s',
          type: 'STATIC',
          lb_policy: 'ROUND_ROBIN',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': typed('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', {
              common_http_protocol_options: { idle_timeout: '4.5s' },
              use_downstream_protocol_config: {},
            }),
          },
          load_assignment: endpoint(`LOCAL_${service}`, '127.0.0.1', HTTPD_PORT),
        },
        ...(traced
          ? [
              {
                name: 'otel_collector',
                type: 'STRICT_DNS',
                lb_policy: 'ROUND_ROBIN',
                typed_extension_protocol_options: {
                  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': typed('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', { explicit_http_config: { http2_protocol_options: {} } }),
                },
                load_assignment: endpoint('otel_collector', otelCollector.address, otelCollector.port),
              },
            ]
          : []),
        { name: 'admin_interface', type: 'STATIC', connect_timeout: '1s', load_assignment: endpoint('admin_interface', '127.0.0.1', ENVOY_ADMIN_INTERNAL_PORT) },
        ...release.meshListeners.map(meshCluster),
      ],
    },
  };
  const sds = {
    resources: [
      typed('envoy.extensions.transport_sockets.tls.v3.Secret', {
        name: 'tls_sds',
        tls_certificate: {
          certificate_chain: { filename: `${ENVOY_TLS_DIR}/tls.crt` },
          private_key: { filename: `${ENVOY_TLS_DIR}/tls.key` },
          // Kubernetes swaps a Secret volume's files by moving a symlink in this directory.
          watched_directory: { path: ENVOY_TLS_DIR },
        },
      }),
    ],
  };
  return {
    'envoy.yaml': yamlTextWithSharedItems(bootstrap, ['static_resources.listeners', 'static_resources.clusters']),
    [TLS_SDS_FILE]: yamlText(sds),
    [ERROR_PAGE_FILE]: [
      '<!DOCTYPE html>',
      '<html lang="en"><meta charset="utf-8"><title>Wikimedia Error</title>',
      '<p>Our servers are currently under maintenance or experiencing a technical issue.</p>',
      '<p>Original error: %LOCAL_REPLY_BODY% </p></html>',
      '',
    ].join('\n'),
  };
}

/**
 * mw-debug's /w/debug pages, as production's mw-debug values define them: each answers one named
 * value (`?value=`) and only with the password of /srv/mediawiki/private/FatalErrorSettings.php
 * (`?password=`), compared in constant time; an unset or empty password refuses. Production's
 * unauthenticated vardump.php, which dumps every server variable, is left out on purpose.
 */
export function debugPhpFiles(): Record<string, string> {
  const page = (show: string) => `<?php\nrequire_once __DIR__ . '/common.php';\ncheckCredentials();\n${show}\n`;
  return {
    'common.php': [
      '<?php',
      "require_once '/srv/mediawiki/private/FatalErrorSettings.php';",
      'function checkCredentials() {',
      '  global $fatalErrorPassword;',
      "  $password = $_GET['password'] ?? '';",
      // Production compares only; an unset or empty password here refuses instead of matching "".
      "  if ( !is_string( $fatalErrorPassword ?? null ) || $fatalErrorPassword === '' || !hash_equals( $fatalErrorPassword, $password ) ) {",
      '    http_response_code( 403 );',
      '    die("Invalid password");',
      '  }',
      '}',
      '',
    ].join('\n'),
    'env.php': page("var_dump(getenv($_GET['value']));"),
    'globals.php': page("var_dump($_SERVER[$_GET['value']]);"),
    'ini_get.php': page("var_dump(ini_get($_GET['value']));"),
  };
}
