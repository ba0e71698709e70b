/**
 * The configuration files of one release's pod (apache vhost, envoy, php env), as text; rsyslog's
 * are in rsyslog-config.ts.
 * Pure functions; the pod mounts them from content-hashed ConfigMaps.
 */
import type { ResolvedRelease } from './resolved-release.js';

export const HTTPD_PORT = 8080;
export const PHP_METRICS_PORT = 9181;
export const HTTPD_EXPORTER_PORT = 9117;
export const PHP_FPM_EXPORTER_PORT = 9118;
export const ENVOY_ADMIN_PORT = 9361;
export const MCROUTER_PORT = 11213;
export const MCROUTER_EXPORTER_PORT = 9151;
export const FPM_SOCKET = '/run/shared/fpm-www.sock';

export function httpdSites(release: ResolvedRelease): Record<string, string> {
  return {
    '10-mediawiki.conf': [
      `<VirtualHost *:${HTTPD_PORT}>`,
      '    ServerName mediawiki',
      '    DocumentRoot /srv/mediawiki/docroot/wikipedia.org',
      '    AllowEncodedSlashes On',
      '    RewriteEngine On',
      '    RewriteRule ^/wiki/(.*)$ /w/index.php?title=$1 [L,QSA]',
      '    <FilesMatch "\\.php$">',
      `        SetHandler "proxy:unix:${FPM_SOCKET}|fcgi://localhost"`,
      '    </FilesMatch>',
      `    ProxyTimeout ${release.profile.php.timeout}`,
      '</VirtualHost>',
      '',
    ].join('\n'),
  };
}

/** Loaded first: the client IP comes from the TLS proxy's x-client-ip header. */
export function httpdEarlyConfig(): Record<string, string> {
  return { '00-aaa.conf': 'RemoteIPHeader X-Client-IP\nRemoteIPInternalProxy 127.0.0.1\n' };
}

export function phpEnvvars(release: ResolvedRelease): Record<string, string> {
  const mcrouter = release.profile.sidecars.mcrouter ? `127.0.0.1:${MCROUTER_PORT}` : release.cluster.mcrouterServer;
  return { MCROUTER_SERVER: mcrouter, ...release.profile.php.envvars };
}

export function wikimediaCluster(release: ResolvedRelease): Record<string, string> {
  return { 'wikimedia-cluster': `${release.cluster.datacenter}\n` };
}

export function mailConfig(release: ResolvedRelease): Record<string, string> {
  return { '.msmtprc': `account default\nhost ${release.cluster.mailHost}\nport 25\nfrom wiki@wikimedia.org\ntimeout 5\n` };
}

/** Envoy terminates TLS on the service port and forwards to httpd on localhost. */
export function envoyConfig(release: ResolvedRelease): Record<string, string> {
  const { mesh } = release.profile;
  const retry = mesh.retryPolicy
    ? [`                            retry_policy: {retry_on: ${mesh.retryPolicy.retryOn}, num_retries: ${mesh.retryPolicy.numRetries}}`]
    : [];
  return {
    'envoy.yaml': [
      'admin:',
      '  address: {socket_address: {address: 127.0.0.1, port_value: 9901}}',
      'static_resources:',
      '  listeners:',
      '    - name: tls',
      `      address: {socket_address: {address: 0.0.0.0, port_value: ${release.tlsPort}}}`,
      '      filter_chains:',
      '        - transport_socket:',
      '            name: envoy.transport_sockets.tls',
      '            typed_config:',
      "              '@type': type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
      '              common_tls_context:',
      '                tls_certificates:',
      '                  - certificate_chain: {filename: /etc/envoy/ssl/tls.crt}',
      '                    private_key: {filename: /etc/envoy/ssl/tls.key}',
      '          filters:',
      '            - name: envoy.filters.network.http_connection_manager',
      '              typed_config:',
      "                '@type': type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
      '                stat_prefix: tls_terminator',
      '                request_headers_to_add:',
      '                  - header: {key: x-client-ip, value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"}',
      `                tracing: {random_sampling: {value: ${mesh.tracingSampling}}}`,
      '                route_config:',
      '                  virtual_hosts:',
      '                    - name: mediawiki',
      "                      domains: ['*']",
      '                      routes:',
      '                        - match: {prefix: /}',
      '                          route:',
      '                            cluster: local_httpd',
      `                            timeout: ${mesh.upstreamTimeout}`,
      ...retry,
      '                http_filters:',
      '                  - name: envoy.filters.http.router',
      "                    typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}",
      '    - name: admin_healthz',
      `      address: {socket_address: {address: 0.0.0.0, port_value: ${ENVOY_ADMIN_PORT}}}`,
      '      filter_chains:',
      '        - filters:',
      '            - name: envoy.filters.network.http_connection_manager',
      '              typed_config:',
      "                '@type': type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
      '                stat_prefix: admin_healthz',
      '                route_config:',
      '                  virtual_hosts:',
      '                    - name: admin',
      "                      domains: ['*']",
      '                      routes:',
      '                        - match: {path: /healthz}',
      '                          direct_response: {status: 200, body: {inline_string: OK}}',
      '                        - match: {prefix: /stats}',
      '                          route: {cluster: admin}',
      '                http_filters:',
      '                  - name: envoy.filters.http.router',
      "                    typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}",
      '  clusters:',
      '    - name: local_httpd',
      '      connect_timeout: 1s',
      '      type: STATIC',
      `      load_assignment: {cluster_name: local_httpd, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${HTTPD_PORT}}}}}]}]}`,
      '    - name: admin',
      '      connect_timeout: 1s',
      '      type: STATIC',
      '      load_assignment: {cluster_name: admin, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 9901}}}}]}]}',
      '',
    ].join('\n'),
  };
}

/**
 * mw-debug's /w/debug pages. They answer only requests that came through the TLS proxy with an
 * X-Wikimedia-Debug header (the debug routing at the CDN), never plain cluster traffic.
 */
export function debugPhpFiles(): Record<string, string> {
  const page = (body: string) => `<?php\nrequire __DIR__ . '/common.php';\n${body}\n`;
  return {
    'common.php': [
      '<?php',
      "if ( !isset( $_SERVER['HTTP_X_WIKIMEDIA_DEBUG'] ) ) {",
      "\thttp_response_code( 403 );",
      "\texit( 'Debug pages need the X-Wikimedia-Debug header.' );",
      '}',
      "header( 'Content-Type: text/plain; charset=utf-8' );",
      '',
    ].join('\n'),
    'env.php': page('print_r( getenv() );'),
    'globals.php': page("print_r( array_keys( $GLOBALS ) );"),
    'ini_get.php': page('print_r( ini_get_all( null, false ) );'),
  };
}
