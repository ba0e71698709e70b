/**
 * File-level changes between the deployment repository and dist/, and the small vocabulary
 * shared by `publish` and `diff` (release paths, image references). Pure, and light on imports:
 * a no-op publish loads only this.
 */
import { createHash } from 'node:crypto';
import { compareStrings } from '../config/compare.js';
import { imageName, imageVersion, parseImageRef } from '../config/image-ref.js';

/** Paths a publish adds, modifies and deletes in the deployment repository, each sorted. */
export interface FileChanges {
  readonly added: readonly string[];
  readonly modified: readonly string[];
  readonly deleted: readonly string[];
}

/**
 * File-level changes from `current` (the deployment repository) to `next` (dist/). Values are
 * compared as strings, so they may be contents or blob ids (see `gitBlobId`). Only paths for
 * which `owned` is true are deleted when absent from `next`; everything else is left alone.
 */
export function fileChanges(
  current: ReadonlyMap<string, string>,
  next: ReadonlyMap<string, string>,
  owned: (path: string) => boolean,
): FileChanges {
  const added: string[] = [];
  const modified: string[] = [];
  const deleted: string[] = [];
  for (const [path, value] of next) {
    const before = current.get(path);
    if (before === undefined) added.push(path);
    else if (before !== value) modified.push(path);
  }
  for (const path of current.keys()) {
    if (!next.has(path) && owned(path)) deleted.push(path);
  }
  return { added: added.sort(compareStrings), modified: modified.sort(compareStrings), deleted: deleted.sort(compareStrings) };
}

export function hasFileChanges(changes: FileChanges): boolean {
  return changes.added.length + changes.modified.length + changes.deleted.length > 0;
}

/** The id git gives a file with these contents (`git hash-object`), to compare without writing. */
export function gitBlobId(contents: string | Uint8Array): string {
  const bytes = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** Where one release's manifest lives: `<cluster>/<namespace>/<release>/manifest.yaml`. */
export interface ReleaseKey {
  readonly cluster: string;
  readonly namespace: string;
  readonly release: string;
}

const MANIFEST_PATH = /^([^/]+)\/([^/]+)\/([^/]+)\/manifest\.yaml$/;

/** `cluster/namespace/release`. */
export function releaseId(r: ReleaseKey): string {
  return `${r.cluster}/${r.namespace}/${r.release}`;
}

export function releaseOfPath(path: string): ReleaseKey | null {
  const m = MANIFEST_PATH.exec(path);
  if (!m || m[1] === 'argocd') return null;
  return { cluster: m[1], namespace: m[2], release: m[3] };
}

/** `repo: old -> new` when only the version moved, else both full references. */
export function imageChangeText(from: string, to: string): string {
  const a = parseImageRef(from);
  const b = parseImageRef(to);
  if (imageName(a) !== imageName(b)) return `${from} -> ${to}`;
  return `${imageName(b)} ${imageVersion(a)} -> ${imageVersion(b)}`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
