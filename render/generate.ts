/**
 * Pure: what `mw-gitops generate` (the Argo CD plugin) prints for one cluster/namespace[/release].
 * It renders only the selected releases (`only`), and its text is exactly the dist/ manifest
 * file of each, concatenated in the order of releases.json, so the plugin and the deployment
 * repository can never disagree.
 */
import { UserError } from '../config/errors.js';
import type { ProjectInputs } from './inputs.js';
import type { ReleasesIndex } from './releases-index.js';
import { renderProject } from './render.js';

export interface Selection {
  readonly cluster: string;
  readonly namespace: string;
  /** Omitted: every release of the namespace in that cluster. */
  readonly release?: string;
}

export interface SelectionRender {
  /** The YAML stream: the selected manifest files' texts, concatenated. */
  readonly text: string;
  /** Their paths in the deployment repository, in output order. */
  readonly paths: readonly string[];
  readonly warnings: readonly string[];
}

export function renderSelection(inputs: ProjectInputs, selection: Selection): SelectionRender {
  const matches = (r: { cluster: string; namespace: string; release: string }): boolean =>
    r.cluster === selection.cluster && r.namespace === selection.namespace && (selection.release === undefined || r.release === selection.release);
  const result = renderProject(inputs, { only: matches });
  const selected = result.index.releases.filter(matches);
  if (selected.length === 0) throw new UserError(nothingSelected(result.index, inputs, selection));
  const texts = selected.map((r) => {
    const text = result.tree.get(r.path);
    if (text === undefined) throw new Error(`render produced no ${r.path}`);
    return text;
  });
  return { text: texts.join(''), paths: selected.map((r) => r.path), warnings: result.warnings };
}

/** Why nothing matched, naming what does exist at the first level that went wrong. */
export function nothingSelected(index: ReleasesIndex, inputs: Pick<ProjectInputs, 'clusters'>, selection: Selection): string {
  const { cluster, namespace, release } = selection;
  const list = (names: Iterable<string>): string => [...new Set(names)].sort().join(', ') || '(none)';
  const inCluster = index.releases.filter((r) => r.cluster === cluster);
  const unmanaged = index.unmanaged.find((u) => u.namespace === namespace && u.clusters.includes(cluster));
  if (unmanaged) {
    return `namespace "${namespace}" in cluster ${cluster} is unmanaged (${unmanaged.reason}), so there is nothing to render; namespaces of ${cluster}: ${list(inCluster.map((r) => r.namespace))}`;
  }
  if (!index.clusters.includes(cluster)) {
    const defined = inputs.clusters.some((c) => c.name === cluster);
    return defined
      ? `cluster "${cluster}" has no releases to render; clusters with releases: ${list(index.clusters)}`
      : `unknown cluster "${cluster}"; clusters with releases: ${list(index.clusters)}`;
  }
  const inNamespace = inCluster.filter((r) => r.namespace === namespace);
  if (inNamespace.length === 0) {
    return `unknown namespace "${namespace}" in cluster ${cluster}; namespaces of ${cluster}: ${list(inCluster.map((r) => r.namespace))}`;
  }
  return `unknown release "${release}" of ${namespace} in cluster ${cluster}; releases there: ${list(inNamespace.map((r) => r.release))}`;
}
