/**
 * Comparing two rendered trees: which files a publish writes or deletes, and what changes per
 * cluster/namespace/release (objects added, removed, changed; container images moved).
 * Pure: trees in, data out, for `diff` (the file-level part publish needs is tree-changes.ts).
 */
import { structuredPatch } from 'diff';
import { stringify } from 'yaml';
import { readYamlStream } from '../config/yaml-stream.js';
import { compareStrings } from '../config/compare.js';
import type { RenderedTree } from '../render/tree.js';
import { imageChangeText, plural, releaseOfPath, type ReleaseKey } from './tree-changes.js';

export type ChangeStatus = 'added' | 'removed' | 'changed';

/** A container whose image differs between the two trees, inside one object of a release. */
export interface ImageChange {
  /** `Kind/name` of the object holding the pod template. */
  readonly object: string;
  readonly container: string;
  /** null: the container is new. */
  readonly from: string | null;
  /** null: the container is gone. */
  readonly to: string | null;
}

export interface ReleaseDiff extends ReleaseKey {
  readonly path: string;
  readonly status: ChangeStatus;
  /** Objects keyed `Kind/name`, sorted. For an added release all of its objects are `added`. */
  readonly objects: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly string[] };
  /** Only for changed releases: containers whose image moved. */
  readonly images: readonly ImageChange[];
  /** With `patches`: per changed object, a unified diff of its YAML (`@@` hunks, `-`/`+`/` ` lines). */
  readonly patches?: readonly ObjectPatch[];
  /** Set when a manifest could not be parsed; the file is then compared as text only. */
  readonly error?: string;
}

export interface ObjectPatch {
  /** `Kind/name`. */
  readonly object: string;
  /** Hunk headers and lines, without trailing newlines. */
  readonly lines: readonly string[];
}

export interface DiffTreesOptions {
  /** Also compute the unified YAML diff of every changed object. @default false */
  readonly patches?: boolean;
  /** Lines of context around each change. @default 3 */
  readonly context?: number;
}

export interface FileDiff {
  readonly path: string;
  readonly status: ChangeStatus;
}

export interface TreeDiff {
  /** Sorted by cluster, namespace, release. */
  readonly releases: readonly ReleaseDiff[];
  /** Every other file that differs (argocd/, releases.json, README.md, ...), sorted by path. */
  readonly files: readonly FileDiff[];
}

/** What changes from `before` to `after`, grouped by release. Files equal in both are skipped. */
export function diffTrees(before: RenderedTree, after: RenderedTree, options: DiffTreesOptions = {}): TreeDiff {
  const releases: ReleaseDiff[] = [];
  const files: FileDiff[] = [];
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort(compareStrings);
  for (const path of paths) {
    const a = before.get(path);
    const b = after.get(path);
    if (a === b) continue;
    const status: ChangeStatus = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
    const key = releaseOfPath(path);
    if (!key) {
      files.push({ path, status });
      continue;
    }
    releases.push({ ...key, path, status, ...diffManifests(a, b, options) });
  }
  releases.sort(
    (x, y) => compareStrings(x.cluster, y.cluster) || compareStrings(x.namespace, y.namespace) || compareStrings(x.release, y.release),
  );
  return { releases, files };
}

export function isEmptyDiff(diff: TreeDiff): boolean {
  return diff.releases.length === 0 && diff.files.length === 0;
}

type ManifestObject = Record<string, unknown>;

