import type { ResolvedRelease } from './resolved-release.js';
import { resourceRequirements, restrictedSecurityContext } from './container-spec.js';
import { exporterContainer } from './pod-exporters.js';
import { sidecarImage, type Sidecar } from './pod-part.js';
import * as files from './release-config.js';

/**
 * A local mcrouter php-fpm reaches on 127.0.0.1 (MCROUTER_SERVER then points at it), routing to
 * the datacenter's memcached pool, with its exporter.
 */
export const mcrouter: Sidecar = {
  profileSwitch: 'mcrouter',
  build: ({ release, prefix }) => ({
    volumes: [{ name: 'mcrouter-config', configMapFiles: mcrouterConfig(release) }],
    containers: [
      {
        name: `${prefix}-mcrouter`,
        image: sidecarImage(release, 'mcrouter'),
        imagePullPolicy: 'IfNotPresent',
        args: ['--port', String(files.MCROUTER_PORT), '--route-prefix', `/${release.cluster.datacenter}/mw`, '--config', 'file:/etc/mcrouter/config.json'],
        ports: [{ name: 'mcrouter', containerPort: files.MCROUTER_PORT }],
        livenessProbe: { tcpSocket: { port: 'mcrouter' } },
        readinessProbe: { tcpSocket: { port: 'mcrouter' } },
        resources: resourceRequirements(release.profile.resources.mcrouter),
        securityContext: restrictedSecurityContext(),
        volumeMounts: [{ name: 'mcrouter-config', mountPath: '/etc/mcrouter', readOnly: true }],
      },
      exporterContainer({
        name: `${prefix}-mcrouter-exporter`,
        portName: 'mcrouter-exp',
        port: files.MCROUTER_EXPORTER_PORT,
        image: sidecarImage(release, 'mcrouterExporter'),
        resources: release.profile.resources.exporter,
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
