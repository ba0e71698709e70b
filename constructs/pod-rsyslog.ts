import { envFromPodField, preStopSleep, resourceRequirements, restrictedSecurityContext } from './container-spec.js';
import { PHP_LOGGING_VOLUME, sidecarImage, type Sidecar } from './pod-part.js';
import { KUBERNETES_ENV, rsyslogConfig } from './rsyslog-config.js';

/**
 * Ships MediaWiki's logs to Kafka: what MediaWiki, php-wmerrors and httpd send to its local UDP
 * ports, and php-fpm's error log and slowlog (constructs/rsyslog-config.ts).
 */
export const rsyslog: Sidecar = {
  profileSwitch: 'rsyslog',
  build: ({ release, prefix, preStopSleepSeconds }) => ({
    volumes: [{ name: 'rsyslog-config', configMapFiles: rsyslogConfig(release) }],
    containers: [
      {
        name: `${prefix}-rsyslog`,
        image: sidecarImage(release, 'rsyslog'),
        imagePullPolicy: 'IfNotPresent',
        env: Object.entries(KUBERNETES_ENV).map(([name, fieldPath]) => envFromPodField(name, fieldPath)),
        // Keeps reading the php-fpm logs until php-fpm has stopped.
        lifecycle: preStopSleep(preStopSleepSeconds),
        resources: resourceRequirements(release.profile.resources.rsyslog),
        securityContext: restrictedSecurityContext(),
        volumeMounts: [
          { name: PHP_LOGGING_VOLUME, mountPath: '/var/log/php-fpm', readOnly: true },
          { name: 'rsyslog-config', mountPath: '/etc/rsyslog.d', readOnly: true },
        ],
      },
    ],
  }),
};
