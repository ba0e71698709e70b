/**
 * The commit message of a publish: a subject a reviewer scans, a body listing which
 * clusters/namespaces/releases changed and which images moved from what to what, and trailers
 * tying the commit to its source. Pure: the old and new releases.json plus the file changes in,
 * text out.
 */
import { compareStrings } from '../config/compare.js';
import { parseImageRef, shortDigest } from '../config/image-ref.js';
import type { ReleasesIndex } from '../render/releases-index.js';
import { changedImages, type ImageRole } from './image-changes.js';
import type { PublishedIndex } from './releases-index.js';
import { imageChangeText, plural, releaseId, releaseOfPath, type FileChanges } from './tree-changes.js';

export interface PublishSource {
  /** HEAD of the source repository, `-dirty` appended when its worktree has changes. */
  readonly commit?: string;
  /** Its origin remote, credentials already removed. */
  readonly repository?: string;
}

export interface PublishMessageInput {
  /** releases.json currently in the deployment repository (null: none, or unreadable). */
  readonly before: PublishedIndex | null;
  /** releases.json of dist/. */
  readonly after: ReleasesIndex;
  readonly files: FileChanges;
  /** `--message`: replaces the generated subject; the body is still generated. */
  readonly subject?: string;
  readonly source?: PublishSource;
}

export interface PublishMessage {
  readonly subject: string;
  readonly body: string;
  /** subject, blank line, body, blank line, trailers: what `git commit` gets. */
  readonly message: string;
}

/** One image role of one release moving between two references. */
export interface ImageMove {
  readonly role: ImageRole;
  readonly flavourBefore: string;
  readonly flavour: string;
  readonly from: string;
  readonly to: string;
  /** `cluster/namespace/release`, in index order. */
  readonly releases: readonly string[];
}

export function publishMessage(input: PublishMessageInput): PublishMessage {
  const { before, after, files } = input;
  const clusterOrder = [...after.clusters, ...(before?.clusters ?? []).filter((c) => !after.clusters.includes(c))];
  const ordered = (keys: Iterable<string>) => sortReleaseIds([...keys], clusterOrder);

  const added = new Set<string>();
  const removed = new Set<string>();
  const changed = new Set<string>();
  for (const path of files.added) addKey(added, path);
  for (const path of files.deleted) addKey(removed, path);
  for (const path of files.modified) addKey(changed, path);

  const moves = imageMoves(before, after);
  const moved = new Set(moves.flatMap((m) => m.releases));
  const otherChanged = [...changed].filter((id) => !moved.has(id));
  const otherFiles = [...files.added, ...files.modified, ...files.deleted].filter((p) => !releaseOfPath(p)).sort();
  const initial = before === null && files.modified.length === 0 && files.deleted.length === 0;

  // Subject
  const parts: string[] = [];
  if (initial) {
    parts.push(`publish ${plural(added.size, 'release')} in ${clustersOf(added, clusterOrder)}`);
  } else {
    if (moves.length > 0) {
      const targets = uniqueBy(
        moves.map((m) => ({ flavour: m.flavour, version: versionOf(m.to, m.from) })),
        (t) => `${t.flavour}\0${t.version}`,
      );
      const what =
        targets.length <= 2
          ? targets.map((t) => `${t.flavour} to ${t.version}`).join(', ')
          : `${targets.length} flavours (${[...new Set(targets.map((t) => t.flavour))].join(', ')})`;
      parts.push(`roll ${what}: ${plural(moved.size, 'release')} in ${clustersOf(moved, clusterOrder)}`);
    }
    if (added.size > 0) parts.push(`add ${releasesPhrase(added, clusterOrder)}`);
    if (removed.size > 0) parts.push(`remove ${releasesPhrase(removed, clusterOrder)}`);
    if (otherChanged.length > 0) parts.push(`update ${releasesPhrase(new Set(otherChanged), clusterOrder)}`);
    if (parts.length === 0) parts.push(`update ${otherFiles.join(', ') || 'the deployment repository'}`);
  }
  const generated = capitalize(parts.join('; '));
  const subject = oneLine(input.subject) || generated;

  // Body
  const body: string[] = [];
  if (subject !== generated) body.push(generated, '');
  if (moves.length > 0) {
    body.push('Images:');
    for (const m of moves) {
      const flavour = m.flavourBefore === m.flavour ? m.flavour : `${m.flavourBefore} -> ${m.flavour}`;
      body.push(`  ${m.role} (${flavour}): ${imageChangeText(m.from, m.to)}`);
      body.push(...releaseLines(m.releases, clusterOrder, '    '));
    }
  }
  const section = (title: string, ids: Iterable<string>) => {
    const list = ordered(ids);
    if (list.length === 0) return;
    if (body.length > 0) body.push('');
    body.push(`${title} (${list.length}):`, ...releaseLines(list, clusterOrder, '  '));
  };
  section(initial ? 'Releases' : 'Added releases', added);
  section('Removed releases', removed);
  section(moves.length > 0 ? 'Other changed releases' : 'Changed releases', otherChanged);
  if (otherFiles.length > 0) {
    if (body.length > 0) body.push('');
    body.push(`Other files: ${otherFiles.join(', ')}`);
  }
  if (body.length > 0) body.push('');
  body.push(
    `Files: ${files.added.length} added, ${files.modified.length} modified, ${files.deleted.length} deleted`,
  );

  const trailers: string[] = [];
  if (input.source?.commit) trailers.push(`Source-Commit: ${input.source.commit}`);
  if (input.source?.repository) trailers.push(`Source-Repository: ${oneLine(input.source.repository)}`);

  const bodyText = body.join('\n');
  const message = [subject, bodyText, ...(trailers.length > 0 ? [trailers.join('\n')] : [])].join('\n\n') + '\n';
  return { subject, body: bodyText, message };
}

