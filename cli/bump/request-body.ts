/**
 * Title and body of the pull/merge request `bump` opens: what changes where, in the order it will
 * roll (testservers, canaries, production), computed from the releases.json index before and after
 * the bump. Pure: data in, markdown out; the same inputs give the same bytes.
 */
import { changedImages, type ImageRole } from '../../changes/image-changes.js';
import { compareStrings } from '../../config/compare.js';
import { shortDigest } from '../../config/image-ref.js';
import type { ImageChange } from '../../config/images-edit.js';
import type { ReleasesIndex, Stage } from '../../render/releases-index.js';
import { stagesMermaid, type PlannedRelease, type WindowInfo } from '../../changes/plan.js';
import { formatSeconds, planMarkdownTable } from '../../render/rollout-plan.js';

/** Hidden marker that identifies a request body written by `mw-gitops bump`. */
export const BODY_MARKER = '<!-- mw-gitops:bump -->';

/** GitHub rejects bodies over 65536 characters; stay well below and say what was left out. */
export const MAX_BODY_CHARS = 60_000;

const DEFAULT_STAGES: readonly Stage[] = ['testservers', 'canaries', 'production'];

/** One container image that differs between the two indexes. */
export interface AffectedImage {
  readonly stage: Stage;
  readonly cluster: string;
  readonly namespace: string;
  readonly release: string;
  readonly deploy: boolean;
  readonly container: ImageRole;
  /** null: the release is new (from) or gone (to). */
  readonly from: string | null;
  readonly to: string | null;
}

/** Every container image that changes, ordered by stage, cluster, namespace, release, container. */
export function affectedImages(before: ReleasesIndex | null, after: ReleasesIndex): AffectedImage[] {
  const rows = changedImages(before, after).map(({ before: from, after: to, role, ...images }): AffectedImage => {
    const r = (to ?? from)!;
    return { stage: r.stage, cluster: r.cluster, namespace: r.namespace, release: r.release, deploy: r.deploy, container: role, ...images };
  });

  const stages = after.stages.length > 0 ? after.stages : DEFAULT_STAGES;
  const clusters = after.clusters;
  const rank = (list: readonly string[], value: string) => {
    const i = list.indexOf(value);
    return i === -1 ? list.length : i;
  };
  return rows.sort(
    (a, b) =>
      rank(stages, a.stage) - rank(stages, b.stage) ||
      rank(clusters, a.cluster) - rank(clusters, b.cluster) ||
      compareStrings(a.cluster, b.cluster) ||
      compareStrings(a.namespace, b.namespace) ||
      compareStrings(a.release, b.release) ||
      compareStrings(a.container, b.container),
  );
}

/** "Bump publish-83 to 2025-03-11-…" or, for a build, "Bump publish-83, webserver to build 2025-03-11-…"; rollbacks say so. */
export function requestTitle(changes: readonly ImageChange[], build?: string, rollback = false): string {
  if (rollback && changes.length === 1) return `Roll back ${changes[0].flavour} to ${changes[0].to} (from ${changes[0].from})`;
  const names = changes.map((c) => c.flavour);
  const listed = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
  if (build !== undefined) return `Bump ${listed || 'images'} to build ${build}`;
  if (changes.length === 1) {
    const c = changes[0];
    const digests = Object.values(c.digestsTo);
    const pin = digests.length > 0 && !sameDigests(c) ? ` (${digests.map(shortDigest).join(', ')})` : '';
    return `Bump ${c.flavour} to ${c.to}${pin}`;
  }
  return `Bump ${listed} to ${[...new Set(changes.map((c) => c.to))].join(', ')}`;
}

