/**
 * A rendered deployment-repository tree: relative POSIX path -> file contents, in sorted path
 * order. This is what synth writes to dist/, what publish mirrors into the deployment
 * repository and what diff compares. Pure data; reading and writing it lives in synth/tree-io.ts.
 */
import { compareStrings } from '../config/compare.js';

export type RenderedTree = ReadonlyMap<string, string>;

/** The top-level entries a rendered tree may own in the deployment repository (DESIGN.md). */
export function isTreePath(path: string, clusters: readonly string[]): boolean {
  const top = path.split('/')[0];
  return top === 'argocd' || path === 'releases.json' || path === 'README.md' || clusters.includes(top);
}

export function sortedTree(entries: Iterable<[string, string]>): RenderedTree {
  return new Map([...entries].sort(([a], [b]) => compareStrings(a, b)));
}
