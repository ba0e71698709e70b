import { envList, resourceRequirements, restrictedSecurityContext } from './container-spec.js';
import { sidecarImage, type Sidecar } from './pod-part.js';
import * as files from './release-config.js';

/** Seconds envoy drains open connections when the pod stops (gradually, as today's chart does). */
export const ENVOY_DRAIN_SECONDS = 600;

/** Envoy terminates TLS on the release's port and forwards to httpd; every pod runs it. */
export const tlsProxy: Sidecar = {
  build: ({ release, prefix, tlsSecretName }) => ({
    drainSeconds: ENVOY_DRAIN_SECONDS,
    volumes: [
      { name: 'envoy-config', configMapFiles: files.envoyConfig(release) },
      { name: 'tls-certs', source: { secret: { secretName: tlsSecretName } } },
    ],
    containers: [
      {
        name: `${prefix}-tls-proxy`,
        image: sidecarImage(release, 'envoy'),
        imagePullPolicy: 'IfNotPresent',
        env: envList({
          SERVICE_NAME: release.spec.namespace,
          CONCURRENCY: String(release.profile.mesh.concurrency),
          DRAIN_TIME_S: String(ENVOY_DRAIN_SECONDS),
          DRAIN_STRATEGY: 'gradual',
        }),
        ports: [
          { name: 'tls', containerPort: release.tlsPort },
          { name: 'envoy-admin', containerPort: files.ENVOY_ADMIN_PORT },
        ],
        livenessProbe: { tcpSocket: { port: 'tls' } },
        readinessProbe: { httpGet: { path: '/healthz', port: 'envoy-admin' } },
        lifecycle: { preStop: { exec: { command: ['/bin/drain-envoy.sh'] } } },
        resources: resourceRequirements(release.profile.resources.tlsProxy),
        securityContext: restrictedSecurityContext(),
        volumeMounts: [
          { name: 'envoy-config', mountPath: '/etc/envoy', readOnly: true },
          { name: 'tls-certs', mountPath: '/etc/envoy/ssl', readOnly: true },
        ],
      },
    ],
    annotations: { 'envoyproxy.io/scrape': 'true', 'envoyproxy.io/port': String(files.ENVOY_ADMIN_PORT) },
  }),
};