export interface RequestBodyInput {
  readonly changes: readonly ImageChange[];
  /** dist/releases.json on the base branch; null when the base has none yet. */
  readonly before: ReleasesIndex | null;
  /** dist/releases.json after the bump. */
  readonly after: ReleasesIndex;
  readonly base: string;
  /** The base commit the branch was generated from. */
  readonly baseCommit?: string;
  readonly build?: string;
  /** The rollout plan of each affected release (from the re-rendered tree), in stage order. */
  readonly plans?: readonly PlannedRelease[];
  /** images.yaml `build_link`: `{tag}` is replaced by each tag to link it to its build. */
  readonly buildLink?: string;
  /** The deployment windows at the time of the bump (the first release they block). */
  readonly window?: WindowInfo;
  /** A rollback: the body says so. */
  readonly rollback?: boolean;
}

export function requestBody(input: RequestBodyInput): string {
  const rows = affectedImages(input.before, input.after);
  const stages = input.after.stages.length > 0 ? input.after.stages : DEFAULT_STAGES;
  const head: string[] = [BODY_MARKER, ''];
  head.push(
    input.rollback ? '**Rollback**: restores the tag the flavour had before.' : input.build !== undefined ? `Image build \`${input.build}\`:` : 'Image update:',
    '',
  );
  head.push('| Flavour | Kind | From | To |', '| --- | --- | --- | --- |');
  for (const c of input.changes) {
    head.push(
      `| \`${c.flavour}\` | ${c.kind === 'mw' ? 'mw_flavours' : 'web_flavours'} | ${withDigests(c.from, c.digestsFrom, input.buildLink)} | ${withDigests(c.to, c.digestsTo, input.buildLink)} |`,
    );
  }
  head.push('');
  head.push(...removalWarning(input.before, input.after));

  const namespaces = [...new Set(rows.map((r) => r.namespace))].sort();
  const releases = new Set(rows.map((r) => `${r.cluster}/${r.namespace}/${r.release}`));
  const manual = new Set(rows.filter((r) => !r.deploy).map((r) => `${r.cluster}/${r.namespace}/${r.release}`));
  if (rows.length === 0) {
    head.push('No rendered release uses these flavours: merging changes images.yaml only.', '');
    return finish(head, [], input);
  }
  head.push(
    `Rolls out in stage order **${stages.join(' → ')}**: ${releases.size} release${releases.size === 1 ? '' : 's'} ` +
      `in ${namespaces.length} namespace${namespaces.length === 1 ? '' : 's'} (${namespaces.map((n) => `\`${n}\``).join(', ')}).` +
      (manual.size > 0 ? ` ${manual.size} of them ${manual.size === 1 ? 'has' : 'have'} \`deploy: false\` and wait for a manual sync in Argo CD.` : ''),
    '',
  );
  if (input.window && !input.window.open) {
    head.push(
      `⏸ Outside a deployment window now (${input.window.blockedBy.join('; ')}): after merging, Argo CD syncs automatically from ` +
        `${input.window.opensAt ?? 'the next window (none within two weeks)'}; a manual sync stays possible for emergencies.`,
      '',
    );
  }
  const plans = input.plans ?? [];
  head.push(...stagesMermaid(plans), '');
  head.push('| Stage | Releases | Namespaces | Manual sync | Least time |', '| --- | ---: | --- | ---: | --- |');
  for (const stage of stages) {
    const inStage = rows.filter((r) => r.stage === stage);
    if (inStage.length === 0) continue;
    const ids = new Set(inStage.map((r) => `${r.cluster}/${r.namespace}/${r.release}`));
    const manualIds = new Set(inStage.filter((r) => !r.deploy).map((r) => `${r.cluster}/${r.namespace}/${r.release}`));
    const least = Math.max(0, ...plans.filter((p) => p.stage === stage && p.deploy).map((p) => p.minimumSeconds));
    const nss = [...new Set(inStage.map((r) => r.namespace))].sort().map((n) => `\`${n}\``).join(', ');
    head.push(`| ${stage} | ${ids.size} | ${nss} | ${manualIds.size} | ${plans.length ? formatSeconds(least) : '?'} |`);
  }
  head.push('');
  const table = [
    `<details><summary>Every image change (${rows.length} row${rows.length === 1 ? '' : 's'})</summary>\n\n` +
      '| Stage | Cluster | Namespace | Release | Container | Old image | New image | Sync |\n| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.stage} | ${r.cluster} | ${r.namespace} | ${r.release} | ${r.container} | ${code(r.from, '(new release)')} | ${code(r.to, '(removed)')} | ` +
        `${r.deploy ? 'automatic' : '**manual** (deploy: false)'} |`,
    ),
    '\n</details>\n',
    ...(plans.length > 0 ? [`<details><summary>Rollout plan of each release (${plans.length})</summary>\n`] : []),
    ...plans.map(
      (p) =>
        `<details><summary>Plan: ${p.cluster}/${p.namespace}/${p.release} (${p.stage}${p.replicas !== null ? `, ${p.replicas} replicas` : ''}, at least ${formatSeconds(p.minimumSeconds)}${p.deploy ? '' : ', **manual sync**'})</summary>\n\n` +
        `${planMarkdownTable(p).join('\n')}\n\n</details>\n`,
    ),
    ...(plans.length > 0 ? ['</details>\n'] : []),
  ];
  return finish(head, table, input);
}

