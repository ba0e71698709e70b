/**
 * Reading a rendered tree back from disk for publish and diff: dist/ with the releases.json
 * index that says which clusters it owns, or any other directory holding a rendered tree.
 */
import { promises as fs } from 'node:fs';
import { readReleasesIndex, ReleasesIndexError } from '../changes/releases-index.js';
import { UserError } from '../config/errors.js';
import type { ReleasesIndex } from '../render/releases-index.js';
import type { RenderedTree } from '../render/tree.js';
import { readTree } from '../synth/tree-io.js';

export interface LoadedDist {
  readonly tree: RenderedTree;
  readonly index: ReleasesIndex;
}

/**
 * Reads dist/ and its releases.json. `shown` is how the directory is named in messages
 * (`--dist` as the user gave it).
 */
export async function loadDist(dir: string, shown: string): Promise<LoadedDist> {
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat) throw new UserError(`${shown}/ does not exist: run \`mw-gitops synth\` first (or point --dist at a rendered tree).`);
  if (!stat.isDirectory()) throw new UserError(`--dist ${shown} is not a directory.`);
  const tree = await readTree(dir);
  const text = tree.get('releases.json');
  if (text === undefined) {
    throw new UserError(`${shown}/releases.json is missing, so ${shown}/ is not a complete render: run \`mw-gitops synth\` first.`);
  }
  try {
    return { tree, index: readReleasesIndex(text) };
  } catch (err) {
    if (!(err instanceof ReleasesIndexError)) throw err;
    throw new UserError(`${shown}/releases.json is not an index synth wrote (${err.message}): run \`mw-gitops synth\` again.`);
  }
}
