import { envFromPodField, resourceRequirements, restrictedSecurityContext } from './container-spec.js';
import { PHP_LOGGING_VOLUME, sidecarImage, type Sidecar } from './pod-part.js';
import * as files from './release-config.js';

/** Ships php-fpm's error log and slowlog to udp2log (httpd then logs in the ecs_rsyslog format). */
export const rsyslog: Sidecar = {
  profileSwitch: 'rsyslog',
  build: ({ release, prefix }) => ({
    volumes: [{ name: 'rsyslog-config', configMapFiles: files.rsyslogConfig(release) }],
    containers: [
      {
        name: `${prefix}-rsyslog`,
        image: sidecarImage(release, 'rsyslog'),
        imagePullPolicy: 'IfNotPresent',
        env: [envFromPodField('KUBERNETES_POD_NAME', 'metadata.name'), envFromPodField('KUBERNETES_NAMESPACE', 'metadata.namespace')],
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
