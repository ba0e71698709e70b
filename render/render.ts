/**
 * Pure: configuration in, the deployment repository's tree out. Every release becomes one cdk8s
 * chart whose objects are serialized to `<cluster>/<namespace>/<release>/manifest.yaml`; every
 * cluster gets an ApplicationSet, whose Applications label each namespace with the lowest Pod
 * Security level its pods pass; one AppProject admits them all; releases.json and README.md
 * index it all.
 */
import { App, type Chart } from 'cdk8s';
import { STAGES, type ReleaseSpec } from '../config/model.js';
import { lowestAdmittingLevel, podSecurityLabels } from '../config/pod-security.js';
import { ClusterApplicationSet } from '../constructs/cluster-application-set.js';
import { syncWindows } from '../config/windows.js';
import { MediaWikiAppProject, type GroupKind } from '../constructs/mediawiki-app-project.js';
import { MediaWikiRelease } from '../constructs/mediawiki-release.js';
import { yamlText, yamlTextWithSharedItems, yamlTextWithSharedMap } from '../constructs/yaml-text.js';
import type { ProjectInputs } from './inputs.js';
import { renderReadme } from './readme.js';
import { planRelease } from './rollout-plan.js';
import type { ReleaseIndexEntry, ReleasesIndex, UnmanagedNamespace } from './releases-index.js';
import type { ResolvedRelease } from '../constructs/resolved-release.js';
import { resolveRelease } from './resolve.js';
import { sortedTree, type RenderedTree } from './tree.js';
import { compareStrings } from '../config/compare.js';

export type KubeObject = Record<string, unknown>;

export interface RenderedFile {
  readonly path: string;
  readonly objects: readonly KubeObject[];
}

export interface RenderResult {
  readonly tree: RenderedTree;
  readonly index: ReleasesIndex;
  /** The objects of every manifest file, for validation. */
  readonly files: readonly RenderedFile[];
  readonly warnings: readonly string[];
}

export interface RenderOptions {
  /** Render only these releases' manifests (the Argo CD plugin): no ApplicationSets; the index files stay complete. */
  readonly only?: (release: ReleaseSpec) => boolean;
}

export function renderProject(inputs: ProjectInputs, options: RenderOptions = {}): RenderResult {
  const profiles = new Map(inputs.profiles.map((p) => [p.namespace, p]));
  const clusters = new Map(inputs.clusters.map((c) => [c.name, c]));
  const managed: ResolvedRelease[] = [];
  const unmanaged = new Map<string, Set<string>>();
  for (const spec of inputs.deployments.releases) {
    const profile = profiles.get(spec.namespace);
    if (!profile) {
      const seen = unmanaged.get(spec.namespace) ?? new Set<string>();
      unmanaged.set(spec.namespace, seen.add(spec.cluster));
      continue;
    }
    managed.push(resolveRelease(spec, profile, clusters.get(spec.cluster)!, inputs.platform, inputs.images, inputs.deployments.supervisionRules, inputs.sites, inputs.mesh));
  }

  // One App per chart: cdk8s validates every construct of the App on each chart.toJson(), so a
  // shared App makes each release pay for all the releases before it.
  const app = () => new App({ outdir: '.' });
  const files: RenderedFile[] = [];
  const entries: [string, string][] = [];
  /** The pod specs of each `<cluster>\0<namespace>`, for its Pod Security level. */
  const podSpecs = new Map<string, unknown[]>();
  for (const release of managed) {
    if (options.only && !options.only(release.spec)) continue;
    const { cluster, namespace, release: name } = release.spec;
    const path = `${cluster}/${namespace}/${name}/manifest.yaml`;
    const chart = new MediaWikiRelease(app(), `${cluster}-${namespace}-${name}`, { release });
    const objects = chartObjects(chart);
    files.push({ path, objects });
    entries.push([path, manifestText(objects)]);
    const key = `${cluster}\0${namespace}`;
    podSpecs.set(key, [...(podSpecs.get(key) ?? []), ...objects.flatMap(workloadPodSpec)]);
  }
  for (const cluster of options.only ? [] : inputs.clusters) {
    const releases = managed.filter((r) => r.spec.cluster === cluster.name);
    if (releases.length === 0) continue;
    const chart = new ClusterApplicationSet(app(), `argocd-${cluster.name}`, {
      cluster,
      platform: inputs.platform,
      releases: releases.map((r) => ({
        namespace: r.spec.namespace,
        release: r.spec.release,
        stage: r.spec.stage,
        deploy: r.spec.deploy,
        path: `${cluster.name}/${r.spec.namespace}/${r.spec.release}`,
        namespaceLabels: { ...r.profile.namespaceLabels, ...podSecurityLabels(lowestAdmittingLevel(podSpecs.get(`${cluster.name}\0${r.spec.namespace}`) ?? [])) },
      })),
    });
    const path = `argocd/${cluster.name}/applicationset.yaml`;
    const objects = chartObjects(chart);
    files.push({ path, objects });
    entries.push([path, manifestText(objects)]);
  }
  if (!options.only && managed.length) {
    const { argocd } = inputs.platform;
    const project = new MediaWikiAppProject(app(), 'argocd-project', {
      name: argocd.project,
      argocdNamespace: argocd.namespace,
      sourceRepos: inputs.clusters.map((c) => ((c.argocdSource ?? 'rendered') === 'plugin' && argocd.plugin ? argocd.plugin.repoURL : argocd.repoURL)),
      destinations: managed.map((r) => ({ name: r.cluster.argocdDestination, namespace: r.spec.namespace })),
      namespacedKinds: files.flatMap((f) => (f.path.startsWith('argocd/') ? [] : f.objects.map(groupKind))),
      syncWindows: syncWindows(inputs.windows ?? []),
    });
    const objects = chartObjects(project);
    files.push({ path: 'argocd/appproject.yaml', objects });
    entries.push(['argocd/appproject.yaml', manifestText(objects)]);
  }

  const index: ReleasesIndex = {
    generator: 'mw-gitops',
    stages: STAGES,
    clusters: [...new Set(managed.map((r) => r.spec.cluster))].sort(),
    releases: managed.map(indexEntry),
    unmanaged: [...unmanaged].sort(([a], [b]) => compareStrings(a, b)).map(([namespace, cs]): UnmanagedNamespace => ({
      namespace,
      clusters: [...cs].sort(),
      reason: 'no service profile in environments/profiles.ts',
    })),
  };
  entries.push(['releases.json', `${JSON.stringify(index, null, 2)}\n`]);
  const objectsByPath = new Map(files.map((f) => [f.path, f.objects]));
  const plans = options.only ? [] : index.releases.map((entry) => planRelease(entry, objectsByPath.get(entry.path) ?? []));
  entries.push(['README.md', renderReadme(index, stableName(inputs.deployments.file), stableName(inputs.images.file), plans)]);

  const warnings = index.unmanaged.length
    ? [`skipped ${index.unmanaged.length} namespace${index.unmanaged.length > 1 ? 's' : ''} without a service profile (listed as unmanaged in README.md): ${index.unmanaged.map((u) => u.namespace).join(', ')}`]
    : [];
  return { tree: sortedTree(entries), index, files, warnings };
}

