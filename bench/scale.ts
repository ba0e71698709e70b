/**
 * Pure: synthetic configurations N times the size of a base configuration, for the scale figures.
 * A factor that is a perfect square k² clones each managed namespace k times (new namespace
 * names, ports moved so they stay unique) and each cluster k times, so the release count grows by
 * exactly k² (1x, 4x, 16x: 1x1, 2x2, 4x4); other factors clone namespaces only. Unmanaged targets
 * (no service profile) are kept once, as they are.
 */
import { parse, stringify } from 'yaml';
import { DEFAULT_CLUSTERS } from '../config/model.js';
import type { Cluster, ServiceProfile } from '../config/profile.js';
import type { ConfigFiles, SourceFile, TypedConfig } from '../render/inputs.js';

export interface BaseConfig {
  readonly typed: TypedConfig;
  readonly deployments: SourceFile;
  readonly images: SourceFile;
  readonly services: SourceFile;
}

export interface ScaledConfig {
  readonly factor: number;
  readonly namespaceCopies: number;
  readonly clusterCopies: number;
  readonly typed: TypedConfig;
  readonly files: ConfigFiles;
}

/** Ports of clone i move up by i * PORT_STEP. */
const PORT_STEP = 1000;

export function scaleShape(factor: number): { namespaceCopies: number; clusterCopies: number } {
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`scale factor must be a positive integer, got ${factor}`);
  const root = Math.round(Math.sqrt(factor));
  return root * root === factor ? { namespaceCopies: root, clusterCopies: root } : { namespaceCopies: factor, clusterCopies: 1 };
}

const copyName = (name: string, i: number): string => (i === 0 ? name : `${name}-${i + 1}`);

export function scaleConfig(base: BaseConfig, factor: number): ScaledConfig {
  const { namespaceCopies, clusterCopies } = scaleShape(factor);
  const clusters: Cluster[] = base.typed.clusters.flatMap((c) => Array.from({ length: clusterCopies }, (_, j) => ({ ...c, name: copyName(c.name, j) })));
  const profiles: ServiceProfile[] = base.typed.profiles.flatMap((p) =>
    Array.from({ length: namespaceCopies }, (_, i) => ({
      ...p,
      namespace: copyName(p.namespace, i),
      ports: Object.fromEntries(
        Object.entries(p.ports).map(([release, port]) => [
          release,
          { tls: port.tls + i * PORT_STEP, ...(port.http !== undefined ? { http: port.http + i * PORT_STEP } : {}) },
        ]),
      ),
    })),
  );
  assertUniquePorts(profiles);

  const managed = new Set(base.typed.profiles.map((p) => p.namespace));
  const doc = parse(base.deployments.text) as { deployment_targets?: Record<string, unknown>[] } & Record<string, unknown>;
  if (!doc || !Array.isArray(doc.deployment_targets)) throw new Error(`${base.deployments.file}: the scale bench needs the deployment_targets shape`);
  const targets = doc.deployment_targets.flatMap((target) => {
    const namespace = String(target.namespace);
    if (!managed.has(namespace)) return [target];
    const targetClusters = (target.clusters as string[] | undefined) ?? [...DEFAULT_CLUSTERS];
    const expanded = targetClusters.flatMap((c) => Array.from({ length: clusterCopies }, (_, j) => copyName(c, j)));
    return Array.from({ length: namespaceCopies }, (_, i) => ({ ...target, namespace: copyName(namespace, i), clusters: expanded }));
  });
  const text = `# synthetic: ${factor}x ${base.deployments.file} (${namespaceCopies} copies of each managed namespace, ${clusterCopies} of each cluster)\n${stringify({ ...doc, deployment_targets: targets })}`;

  return {
    factor,
    namespaceCopies,
    clusterCopies,
    typed: { clusters, profiles, platform: base.typed.platform },
    files: { deployments: { file: `bench:deployments-${factor}x.yaml`, text }, images: base.images, services: base.services },
  };
}

function assertUniquePorts(profiles: readonly ServiceProfile[]): void {
  const seen = new Map<number, string>();
  for (const p of profiles) {
    for (const [release, port] of Object.entries(p.ports)) {
      for (const n of [port.tls, port.http]) {
        if (n === undefined) continue;
        if (n > 65535) throw new Error(`scale: port ${n} of ${p.namespace}/${release} is out of range; use a smaller factor`);
        const other = seen.get(n);
        if (other) throw new Error(`scale: port ${n} used by both ${other} and ${p.namespace}/${release}`);
        seen.set(n, `${p.namespace}/${release}`);
      }
    }
  }
}
