/**
 * The rollout plan of a rendered tree: which releases a change touches, in stage order
 * (testservers → canaries → production), each with the steps its Rollout will take
 * (render/rollout-plan.ts reads them from the rendered objects). Pure: trees in, data and text
 * out; `plan`, `bump` (request body) and `diff` share it. The JSON shape is docs/plan.md.
 */
import { compareStrings } from '../config/compare.js';
import type { ReleaseIndexEntry, ReleasesIndex, Stage } from '../render/releases-index.js';
import { formatSeconds, planRelease, planRows, type ReleasePlan } from '../render/rollout-plan.js';
import type { RenderedTree } from '../render/tree.js';
import { readReleasesIndex } from './releases-index.js';
import { releaseId } from './tree-changes.js';
import { parseManifestKinds } from './tree-diff.js';

const STAGE_ORDER: readonly Stage[] = ['testservers', 'canaries', 'production'];
/** The kinds planRelease reads. */
const PLAN_KINDS: ReadonlySet<string> = new Set(['Rollout', 'AnalysisTemplate']);

/** When a release could sync automatically (from the deployment windows), filled in by the caller's clock. */
export interface WindowInfo {
  /** Automatic sync is allowed now. */
  readonly open: boolean;
  /** ISO time the next window opens (null: open now, or none within two weeks). */
  readonly opensAt: string | null;
  readonly blockedBy: readonly string[];
}

export interface PlannedRelease extends ReleasePlan {
  readonly application: string;
  readonly images: { readonly app: string; readonly httpd: string };
  readonly window?: WindowInfo;
}

export interface ReleaseFilter {
  readonly cluster?: string;
  readonly namespace?: string;
  readonly release?: string;
}

/** Every managed release of `tree` (a render with releases.json), in stage order. */
export function planTree(tree: RenderedTree, only?: (entry: ReleaseIndexEntry) => boolean): PlannedRelease[] {
  const text = tree.get('releases.json');
  if (text === undefined) throw new Error('the rendered tree has no releases.json');
  const index = readReleasesIndex(text);
  const out: PlannedRelease[] = [];
  for (const entry of index.releases) {
    if (only && !only(entry)) continue;
    const manifest = tree.get(entry.path);
    if (manifest === undefined) throw new Error(`${entry.path} is listed in releases.json but missing`);
    out.push(plannedRelease(entry, parseManifestKinds(manifest, PLAN_KINDS)));
  }
  return sortByStage(out, index);
}

export function plannedRelease(entry: ReleaseIndexEntry, objects: readonly Record<string, unknown>[]): PlannedRelease {
  return { ...planRelease(entry, objects), application: entry.application, images: entry.images };
}

/** Stage order, then the index's cluster order, then namespace and release. */
export function sortByStage<T extends { stage: Stage; cluster: string; namespace: string; release: string }>(rows: T[], index?: Pick<ReleasesIndex, 'stages' | 'clusters'>): T[] {
  const stages = index?.stages.length ? index.stages : STAGE_ORDER;
  const rank = (list: readonly string[], v: string) => (list.includes(v) ? list.indexOf(v) : list.length);
  return rows.sort(
    (a, b) =>
      rank(stages, a.stage) - rank(stages, b.stage) ||
      rank(index?.clusters ?? [], a.cluster) - rank(index?.clusters ?? [], b.cluster) ||
      compareStrings(a.cluster, b.cluster) ||
      compareStrings(a.namespace, b.namespace) ||
      compareStrings(a.release, b.release),
  );
}

export function matches(filter: ReleaseFilter): (r: { cluster: string; namespace: string; release: string }) => boolean {
  return (r) =>
    (filter.cluster === undefined || r.cluster === filter.cluster) &&
    (filter.namespace === undefined || r.namespace === filter.namespace) &&
    (filter.release === undefined || r.release === filter.release);
}

