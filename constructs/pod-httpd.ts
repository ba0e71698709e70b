import { envFromPodField, envList, resourceRequirements, restrictedSecurityContext } from './container-spec.js';
import { SHARED_SOCKET_VOLUME, type PodPart, type PodPartContext } from './pod-part.js';
import * as files from './release-config.js';

/** Apache httpd (the web flavour image): the catalogue's vhosts, which hand php to php-fpm over the shared socket. */
export function httpdPart({ release, prefix, preStopSleepSeconds }: PodPartContext): PodPart {
  const { profile } = release;
  const sites = files.httpdSites(release);
  return {
    drainSeconds: preStopSleepSeconds,
    volumes: [
      { name: 'httpd-sites-config', configMapFiles: sites },
      { name: 'httpd-early-config', configMapFiles: files.httpdEarlyConfig() },
    ],
    containers: [
      {
        name: `${prefix}-httpd`,
        image: release.images.httpd,
        imagePullPolicy: 'IfNotPresent',
        env: [
          ...envList({ FCGI_MODE: 'FCGI_UNIX', SERVERGROUP: release.servergroup, APACHE_RUN_PORT: String(files.HTTPD_PORT) }),
          envFromPodField('SERVER_SIGNATURE', 'metadata.name'),
          ...envList({ LOG_FORMAT: profile.sidecars.rsyslog ? 'ecs_rsyslog' : 'ecs', LOG_SKIP_SYSTEM: '1' }),
        ],
        ports: [
          { name: 'httpd', containerPort: files.HTTPD_PORT },
          { name: 'php-metrics', containerPort: files.PHP_METRICS_PORT },
        ],
        livenessProbe: { tcpSocket: { port: 'httpd' } },
        readinessProbe: { httpGet: { path: '/healthz', port: 'php-metrics' } },
        lifecycle: { preStop: { exec: { command: ['/bin/sleep', String(preStopSleepSeconds)] } } },
        resources: resourceRequirements(profile.resources.httpd),
        securityContext: restrictedSecurityContext(),
        volumeMounts: [
          { name: SHARED_SOCKET_VOLUME, mountPath: '/run/shared' },
          // One file at a time: the image's own sites (999-monitoring.conf answers /healthz on 9181) stay.
          ...Object.keys(sites).map((site) => ({ name: 'httpd-sites-config', mountPath: `/etc/apache2/sites-enabled/${site}`, subPath: site, readOnly: true })),
          { name: 'httpd-early-config', mountPath: '/etc/apache2/conf-enabled/00-aaa.conf', subPath: '00-aaa.conf', readOnly: true },
        ],
      },
    ],
  };
}
