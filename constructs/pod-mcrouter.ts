import type { ResolvedRelease } from './resolved-release.js';
import { envList, preStopSleep, resourceRequirements, restrictedSecurityContext } from './container-spec.js';
import { exporterContainer } from './pod-exporters.js';
import { sidecarImage, type Sidecar } from './pod-part.js';
import * as files from './release-config.js';

/**
 * A local mcrouter php-fpm reaches on 127.0.0.1 (MCROUTER_SERVER then points at it), routing to
 * the memcached pools (environments/memcached.ts), with its exporter.
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

type Route = Record<string, unknown>;

/**
 * mcrouter's config.json: every memcached pool (plain text in the pod's own zone, TLS elsewhere)
 * and the datacenter's routes. A failover route keeps a failed key on the pool's gutter servers for
 * its failoverSeconds; a route with a replica reads from its pool and writes to both prefixes' pools.
 */
export function mcrouterConfig(release: ResolvedRelease): Record<string, string> {
  const { memcached } = release.platform;
  const zone = release.cluster.datacenter;
  const routes = memcached.routes[zone];
  if (!routes) throw new Error(`environments/memcached.ts has no mcrouter routes for datacenter ${zone}`);
  const address = (local: boolean) => (ip: string) => (local ? `${ip}:${memcached.plainPort}:ascii:plain` : `${ip}:${memcached.tlsPort}:ascii:ssl`);
  const pools: Record<string, { servers: string[] }> = {};
  for (const pool of memcached.pools) {
    const at = address(pool.zone === zone);
    pools[pool.name] = { servers: pool.servers.map(at) };
    if (pool.failover) pools[`${pool.name}-failover`] = { servers: pool.failover.map(at) };
  }
  const poolRoute = (pool: string, failoverSeconds: number): Route => {
    if (!pools[pool]) throw new Error(`environments/memcached.ts: route pool ${pool} is not a pool`);
    return failoverSeconds > 0 && pools[`${pool}-failover`]
      ? { failover: `PoolRoute|${pool}-failover`, failover_errors: ['tko'], failover_exptime: failoverSeconds, normal: `PoolRoute|${pool}`, type: 'FailoverWithExptimeRoute' }
      : { pool, type: 'PoolRoute' };
  };
  const split = (read: Route, write: Route): Route => ({
    default_policy: read,
    operation_policies: { delete: { children: [write], type: 'AllSyncRoute' }, set: { children: [write], type: 'AllSyncRoute' } },
    type: 'OperationSelectorRoute',
  });
  const config = {
    pools,
    routes: routes.flatMap((r) => {
      const own = poolRoute(r.pool, r.failoverSeconds);
      if (!r.replica) return [{ aliases: [`${r.route}/`], route: own }];
      return [
        { aliases: [`${r.route}/`], route: split(own, own) },
        { aliases: [`${r.replica.route}/`], route: split(own, poolRoute(r.replica.pool, r.failoverSeconds)) },
      ];
    }),
  };
  return { 'config.json': `${JSON.stringify(config, null, 2)}\n` };
}
