import type { ResolvedRelease } from './resolved-release.js';
import { envList, preStopSleep, resourceRequirements, restrictedSecurityContext } from './container-spec.js';
import { exporterContainer } from './pod-exporters.js';
import { sidecarImage, type Sidecar } from './pod-part.js';
import * as files from './release-config.js';

/**
 * A local mcrouter php-fpm reaches on 127.0.0.1 (MCROUTER_SERVER then points at it), routing to
 * the datacenter's memcached pool, with its exporter.
 */
export const mcrouter: Sidecar = {
  profileSwitch: 'mcrouter',
  build: ({ release, prefix, preStopSleepSeconds }) => ({
    volumes: [{ name: 'mcrouter-config', configMapFiles: mcrouterConfig(release) }],
    containers: [
      {
        name: `${prefix}-mcrouter`,
        image: sidecarImage(release, 'mcrouter'),
        imagePullPolicy: 'IfNotPresent',
        // The image's entrypoint builds mcrouter's command line from these.
        env: envList({
          PORT: String(files.MCROUTER_PORT),
          CONFIG: 'file:/etc/mcrouter/config.json',
          ROUTE_PREFIX: `${release.cluster.datacenter}/mw`,
          CROSS_REGION_TO: '250',
          CROSS_CLUSTER_TO: '100',
          NUM_PROXIES: '5',
          PROBE_TIMEOUT: '60000',
          TIMEOUTS_UNTIL_TKO: '3',
          EXTRA_ARGS: '',
          USE_SSL: 'no',
        }),
        lifecycle: preStopSleep(preStopSleepSeconds),
        ports: [{ name: 'mcrouter', containerPort: files.MCROUTER_PORT }],
        livenessProbe: { tcpSocket: { port: 'mcrouter' } },
        // The image's probe asks mcrouter itself (a version request), not just the socket.
        readinessProbe: { exec: { command: ['/bin/healthz'] } },
        resources: resourceRequirements(release.profile.resources.mcrouter),
        securityContext: restrictedSecurityContext(),
        volumeMounts: [{ name: 'mcrouter-config', mountPath: '/etc/mcrouter', readOnly: true }],
      },
      exporterContainer({
        name: `${prefix}-mcrouter-exporter`,
        portName: 'mcr-metrics',
        port: files.MCROUTER_EXPORTER_PORT,
        image: sidecarImage(release, 'mcrouterExporter'),
        args: ['--mcrouter.address', `127.0.0.1:${files.MCROUTER_PORT}`, '-mcrouter.server_metrics', '-web.listen-address', `:${files.MCROUTER_EXPORTER_PORT}`],
        resources: release.profile.resources.exporter,
        preStopSleepSeconds,
      }),
    ],
    // Only php-fpm talks to it, over localhost.
    podLocalPorts: ['mcrouter'],
  }),
};

function mcrouterConfig(release: ResolvedRelease): Record<string, string> {
  const pool = `${release.cluster.datacenter}-servers`;
  const config = {
    pools: { [pool]: { servers: [release.cluster.mcrouterServer] } },
    route: { type: 'PrefixSelectorRoute', policies: {}, wildcard: `PoolRoute|${pool}` },
  };
  return { 'config.json': `${JSON.stringify(config, null, 2)}\n` };
}
