import { envList, resourceRequirements, restrictedSecurityContext } from './container-spec.js';
import { PHP_LOGGING_VOLUME, SHARED_SOCKET_VOLUME, type PodPart, type PodPartContext } from './pod-part.js';
import * as files from './release-config.js';

/** php-fpm (the mw flavour and kind image): MediaWiki itself, tuned by the profile's php settings. */
export function appPart({ release, prefix, preStopSleepSeconds }: PodPartContext): PodPart {
  const { profile } = release;
  const { php } = profile;
  const name = `${prefix}-app`;
  const envvars = files.phpEnvvars(release);
  const envFiles = files.phpEnvFiles(release);
  const env: Record<string, string> = {
    SERVERGROUP: release.servergroup,
    FCGI_MODE: 'FCGI_UNIX',
    FCGI_URL: `unix://${files.FPM_SOCKET}`,
    FCGI_ALLOW: '127.0.0.1',
    PHP__opcache__memory_consumption: String(php.opcache.size),
    PHP__opcache__max_accelerated_files: String(php.opcache.files),
    PHP__opcache__interned_strings_buffer: String(php.opcache.internedStringsBuffer),
    PHP__apc__shm_size: `${php.apcSize}M`,
    FPM__pm__max_children: String(php.workers),
    FPM__request_terminate_timeout: String(php.timeout),
    FPM__request_slowlog_timeout: String(php.slowlogTimeout),
    FPM__slowlog: '/var/log/php-fpm/slowlog.log',
    PHP__max_execution_time: String(php.maxExecutionTime),
    PHP__error_log: '/var/log/php-fpm/error.log',
    // As production's chart defaults: wmf-config's prepend, MediaWiki's regex limit, errors logged not shown.
    PHP__auto_prepend_file: '/srv/mediawiki/wmf-config/PhpAutoPrepend.php',
    PHP__pcre__backtrack_limit: '5000000',
    PHP__error_reporting: '30719',
    PHP__display_errors: 'Off',
    ...(php.develMode ? { PHP__opcache__validate_timestamps: '1', PHP__opcache__revalidate_freq: '0', FPM__catch_workers_output: '1' } : {}),
    ...Object.fromEntries(Object.entries(envvars).map(([k, v]) => [k.toUpperCase(), v])),
  };
  // The php-fpm slowlog traces workers with ptrace, as today's chart allows.
  const slowlog = php.slowlogTimeout > 0;
  const socketProbe = { exec: { command: ['/usr/bin/test', '-S', files.FPM_SOCKET] } };
  return {
    drainSeconds: preStopSleepSeconds,
    // php-fpm kills a request at request_terminate_timeout (max_execution_time counts CPU time only).
    requestTimeoutSeconds: php.timeout,
    volumes: [
      { name: 'wikimedia-cluster-config', configMapFiles: files.wikimediaCluster(release) },
      { name: 'mail-config', configMapFiles: files.mailConfig(release) },
      { name: 'php-envvars', configMapFiles: envFiles },
      { name: 'wmerrors', configMapFiles: files.wmerrorsFiles() },
    ],
    containers: [
      {
        name,
        image: release.images.app,
        imagePullPolicy: 'IfNotPresent',
        env: envList(env),
        livenessProbe: socketProbe,
        readinessProbe: socketProbe,
        lifecycle: { preStop: { exec: { command: ['/bin/sleep', String(preStopSleepSeconds)] } } },
        resources: resourceRequirements(profile.resources.app),
        securityContext: restrictedSecurityContext(slowlog ? ['SYS_PTRACE'] : []),
        volumeMounts: [
          { name: SHARED_SOCKET_VOLUME, mountPath: '/run/shared' },
          { name: PHP_LOGGING_VOLUME, mountPath: '/var/log/php-fpm' },
          { name: 'wikimedia-cluster-config', mountPath: '/etc/wikimedia-cluster', subPath: 'wikimedia-cluster', readOnly: true },
          { name: 'mail-config', mountPath: '/var/www/.msmtprc', subPath: '.msmtprc', readOnly: true },
          { name: 'wmerrors', mountPath: '/etc/wmerrors', readOnly: true },
          // envvars.inc only: the image's own includes (mcrouter.inc) stay next to it.
          ...Object.keys(envFiles).map((inc) => ({ name: 'php-envvars', mountPath: `/etc/php/${php.version}/fpm/env/${inc}`, subPath: inc, readOnly: true })),
        ],
      },
    ],
    // The one documented departure from the restricted profile, scoped to the container.
    policyExceptions: slowlog
      ? [{ rule: 'security-capabilities', container: name, reason: 'php-fpm slowlog (request_slowlog_timeout > 0) traces workers with ptrace, which needs SYS_PTRACE' }]
      : [],
  };
}