function diffManifests(
  before: string | undefined,
  after: string | undefined,
  options: DiffTreesOptions,
): Pick<ReleaseDiff, 'objects' | 'images' | 'error' | 'patches'> {
  let a: Map<string, ManifestObject>;
  let b: Map<string, ManifestObject>;
  try {
    a = parseManifest(before ?? '');
    b = parseManifest(after ?? '');
  } catch (err) {
    return {
      objects: { added: [], removed: [], changed: [] },
      images: [],
      error: err instanceof Error ? err.message : String(err),
    };
  }
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  const images: ImageChange[] = [];
  const patches: ObjectPatch[] = [];
  for (const [key, obj] of b) {
    const old = a.get(key);
    if (!old) added.push(key);
    else if (canonical(old) !== canonical(obj)) {
      changed.push(key);
      if (before !== undefined && after !== undefined) images.push(...imageChanges(key, old, obj));
      if (options.patches) patches.push({ object: key, lines: objectPatch(old, obj, options.context ?? 3) });
    }
  }
  for (const key of a.keys()) if (!b.has(key)) removed.push(key);
  patches.sort((x, y) => compareStrings(x.object, y.object));
  return {
    objects: { added: added.sort(compareStrings), removed: removed.sort(compareStrings), changed: changed.sort(compareStrings) },
    images,
    ...(options.patches ? { patches } : {}),
  };
}

/** The object as YAML with sorted keys, so the diff shows values, not key order. */
function objectYaml(obj: ManifestObject): string {
  return stringify(JSON.parse(canonical(obj)), { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Unified diff hunks of two versions of one object (the `diff` package). */
function objectPatch(before: ManifestObject, after: ManifestObject, context: number): string[] {
  const patch = structuredPatch('before', 'after', objectYaml(before), objectYaml(after), undefined, undefined, { context });
  return patch.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
}

/**
 * The objects of `kinds` in a multi-document manifest, in document order, parsing only the
 * documents that can hold them: a rollout plan needs the Rollout and its AnalysisTemplates out of
 * a manifest that is mostly ConfigMap text, and parsing all of it is most of a bump's planning
 * time. A document is skipped only when a column-0 `kind:` line names another kind in plain
 * style (a top-level key, since nested keys and block-scalar lines are indented, and document
 * markers cannot occur inside a document); anything else is parsed and filtered.
 */
export function parseManifestKinds(text: string, kinds: ReadonlySet<string>): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const doc of text.split(/^---(?=[ \t]|$)/m)) {
    const plainKind = /^kind:[ \t]*([A-Za-z][A-Za-z0-9]*)[ \t]*$/m.exec(doc)?.[1];
    if (plainKind !== undefined && !kinds.has(plainKind)) continue;
    for (const obj of parseManifest(doc).values()) if (kinds.has(String(obj.kind))) out.push(obj);
  }
  return out;
}

/** Objects of a multi-document YAML manifest keyed `Kind/name` (`#2`, `#3` for repeats). */
export function parseManifest(text: string): Map<string, ManifestObject> {
  const out = new Map<string, ManifestObject>();
  const stream = readYamlStream(text);
  if (!stream.ok) throw new Error(stream.error.message);
  for (const value of stream.values) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error('a document is not a Kubernetes object');
    const obj = value as ManifestObject;
    const meta = (obj.metadata ?? {}) as Record<string, unknown>;
    const base = `${String(obj.kind ?? '?')}/${String(meta.name ?? '?')}`;
    let key = base;
    for (let n = 2; out.has(key); n++) key = `${base}#${n}`;
    out.set(key, obj);
  }
  return out;
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** container name -> image for every pod template inside an object (in document order). */
export function containerImages(obj: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (CONTAINER_LISTS.has(key) && Array.isArray(value)) {
        for (const c of value) {
          if (c && typeof c === 'object') {
            const { name, image } = c as Record<string, unknown>;
            if (typeof name === 'string' && typeof image === 'string') {
              const label = key === 'containers' ? name : `${name} (${key})`;
              if (!out.has(label)) out.set(label, image);
            }
          }
        }
      } else {
        // pod templates of Jobs inside analysis templates etc. are reached the same way
        walk(value);
      }
    }
  };
  walk(obj);
  return out;
}

function imageChanges(object: string, before: ManifestObject, after: ManifestObject): ImageChange[] {
  const a = containerImages(before);
  const b = containerImages(after);
  const out: ImageChange[] = [];
  for (const [container, to] of b) {
    const from = a.get(container) ?? null;
    if (from !== to) out.push({ object, container, from, to });
  }
  for (const [container, from] of a) if (!b.has(container)) out.push({ object, container, from, to: null });
  return out;
}