/**
 * Releases the base renders and this branch does not: merging deletes them in Argo CD. Said at
 * the top, in full (never cut with the table), so a review cannot miss it.
 */
function removalWarning(before: ReleasesIndex | null, after: ReleasesIndex): string[] {
  const kept = new Set(after.releases.map((r) => `${r.cluster}/${r.namespace}/${r.release}`));
  const removed = (before?.releases ?? []).map((r) => `${r.cluster}/${r.namespace}/${r.release}`).filter((id) => !kept.has(id));
  if (removed.length === 0) return [];
  return [
    `> [!WARNING]`,
    `> **This bump removes ${removed.length} release${removed.length === 1 ? '' : 's'}** from the rendered tree: ` +
      `${removed.map((id) => `\`${id}\``).join(', ')}. Merging and publishing deletes ${removed.length === 1 ? 'it' : 'them'} ` +
      'from the deployment repository, and Argo CD deletes what runs there (publish asks for `--allow-removal`).',
    '',
  ];
}

function finish(head: string[], table: string[], input: RequestBodyInput): string {
  const base = input.baseCommit ? `\`${input.base}\` at ${input.baseCommit.slice(0, 12)}` : `\`${input.base}\``;
  const foot = [
    '',
    `Generated by \`mw-gitops bump\` from ${base}. The branch is regenerated from the base on every bump of these flavours; ` +
      'commits pushed to it by hand are replaced.',
    '',
  ];
  const fixed = head.join('\n') + '\n' + foot.join('\n');
  const kept: string[] = [];
  let size = fixed.length;
  for (let i = 0; i < table.length; i++) {
    const line = table[i] + '\n';
    if (size + line.length > MAX_BODY_CHARS - 200) {
      const open = kept.join('').split('<details>').length - kept.join('').split('</details>').length;
      kept.push(`${'\n</details>\n'.repeat(Math.max(0, open))}\n… and ${table.length - i} more rows and plans: see releases.json and README.md in the branch.\n`);
      break;
    }
    kept.push(line);
    size += line.length;
  }
  return head.join('\n') + '\n' + kept.join('') + foot.join('\n');
}

function code(value: string | null, otherwise: string): string {
  return value === null ? otherwise : `\`${value.replace(/\|/g, '\\|')}\``;
}

function withDigests(tag: string, digests: Readonly<Record<string, string>>, buildLink?: string): string {
  const pins = Object.entries(digests).map(([k, v]) => `${k}@${shortDigest(v)}`);
  const shown = buildLink ? `[\`${tag}\`](${buildLink.replaceAll('{tag}', encodeURIComponent(tag))})` : `\`${tag}\``;
  return `${shown}${pins.length > 0 ? ` (${pins.join(', ')})` : ''}`;
}

function sameDigests(c: ImageChange): boolean {
  const a = Object.entries(c.digestsFrom).sort().join();
  const b = Object.entries(c.digestsTo).sort().join();
  return a === b;
}
