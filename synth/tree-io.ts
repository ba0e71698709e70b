/** Reading and writing rendered trees on disk. The only place synth touches the filesystem. */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { sortedTree, type RenderedTree } from '../render/tree.js';

/**
 * Every file under `dir` (relative POSIX paths), or an empty tree when `dir` does not exist. A
 * `.git` directory is skipped, so a checkout of the deployment repository reads as its tree.
 */
export async function readTree(dir: string): Promise<Map<string, string>> {
  const entries: [string, string][] = [];
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const root = resolve(dir);
  await Promise.all(
    names.filter((name) => !name.split(sep).includes('.git')).map(async (name) => {
      const full = join(root, name);
      try {
        entries.push([relative(root, full).split(sep).join('/'), await readFile(full, 'utf8')]);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
      }
    }),
  );
  return new Map(sortedTree(entries));
}

export function treesEqual(a: RenderedTree, b: RenderedTree): boolean {
  if (a.size !== b.size) return false;
  for (const [path, text] of a) if (b.get(path) !== text) return false;
  return true;
}

/**
 * Makes `dir` hold exactly `tree`: files are written into a sibling temporary directory which
 * then replaces `dir`, so a failure part-way leaves the previous tree as it was, and files of
 * releases that left the config disappear. Returns false when `dir` already matched.
 */
export async function writeTreeAtomically(dir: string, tree: RenderedTree): Promise<boolean> {
  const target = resolve(dir);
  if (treesEqual(await readTree(target), tree)) return false;
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(join(dirname(target), `.${basename(target)}.new-`));
  try {
    const dirs = new Set([...tree.keys()].map((p) => dirname(join(staging, p))));
    for (const d of [...dirs].sort()) await mkdir(d, { recursive: true });
    await Promise.all([...tree].map(([path, text]) => writeFile(join(staging, path), text)));
    const previous = `${staging}.old`;
    let moved = false;
    try {
      await rename(target, previous);
      moved = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      await rename(staging, target);
    } catch (err) {
      if (moved) await rename(previous, target);
      throw err;
    }
    if (moved) await rm(previous, { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return true;
}
