/**
 * `mw-gitops plan`: what a deploy will do, before it happens. Every release a change touches (the
 * render of the sources compared with the committed dist/), or the ones named, in stage order,
 * with the canary steps, pods per step, analysis gates, manual releases and the least time to
 * full rollout. See docs/plan.md.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../config/errors.js';
import { DEFAULT_CONFIG_DIR } from '../../synth/config-files.js';
import { readTree } from '../../synth/tree-io.js';
import { renderSources } from '../render-sources.js';
import { withWindows } from '../windows.js';
import type { PlannedRelease, ReleaseFilter } from '../../changes/plan.js';

export interface PlanOptions extends ReleaseFilter {
  readonly all?: boolean;
  readonly configDir: string;
  /** The committed render the change is measured against. */
  readonly dist: string;
  readonly projectDir: string;
  /** When the deployment windows are checked; @default now */
  readonly at?: Date;
}

export function register(program: Command): void {
  program
    .command('plan')
    .description('Show the rollout each changed release will take, in stage order: canary steps with new and stable pods, pauses, analysis gates, manual releases and the least time to full rollout.')
    .option('--cluster <name>', 'only releases of this cluster')
    .option('--namespace <name>', 'only releases of this namespace')
    .option('--release <name>', 'only releases with this name')
    .option('--all', 'every release, changed or not')
    .option('--config-dir <dir>', 'directory holding deployments.yaml and images.yaml', DEFAULT_CONFIG_DIR)
    .option('--dist <dir>', 'the committed render a change is measured against', 'dist')
    .option('--at <time>', 'check the deployment windows at this ISO time instead of now')
    .option('--json', 'print the plan as JSON (shape: docs/plan.md)')
    .addHelpText(
      'after',
      `
Without --cluster/--namespace/--release/--all, plans the releases whose render differs from --dist.
Exit codes: 0 done; 2 bad input; 1 other failures.`,
    )
    .action(async (opts: { cluster?: string; namespace?: string; release?: string; all?: boolean; configDir: string; dist: string; at?: string; json?: boolean }) => {
      const at = opts.at === undefined ? undefined : new Date(opts.at);
      if (at && Number.isNaN(at.getTime())) throw new UserError(`--at ${opts.at}: not an ISO time (e.g. 2026-12-04T17:00:00Z).`);
      const plans = await runPlan({ ...opts, at, projectDir: process.cwd() });
      const { formatPlan, planJson } = await import('../../changes/plan.js');
      process.stdout.write(opts.json ? `${JSON.stringify(planJson(plans), null, 2)}\n` : formatPlan(plans));
    });
}

export async function runPlan(options: PlanOptions): Promise<PlannedRelease[]> {
  const { matches, planTree, touchedReleases } = await import('../../changes/plan.js');
  const { releaseId } = await import('../../changes/tree-changes.js');
  const after = await renderSources(path.resolve(options.projectDir, options.configDir));
  const filtered = options.cluster !== undefined || options.namespace !== undefined || options.release !== undefined;
  let only: (r: { cluster: string; namespace: string; release: string }) => boolean;
  if (options.all || filtered) {
    only = matches(options);
  } else {
    const distDir = path.resolve(options.projectDir, options.dist);
    const before = existsSync(distDir) ? await readTree(distDir) : new Map<string, string>();
    const touched = touchedReleases(before, after);
    only = (r) => touched.has(releaseId(r));
  }
  const plans = planTree(after, only);
  if (filtered && plans.length === 0) {
    const what = [options.cluster, options.namespace, options.release].map((v) => v ?? '*').join('/');
    throw new UserError(`no rendered release matches ${what} (--cluster/--namespace/--release).`);
  }
  return withWindows(plans, options.at ?? new Date());
}
