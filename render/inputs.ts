/**
 * Pure: the configuration as parsed from its files plus the typed environments, checked across
 * files (flavours exist, clusters exist, profiles cover every release they serve, plugin-mode
 * clusters have a plugin source).
 */
import { parseDeployments } from '../config/deployments.js';
import { ConfigError, fieldPath } from '../config/errors.js';
import { checkReleaseImages, parseImages, type Images } from '../config/images.js';
import type { Deployments, ReleaseSpec } from '../config/model.js';
import type { Cluster, Platform, ServiceProfile } from '../config/profile.js';
import { parseSites, type SitesFile } from '../config/sites.js';
import { parseMeshCatalogue, type MeshCatalogue } from '../config/services-mesh.js';
import type { DeploymentWindow } from '../config/windows.js';

export interface SourceFile {
  /** The name used in messages (relative to the working directory). */
  readonly file: string;
  readonly text: string;
}

/** The YAML half of the configuration, as read from the config directory. */
export interface ConfigFiles {
  readonly deployments: SourceFile;
  readonly images: SourceFile;
  readonly sites: SourceFile;
  readonly services: SourceFile;
}

export interface TypedConfig {
  readonly clusters: readonly Cluster[];
  readonly profiles: readonly ServiceProfile[];
  readonly platform: Platform;
  /** Deployment windows (environments/windows.ts), for the AppProject's syncWindows; @default none */
  readonly windows?: readonly DeploymentWindow[];
}

export interface ProjectInputs extends TypedConfig {
  readonly deployments: Deployments;
  readonly images: Images;
  /** The site catalogue (environments/sites.yaml): every vhost httpd can serve. */
  readonly sites: SitesFile;
  readonly mesh: MeshCatalogue;
}

export function parseInputs(files: ConfigFiles, typed: TypedConfig): ProjectInputs {
  const images = parseImages(files.images.file, files.images.text);
  const mesh = parseMeshCatalogue(files.services.file, files.services.text);
  checkMeshListeners(typed.profiles, mesh);
  const deployments = parseDeployments(files.deployments.file, files.deployments.text);
  const sites = parseSites(files.sites.file, files.sites.text);
  checkProfileSites(typed.profiles, sites, files.sites.file);
  checkReleaseImages(images, deployments, deployments.releases);
  checkPluginSource(typed);
  const profiles = new Map(typed.profiles.map((p) => [p.namespace, p]));
  const clusters = new Set(typed.clusters.map((c) => c.name));
  for (const release of deployments.releases) {
    const profile = profiles.get(release.namespace);
    if (!profile) continue; // unmanaged: warned about at render time
    if (!clusters.has(release.cluster)) {
      fail(deployments, release.origin.clusters, `unknown cluster "${release.cluster}" for namespace ${release.namespace}; known clusters (environments/clusters.ts): ${[...clusters].sort().join(', ')}`);
    }
    checkProfileCovers(deployments, profile, release);
  }
  return { ...typed, deployments, images, sites, mesh };
}

/** A cluster whose Applications render through the Argo CD plugin needs the plugin's source repository. */
function checkPluginSource(typed: TypedConfig): void {
  if (typed.platform.argocd.plugin) return;
  const cluster = typed.clusters.find((c) => c.argocdSource === 'plugin');
  if (!cluster) return;
  throw new ConfigError(
    { file: 'environments/platform.ts', field: 'argocd.plugin' },
    `cluster ${cluster.name} renders through the Argo CD plugin (argocdSource: plugin in environments/clusters.ts), but environments/platform.ts has no argocd.plugin {repoURL, targetRevision, path} naming the source repository`,
  );
}

/** Every site a profile serves is a file of the catalogue. */
function checkProfileSites(profiles: readonly ServiceProfile[], sites: SitesFile, sitesFile: string): void {
  const known = new Set(sites.sites.map((s) => s.file));
  profiles.forEach((profile, i) =>
    profile.sites.forEach((site, j) => {
      if (known.has(site)) return;
      throw new ConfigError({ file: 'environments/profiles.ts', field: fieldPath([i, 'sites', j]) }, `${profile.namespace} serves site "${site}", which ${sitesFile} does not have; its sites: ${[...known].sort().join(', ')}`);
    }),
  );
}

/** Every listener a profile names is in the catalogue. */
function checkMeshListeners(profiles: readonly ServiceProfile[], mesh: MeshCatalogue): void {
  const known = new Set(mesh.listeners.map((l) => l.name));
  profiles.forEach((profile, i) => {
    const at = profile.mesh.listeners.findIndex((name) => !known.has(name));
    if (at < 0) return;
    throw new ConfigError(
      { file: 'environments/profiles.ts', field: fieldPath([i, 'mesh', 'listeners', at]) },
      `${profile.namespace} uses service-mesh listener "${profile.mesh.listeners[at]}", which environments/services.yaml does not define`,
    );
  });
}

/** A release needs its own port in the profile, or to be routed via a release that has one. */
function checkProfileCovers(deployments: Deployments, profile: ServiceProfile, release: ReleaseSpec): void {
  const via = profile.routedVia[release.release];
  if (via !== undefined && profile.ports[via] === undefined) {
    fail(deployments, release.origin.release, `the service profile of ${profile.namespace} (environments/profiles.ts) routes release "${release.release}" via "${via}", which has no port there`);
  }
  if (via === undefined && profile.ports[release.release] === undefined) {
    fail(
      deployments,
      release.origin.release,
      `the service profile of ${profile.namespace} (environments/profiles.ts) has no NodePort for release "${release.release}"; add it to \`ports\`, or to \`routedVia\` to put its pods behind another release's Service`,
    );
  }
}

function fail(deployments: Deployments, path: readonly (string | number)[], problem: string): never {
  throw new ConfigError({ file: deployments.file, field: fieldPath(path), line: deployments.lineOf(path) }, problem);
}
