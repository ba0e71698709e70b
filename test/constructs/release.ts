/** A resolved release of the real environments/ profiles, for construct tests. */
import { clusters, platform, profiles } from '../../environments/index.js';
import { profileInCluster, type ServiceProfile } from '../../config/profile.js';
import type { ResolvedRelease } from '../../constructs/resolved-release.js';
import { meshListeners, parseMeshCatalogue } from '../../config/services-mesh.js';
import { parseSites } from '../../config/sites.js';
import { SERVICES, SITES } from '../support/fixtures.js';

const sites = parseSites(SITES.file, SITES.text);

export function mwWebMain(profileChanges: Partial<ServiceProfile> = {}): ResolvedRelease {
  const profile = { ...profiles.find((p) => p.namespace === 'mw-web')!, ...profileChanges };
  const cluster = clusters.find((c) => c.name === 'eqiad')!;
  const field = ['mw-web'];
  return {
    spec: {
      cluster: cluster.name,
      namespace: 'mw-web',
      release: 'main',
      stage: 'production',
      deploy: true,
      mwKind: 'image',
      mwFlavour: 'publish-8.3',
      webFlavour: 'webserver',
      origin: { release: field, mwFlavour: field, webFlavour: field, mwKind: field, clusters: field },
    },
    profile: profileInCluster(profile, cluster),
    cluster,
    platform,
    registry: 'registry.example.org',
    images: { app: 'registry.example.org/mediawiki:1', httpd: 'registry.example.org/webserver:1' },
    replicas: 4,
    routedVia: 'main',
    ports: { tls: 4450 },
    tlsPort: 4450,
    servergroup: 'kube-mw-web',
    checks: [],
    sites,
    meshListeners: meshListeners(parseMeshCatalogue(SERVICES.file, SERVICES.text), profile.mesh.listeners),
  };
}
