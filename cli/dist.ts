/**
 * Reading a rendered tree back from disk for publish and diff: dist/ with the releases.json
 * index that says which clusters it owns, or any other directory holding a rendered tree.
 */
import { promises as fs } from 'node:fs';
import { readReleasesIndex, ReleasesIndexError } from '../changes/releases-index.js';
import { UserError } from '../config/errors.js';
import type { ReleasesIndex } from '../render/releases-index.js';
import type { RenderedTree } from '../render/tree.js';
import { readRegularTree, recoverInterruptedSwap } from '../synth/tree-io.js';

export interface LoadedDist {
  readonly tree: RenderedTree;
  readonly index: ReleasesIndex;
}

/**
 * Reads dist/ and its releases.json. `shown` is how the directory is named in messages
 * (`--dist` as the user gave it).
 */
export async function loadDist(dir: string, shown: string): Promise<LoadedDist> {
  // A synth killed in the middle of its swap left the previous tree aside: put it back first.
  await recoverInterruptedSwap(dir);
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat) throw new UserError(`${shown}/ does not exist: run \`mw-gitops synth\` first (or point --dist at a rendered tree).`);
  if (!stat.isDirectory()) throw new UserError(`--dist ${shown} is not a directory.`);
  const tree = await readRegularTree(dir, shown);
  const text = tree.get('releases.json');
  if (text === undefined) {
    throw new UserError(`${shown}/releases.json is missing, so ${shown}/ is not a complete render: run \`mw-gitops synth\` first.`);
  }
  let index: ReleasesIndex;
  try {
    index = readReleasesIndex(text);
  } catch (err) {
    if (!(err instanceof ReleasesIndexError)) throw err;
    throw new UserError(`${shown}/releases.json is not an index synth wrote (${err.message}): run \`mw-gitops synth\` again.`);
  }
  checkTreeMatchesIndex(tree, index, shown);
  return { tree, index };
}

const MANIFEST = /^[^/]+\/[^/]+\/[^/]+\/manifest\.yaml$/;

/**
 * The tree and its index must agree: a release releases.json lists whose manifest is missing
 * (a deleted cluster directory, a half-copied tree) would otherwise be published as a removal,
 * and a manifest it does not list would be published unannounced.
 */
export function checkTreeMatchesIndex(tree: RenderedTree, index: ReleasesIndex, shown: string): void {
  const listed = new Set(index.releases.map((r) => r.path));
  const missing = [...listed].filter((path) => !tree.has(path));
  const clusters = new Set(index.clusters);
  const unlisted = [...tree.keys()].filter((path) => MANIFEST.test(path) && clusters.has(path.split('/')[0]) && !listed.has(path));
  const missingAppSets = index.clusters.filter((c) => index.releases.some((r) => r.cluster === c) && !tree.has(`argocd/${c}/applicationset.yaml`));
  const problems = [
    ...(missing.length ? [`missing ${missing.length} manifest(s) that releases.json lists (${brief(missing)})`] : []),
    ...(unlisted.length ? [`${unlisted.length} manifest(s) that releases.json does not list (${brief(unlisted)})`] : []),
    ...(missingAppSets.length ? [`no ApplicationSet for cluster(s) ${missingAppSets.join(', ')}`] : []),
  ];
  if (problems.length > 0) {
    throw new UserError(`${shown}/ does not agree with its releases.json: ${problems.join('; ')}. Nothing was published; run \`mw-gitops synth\` to write a complete tree.`);
  }
}

function brief(paths: readonly string[]): string {
  return paths.length <= 3 ? paths.join(', ') : `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more`;
}
