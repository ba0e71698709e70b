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
import type { DeploymentWindow } from '../config/windows.js';

export interface SourceFile {
  /** The name used in messages (relative to the working directory). */
  readonly file: string;
  readonly text: string;
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
}

export function parseInputs(files: { deployments: SourceFile; images: SourceFile }, typed: TypedConfig): ProjectInputs {
  const images = parseImages(files.images.file, files.images.text);
  const deployments = parseDeployments(files.deployments.file, files.deployments.text);
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
  return { ...typed, deployments, images };
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
