import { envList, resourceRequirements, restrictedSecurityContext } from './container-spec.js';
import { sidecarImage, type Sidecar } from './pod-part.js';
import * as files from './release-config.js';

/**
 * Seconds envoy drains open connections when the pod stops. As production: drain-envoy.sh tells
 * envoy to drain its inbound listeners at once, then waits at least ENVOY_DRAIN_WAIT_MINIMUM_SECONDS
 * (the other containers' preStop sleep) for the ingress_https_<SERVICE_NAME> connections to end.
 */
export const ENVOY_DRAIN_SECONDS = 3;
export const ENVOY_DRAIN_WAIT_MINIMUM_SECONDS = 8;

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
          // The drain script's stat prefix (ingress_https_<SERVICE_NAME>) is the release's.
          SERVICE_NAME: release.spec.release,
          SERVICE_ZONE: 'default',
          CONCURRENCY: String(release.profile.mesh.concurrency),
          DRAIN_TIME_S: String(ENVOY_DRAIN_SECONDS),
          DRAIN_STRATEGY: 'immediate',
          DRAIN_VIA_TOOL: 'true',
          DRAIN_GRACEFUL: 'true',
          DRAIN_INBOUND_ONLY: 'true',
          DRAIN_WAIT_MINIMUM_S: String(ENVOY_DRAIN_WAIT_MINIMUM_SECONDS),
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
          { name: 'envoy-config', mountPath: files.ENVOY_CONFIG_DIR, readOnly: true },
          // The whole directory, never subPath: Kubernetes updates only directory mounts of a Secret.
          { name: 'tls-certs', mountPath: files.ENVOY_TLS_DIR, readOnly: true },
        ],
      },
    ],
    annotations: { 'envoyproxy.io/scrape': 'true', 'envoyproxy.io/port': String(files.ENVOY_ADMIN_PORT) },
  }),
};