/** Releases whose manifest differs between the two trees and still exist in `after`. */
export function touchedReleases(before: RenderedTree, after: RenderedTree): Set<string> {
  const touched = new Set<string>();
  const text = after.get('releases.json');
  if (text === undefined) return touched;
  for (const entry of readReleasesIndex(text).releases) {
    if (before.get(entry.path) !== after.get(entry.path)) touched.add(releaseId(entry));
  }
  return touched;
}

/** The plan as documented in docs/plan.md. */
export function planJson(plans: readonly PlannedRelease[]): { releases: readonly PlannedRelease[]; minimumSeconds: number; stages: readonly Stage[] } {
  const stages = STAGE_ORDER.filter((s) => plans.some((p) => p.stage === s));
  // Stages roll one after another; the releases within a stage in parallel.
  const minimumSeconds = stages.reduce((sum, s) => sum + Math.max(0, ...plans.filter((p) => p.stage === s && p.deploy).map((p) => p.minimumSeconds)), 0);
  return { stages, releases: plans, minimumSeconds };
}

/** The human form: one table per release (steps, pods, gates), then the total. */
export function formatPlan(plans: readonly PlannedRelease[]): string {
  if (plans.length === 0) return 'no release changes: nothing would roll out\n';
  const lines: string[] = [];
  let stage: Stage | undefined;
  for (const p of plans) {
    if (p.stage !== stage) {
      stage = p.stage;
      lines.push(`== ${stage} ==`, '');
    }
    lines.push(`${releaseId(p)} (${releaseHeadline(p)})`);
    if (p.window && !p.window.open) {
      lines.push(`  outside a deployment window (${p.window.blockedBy.join('; ')}): next opens ${p.window.opensAt ?? 'not within two weeks'}`);
    }
    lines.push(...table(['step', 'action', 'new pods', 'stable pods', 'time'], planRows(p)).map((l) => `  ${l}`), '');
  }
  const total = planJson(plans);
  lines.push(`${plans.length} release${plans.length === 1 ? '' : 's'} in ${total.stages.join(' → ')}; at least ${formatSeconds(total.minimumSeconds)} from the first sync to the last pod (stages in turn, releases of a stage in parallel)`);
  return lines.join('\n') + '\n';
}

export function releaseHeadline(p: PlannedRelease): string {
  const parts = [p.workload === 'DaemonSet' ? 'DaemonSet, rolling update' : `${p.replicas} replicas, maxSurge ${p.maxSurge}, maxUnavailable ${p.maxUnavailable}`];
  if (!p.deploy) parts.push('MANUAL: deploy: false, waits for a sync by hand');
  if (p.workload === 'Rollout') parts.push(`at least ${formatSeconds(p.minimumSeconds)}`);
  if (p.manualPauses > 0) parts.push(`${p.manualPauses} pause${p.manualPauses === 1 ? '' : 's'} until promoted`);
  return parts.join('; ');
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** A Mermaid flowchart of the stages and how many releases each rolls (GitHub and GitLab draw it). */
export function stagesMermaid(plans: readonly PlannedRelease[]): string[] {
  const stages = STAGE_ORDER.filter((s) => plans.some((p) => p.stage === s));
  if (stages.length === 0) return [];
  const lines = ['```mermaid', 'flowchart LR'];
  for (const s of stages) {
    const rows = plans.filter((p) => p.stage === s);
    const manual = rows.filter((p) => !p.deploy).length;
    const longest = Math.max(0, ...rows.filter((p) => p.deploy).map((p) => p.minimumSeconds));
    lines.push(`  ${s}["${s}: ${rows.length} release${rows.length === 1 ? '' : 's'}${manual ? `, ${manual} manual` : ''}<br/>≥ ${formatSeconds(longest)}"]`);
  }
  for (let i = 1; i < stages.length; i++) lines.push(`  ${stages[i - 1]} --> ${stages[i]}`);
  lines.push('```');
  return lines;
}