/** Releases present before and after whose app or httpd image differs, grouped by move. */
export function imageMoves(before: PublishedIndex | null, after: ReleasesIndex): ImageMove[] {
  const groups = new Map<string, { move: Omit<ImageMove, 'releases'>; releases: string[] }>();
  for (const { before: o, after: r, role, from, to } of changedImages(before, after)) {
    if (!o || !r || from === null || to === null) continue;
    const flavour = role === 'app' ? r.mwFlavour : r.webFlavour;
    // An index from an older mw-gitops may not name the flavour: read it as unchanged.
    const flavourBefore = (role === 'app' ? o.mwFlavour : o.webFlavour) ?? flavour;
    const key = [role, flavourBefore, flavour, from, to].join('\0');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { move: { role, flavourBefore, flavour, from, to }, releases: [] }));
    g.releases.push(releaseId(r));
  }
  return [...groups.values()].map((g) => ({ ...g.move, releases: g.releases }));
}

/** How to name the new version in a subject: its tag, or its digest when the tag did not change. */
function versionOf(to: string, from: string): string {
  const a = parseImageRef(from);
  const b = parseImageRef(to);
  if (b.tag && b.tag !== a.tag) return b.tag;
  if (b.digest) return `${b.tag ?? ''}@${shortDigest(b.digest)}`;
  return b.tag ?? to;
}

/** `  eqiad/mw-web: main, canary` lines, one per cluster/namespace. */
function releaseLines(ids: readonly string[], clusterOrder: readonly string[], indent: string): string[] {
  const byNamespace = new Map<string, string[]>();
  for (const id of sortReleaseIds(ids, clusterOrder)) {
    const [cluster, namespace, release] = id.split('/');
    const key = `${cluster}/${namespace}`;
    byNamespace.set(key, [...(byNamespace.get(key) ?? []), release]);
  }
  return [...byNamespace].map(([ns, releases]) => `${indent}${ns}: ${releases.join(', ')}`);
}

function releasesPhrase(ids: Set<string>, clusterOrder: readonly string[]): string {
  if (ids.size === 1) return [...ids][0];
  return `${plural(ids.size, 'release')} in ${clustersOf(ids, clusterOrder)}`;
}

function clustersOf(ids: Iterable<string>, clusterOrder: readonly string[]): string {
  const clusters = new Set([...ids].map((id) => id.split('/')[0]));
  return [...clusters].sort((a, b) => rank(clusterOrder, a) - rank(clusterOrder, b) || compareStrings(a, b)).join(', ');
}

function sortReleaseIds(ids: readonly string[], clusterOrder: readonly string[]): string[] {
  return [...ids].sort((x, y) => {
    const [cx, ...rx] = x.split('/');
    const [cy, ...ry] = y.split('/');
    return rank(clusterOrder, cx) - rank(clusterOrder, cy) || compareStrings(cx, cy) || compareStrings(rx.join('/'), ry.join('/'));
  });
}

function rank(order: readonly string[], cluster: string): number {
  const i = order.indexOf(cluster);
  return i < 0 ? order.length : i;
}

function addKey(set: Set<string>, path: string): void {
  const key = releaseOfPath(path);
  if (key) set.add(releaseId(key));
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function oneLine(s: string | undefined): string {
  return (s ?? '').replace(/\s+/g, ' ').trim();
}
