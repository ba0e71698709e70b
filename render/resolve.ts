/**
 * Pure: from the parsed inputs, everything one release needs to render, with profile defaults
 * applied (replicas, ports, routing, servergroup, images, supervision checks).
 */
import type { Images } from '../config/images.js';
import { releaseImages } from '../config/images.js';
import type { ReleaseSpec, Stage, SupervisionCheck, SupervisionRule } from '../config/model.js';
import { profileInCluster, type Cluster, type Platform, type ServiceProfile } from '../config/profile.js';
import type { SitesFile } from '../config/sites.js';
import { meshListeners, type MeshCatalogue } from '../config/services-mesh.js';
import type { ResolvedRelease } from '../constructs/resolved-release.js';

export function resolveRelease(
  spec: ReleaseSpec,
  profile: ServiceProfile,
  cluster: Cluster,
  platform: Platform,
  images: Images,
  rules: readonly SupervisionRule[],
  sites: SitesFile,
  mesh: MeshCatalogue,
): ResolvedRelease {
  const routedVia = profile.routedVia[spec.release] ?? spec.release;
  const ports = routedVia === spec.release ? profile.ports[spec.release] : undefined;
  const tlsPort = profile.ports[routedVia]?.tls;
  if (tlsPort === undefined) {
    throw new Error(`profile ${profile.namespace} has no port for release ${routedVia}; checkProfileCovers should have caught this`);
  }
  return {
    spec,
    profile: profileInCluster(profile, cluster),
    cluster,
    platform,
    registry: images.registry,
    images: releaseImages(images, spec),
    replicas: profile.workload === 'daemonset' ? null : replicasOf(spec, profile, cluster),
    routedVia,
    ports,
    tlsPort,
    servergroup: profile.servergroupSuffixReleases.includes(spec.release) ? `kube-${spec.namespace}-${spec.release}` : `kube-${spec.namespace}`,
    checks: checksFor(rules, spec.scope, spec.stage),
    sites,
    meshListeners: meshListeners(mesh, profile.mesh.listeners),
  };
}

function replicasOf(spec: ReleaseSpec, profile: ServiceProfile, cluster: Cluster): number {
  const { byRelease, canary } = profile.replicas;
  let replicas = byRelease[spec.release];
  if (replicas === undefined && spec.stage === 'canaries') {
    // "3% of main, rounded up", as values-canary.yaml sizes it today.
    replicas = Math.ceil(((byRelease[canary.of] ?? profile.replicas.default) * canary.percent) / 100);
  }
  replicas ??= profile.replicas.default;
  return cluster.maxReplicas === undefined ? replicas : Math.min(replicas, cluster.maxReplicas);
}

function checksFor(rules: readonly SupervisionRule[], scope: string | undefined, stage: Stage): SupervisionCheck[] {
  if (scope === undefined) return [];
  return rules.filter((r) => r.scope === scope).flatMap((r) => r.stages[stage] ?? []);
}