function groupKind(object: KubeObject): GroupKind {
  const apiVersion = String(object.apiVersion);
  return { group: apiVersion.includes('/') ? apiVersion.split('/')[0] : '', kind: String(object.kind) };
}

/** The pod spec of a Rollout or DaemonSet. */
function workloadPodSpec(object: KubeObject): unknown[] {
  if (object.kind !== 'Rollout' && object.kind !== 'DaemonSet') return [];
  const spec = object.spec as { template?: { spec?: unknown } } | undefined;
  return spec?.template?.spec ? [spec.template.spec] : [];
}

function chartObjects(chart: Chart): KubeObject[] {
  return chart.toJson() as KubeObject[];
}

const HEADER = '# Generated by mw-gitops from environments/ and constructs/. Do not edit: change the source and run `mw-gitops synth`.\n';

/** One YAML document per object, in the chart's stable order. */
export function manifestText(objects: readonly KubeObject[]): string {
  return HEADER + objects.map((o) => `---\n${objectText(o)}`).join('');
}

/** An object's YAML; the parts every release repeats (config files, egress rules) are emitted once per content. */
function objectText(o: KubeObject): string {
  if (o.kind === 'ConfigMap') return yamlTextWithSharedMap(o, 'data');
  if (o.kind === 'NetworkPolicy') return yamlTextWithSharedItems(o, ['spec.egress']);
  return yamlText(o);
}

function indexEntry(r: ResolvedRelease): ReleaseIndexEntry {
  const { spec } = r;
  return {
    cluster: spec.cluster,
    namespace: spec.namespace,
    release: spec.release,
    application: `${spec.namespace}-${spec.release}-${spec.cluster}`,
    stage: spec.stage,
    deploy: spec.deploy,
    mwKind: spec.mwKind,
    mwFlavour: spec.mwFlavour,
    webFlavour: spec.webFlavour,
    images: { app: r.images.app, httpd: r.images.httpd },
    replicas: r.replicas,
    workload: r.profile.workload === 'daemonset' ? 'DaemonSet' : 'Rollout',
    routedVia: r.routedVia,
    nodePorts: r.ports ? [r.ports.tls, ...(r.ports.http !== undefined ? [r.ports.http] : [])] : [],
    path: `${spec.cluster}/${spec.namespace}/${spec.release}/manifest.yaml`,
  };
}

/** The config file as `<dir>/<file>`, whatever the working directory: rendered bytes must not depend on it. */
function stableName(file: string): string {
  return file.split(/[\\/]/).filter((part) => part && part !== '.' && part !== '..').slice(-2).join('/');
}