/** JSON with sorted keys, so key order alone never counts as a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => compareStrings(x, y)))
      : v,
  );
}

/** One line: `3 releases in eqiad, codfw (1 added, 1 removed, 1 changed); 2 other files`. */
export function summarizeTreeDiff(diff: TreeDiff): string {
  if (isEmptyDiff(diff)) return 'no changes';
  const parts: string[] = [];
  if (diff.releases.length > 0) {
    const count = (s: ChangeStatus) => diff.releases.filter((r) => r.status === s).length;
    const clusters = [...new Set(diff.releases.map((r) => r.cluster))];
    const statuses = (['added', 'removed', 'changed'] as const)
      .filter((s) => count(s) > 0)
      .map((s) => `${count(s)} ${s}`)
      .join(', ');
    const images = diff.releases.reduce((n, r) => n + r.images.length, 0);
    parts.push(
      `${plural(diff.releases.length, 'release')} in ${clusters.join(', ')} (${statuses})` +
        (images > 0 ? `, ${plural(images, 'image change')}` : ''),
    );
  }
  if (diff.files.length > 0) parts.push(plural(diff.files.length, 'other file'));
  return parts.join('; ');
}

const SIGN: Record<ChangeStatus, string> = { added: '+', removed: '-', changed: '~' };

/** How to paint text on a terminal; `plain` leaves it as it is. */
export interface Painter {
  readonly added: (s: string) => string;
  readonly removed: (s: string) => string;
  readonly hunk: (s: string) => string;
  readonly heading: (s: string) => string;
}

const identity = (s: string) => s;
export const plain: Painter = { added: identity, removed: identity, hunk: identity, heading: identity };
const sgr = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
export const ansi: Painter = { added: sgr('32'), removed: sgr('31'), hunk: sgr('36'), heading: sgr('1') };

function paintPatchLine(line: string, paint: Painter): string {
  if (line.startsWith('@@')) return paint.hunk(line);
  if (line.startsWith('+')) return paint.added(line);
  if (line.startsWith('-')) return paint.removed(line);
  return line;
}

/**
 * The listing `diff` prints: one block per release (objects with +/-/~, image moves under the
 * object that holds them), then other files, then the one-line summary.
 */
export function formatTreeDiff(diff: TreeDiff, paint: Painter = plain): string {
  const lines: string[] = [];
  for (const r of diff.releases) {
    const id = paint.heading(`${r.cluster}/${r.namespace}/${r.release}`);
    const o = r.objects;
    if (r.status !== 'changed') {
      const objects = r.status === 'added' ? o.added : o.removed;
      lines.push(`${SIGN[r.status]} ${id} (${r.status}: ${plural(objects.length, 'object')})`);
      for (const obj of objects) lines.push(`    ${obj}`);
      continue;
    }
    lines.push(`~ ${id}${r.error ? ` (not parsed as YAML: ${r.error})` : ''}`);
    for (const obj of o.added) lines.push(`    + ${obj}`);
    for (const obj of o.removed) lines.push(`    - ${obj}`);
    for (const obj of o.changed) {
      lines.push(`    ~ ${obj}`);
      for (const img of r.images.filter((i) => i.object === obj)) {
        const text =
          img.from && img.to ? imageChangeText(img.from, img.to) : img.from ? `${img.from} (removed)` : `${img.to} (new)`;
        lines.push(`        image ${img.container}: ${text}`);
      }
      for (const line of r.patches?.find((p) => p.object === obj)?.lines ?? []) lines.push(`        ${paintPatchLine(line, paint)}`);
    }
  }
  if (diff.files.length > 0) {
    lines.push('other files:');
    for (const f of diff.files) lines.push(`  ${SIGN[f.status]} ${f.path}`);
  }
  lines.push(summarizeTreeDiff(diff));
  return lines.join('\n') + '\n';
}
