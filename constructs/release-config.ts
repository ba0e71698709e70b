/**
 * The configuration files of one release's pod (apache vhost, envoy, php env), as text; rsyslog's
 * are in rsyslog-config.ts.
 * Pure functions; the pod mounts them from content-hashed ConfigMaps.
 */
import { renderApacheSites } from '../config/apache-sites.js';
import { selectSites } from '../config/sites.js';
import type { ResolvedRelease } from './resolved-release.js';
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
