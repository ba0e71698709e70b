/**
 * `mw-gitops diff`: what a publish would change, per cluster/namespace/release: objects added,
 * removed and changed, container images moved (old -> new), and per changed object a unified
 * diff of its YAML. Renders from the sources by default (like helm diff and argocd app diff), or
 * reads dist/ with --dist; compares with another rendered directory, a ref of the deployment
 * repository (default: its --branch), or, without a deployment repository, the committed dist/.
 */
import { existsSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../config/errors.js';
import { readPublishedIndex, readReleasesIndex } from '../../changes/releases-index.js';
import { DEFAULT_CONFIG_DIR } from '../../synth/config-files.js';
import { newerThanRender, renderSources } from '../render-sources.js';
import { isTreePath, type RenderedTree } from '../../render/tree.js';
import type { TreeDiff } from '../../changes/tree-diff.js';
import { loadDist } from '../dist.js';
import { readTree } from '../../synth/tree-io.js';
import { acquireLock } from '../../synth/lock.js';
import { checkLocalRemote, DEFAULT_REPO_DIR, resolveTarget, workDirFor } from '../../git/deploy-target.js';
import { describeRemote, redact, scrubError } from '../../git/redact.js';
import { DeployRepo, DeployRepoError } from '../../git/working-copy.js';

export interface DiffOptions {
  /** A directory holding a rendered tree, or a ref of the deployment repository. */
  readonly against?: string;
  /** render: render the sources in `configDir`; dist: read the tree in `dist`. @default 'dist' */
  readonly source?: 'render' | 'dist';
  /** @default environments */
  readonly configDir?: string;
  /** Compute the unified YAML diff of each changed object. @default false */
  readonly patches?: boolean;
  readonly repo?: string;
  readonly branch: string;
  readonly dist: string;
  readonly projectDir: string;
}

export interface DiffAgainst {
  readonly kind: 'dir' | 'ref';
  /** The directory, or `<repo> <ref>` (credentials removed). */
  readonly name: string;
  /** For a ref: the commit compared with (null: the branch does not exist yet). */
  readonly commit?: string | null;
}

export interface DiffResult {
  /** What was compared: `dist/` or `render of environments/`. */
  readonly shown: string;
  readonly against: DiffAgainst;
  readonly diff: TreeDiff;
  readonly changed: boolean;
  readonly summary: string;
}

interface DiffFlags {
  against?: string;
  repo?: string;
  branch: string;
  dist?: string | true;
  configDir: string;
  json?: boolean;
  stat?: boolean;
  exitCode?: boolean;
  color: boolean;
}

export function register(program: Command): void {
  program
    .command('diff')
    .description('Show what a publish would change, grouped by cluster/namespace/release: a unified YAML diff per changed object, image changes called out.')
    .option(
      '--against <dir|ref>',
      'compare with this directory (another rendered tree) or this ref of the deployment repository (default: the repository\'s --branch; without a deployment repository, the dist/ on disk)',
    )
    .option('--repo <path|url>', 'deployment repository whose refs --against names (default: .deploy/repo.git in the project)')
    .option('--branch <name>', 'branch of the deployment repository compared with when --against is not given', 'main')
    .option('--dist [dir]', 'compare the rendered tree on disk (default dist) instead of rendering the sources; warns when the sources are newer')
    .option('--config-dir <dir>', 'directory holding deployments.yaml and images.yaml, rendered when --dist is not given', DEFAULT_CONFIG_DIR)
    .option('--stat', 'only the per-object summary (+/-/~ and image moves), no field diffs')
    .option('--exit-code', 'exit 1 when something differs, 0 when nothing does (like git diff --exit-code)')
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR does the same)')
    .option('--json', 'print one JSON object {against, changed, releases, files, summary} instead of text')
    .addHelpText(
      'after',
      `
Objects are keyed Kind/name within each release's manifest.yaml; "changed" means any field differs.
Exit codes: 0 (differences or not, unless --exit-code: then 1 when something differs); 2 bad input
(missing dist/, unknown --against); 1 other failures.`,
    )
    .action(async (flags: DiffFlags) => {
      const projectDir = process.cwd();
      const fromDist = flags.dist !== undefined;
      const dist = typeof flags.dist === 'string' ? flags.dist : 'dist';
      if (fromDist) {
        const newer = newerThanRender(projectDir, dist, [flags.configDir, 'constructs']);
        if (newer.length > 0) process.stderr.write(`warning: ${newer.join(', ')} changed after ${dist}/ was rendered: run \`mw-gitops synth\`, or drop --dist to diff the sources\n`);
      }
      const result = await runDiff({
        against: flags.against,
        repo: flags.repo,
        branch: flags.branch,
        dist,
        configDir: flags.configDir,
        source: fromDist ? 'dist' : 'render',
        patches: !flags.stat || Boolean(flags.json),
        projectDir,
      });
      const color = useColor(flags, process.env, Boolean(process.stdout.isTTY));
      process.stdout.write(flags.json ? `${JSON.stringify(diffJson(result))}\n` : await formatDiff(result, color));
      if (flags.exitCode && result.changed) process.exitCode = 1;
    });
}

/** Colour only for a person at a terminal who has not said no (--no-color, NO_COLOR: https://no-color.org). */
export function useColor(flags: { json?: boolean; color: boolean }, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  return !flags.json && flags.color && !env.NO_COLOR && isTTY;
}

export function diffJson(result: DiffResult): Record<string, unknown> {
  return {
    against: result.against,
    changed: result.changed,
    releases: result.diff.releases,
    files: result.diff.files,
    summary: result.summary,
  };
}

export async function runDiff(options: DiffOptions): Promise<DiffResult> {
  // yaml (for the object-level diff) loads only when diff runs.
  const treeDiff = await import('../../changes/tree-diff.js');
  const secrets = options.repo === undefined ? [] : describeRemote(options.repo).secrets;
  try {
    const distName = options.dist.replace(/\/+$/, '');
    const distDir = path.resolve(options.projectDir, options.dist);
    const configDir = options.configDir ?? DEFAULT_CONFIG_DIR;
    let after: RenderedTree;
    let clusters: readonly string[];
    let shown: string;
    if (options.source === 'render') {
      after = await renderSources(path.resolve(options.projectDir, configDir));
      clusters = readReleasesIndex(after.get('releases.json')!).clusters;
      shown = `the render of ${configDir.replace(/\/+$/, '')}/`;
    } else {
      const loaded = await loadDist(distDir, distName);
      after = loaded.tree;
      clusters = loaded.index.clusters;
      shown = `${distName}/`;
    }
    let against: DiffAgainst;
    let before: RenderedTree;
    const asDir = options.against !== undefined ? path.resolve(options.projectDir, options.against) : undefined;
    const target = resolveTarget(options);
    if (asDir && existsSync(asDir) && statSync(asDir).isDirectory()) {
      against = { kind: 'dir', name: options.against! };
      before = await readTree(asDir);
    } else if (options.source === 'render' && options.against === undefined && target.isDefault && !existsSync(path.join(target.localPath!, 'HEAD'))) {
      // No deployment repository yet: the committed render is what the sources moved away from.
      if (!existsSync(distDir)) throw new UserError(`${distName}/ does not exist and there is no deployment repository to compare with: run \`mw-gitops synth\` first.`);
      against = { kind: 'dir', name: `${distName}/` };
      before = await readTree(distDir);
    } else {
      ({ against, tree: before } = await readFromDeployRepo(options, clusters));
    }
    const diff = treeDiff.diffTrees(before, after, { patches: options.patches });
    const changed = !treeDiff.isEmptyDiff(diff);
    return { shown, against, diff, changed, summary: treeDiff.summarizeTreeDiff(diff) };
  } catch (err) {
    throw scrubError(err, (text) => redact(text, secrets));
  }
}

async function readFromDeployRepo(
  options: DiffOptions,
  distClusters: readonly string[],
): Promise<{ against: DiffAgainst; tree: RenderedTree }> {
  const target = resolveTarget(options);
  const ref = options.against ?? target.branch;
  const name = `${target.remote.display} ${ref}`;
  if (target.isDefault && !existsSync(path.join(target.localPath!, 'HEAD'))) {
    if (options.against !== undefined) {
      throw new UserError(
        `--against ${options.against}: not a directory, and there is no deployment repository at ${DEFAULT_REPO_DIR} yet to look it up in (run \`mw-gitops publish\` first).`,
      );
    }
    // Nothing published yet: everything in dist/ is new.
    return { against: { kind: 'ref', name, commit: null }, tree: new Map() };
  }
  checkLocalRemote(target);
  if (ref.startsWith('-')) throw new UserError(`--against ${ref}: a ref cannot start with "-".`);
  const workDir = workDirFor(options.projectDir, target);
  await fs.mkdir(path.dirname(workDir), { recursive: true });
  const lock = await acquireLock(`${workDir}.lock`);
  try {
    const repo = new DeployRepo(target, workDir);
    await repo.prepare();
    const head = await repo.fetch().catch(async (err) => {
      if (err instanceof DeployRepoError && err.kind === 'local') {
        await repo.prepare(true);
        return repo.fetch();
      }
      throw err;
    });
    let commit: string | null;
    if (options.against === undefined) {
      commit = head;
    } else {
      await repo.fetchAll();
      commit = (await repo.resolve(`refs/remotes/origin/${ref}`)) ?? (await repo.resolve(ref));
      if (!commit) {
        throw new UserError(
          `--against ${options.against}: neither a directory nor a branch, tag or commit of ${target.remote.display}.`,
        );
      }
    }
    const full = await repo.readTree(commit);
    // Only what the tree owns: files publish would never touch are not differences.
    const before = readPublishedIndex(full.get('releases.json'));
    const clusters = [...new Set([...distClusters, ...(before?.clusters ?? [])])];
    const owned = new Map([...full].filter(([file]) => isTreePath(file, clusters)));
    return { against: { kind: 'ref', name, commit }, tree: owned };
  } finally {
    await lock.release();
  }
}

/** Text for a person: a header naming both sides, then the pure module's listing. */
export async function formatDiff(result: DiffResult, color = false): Promise<string> {
  const { ansi, formatTreeDiff, plain } = await import('../../changes/tree-diff.js');
  const { against } = result;
  const where =
    against.kind === 'dir'
      ? against.name
      : `${against.name}${against.commit ? ` (${against.commit.slice(0, 12)})` : ' (does not exist yet)'}`;
  if (!result.changed) return `no changes: ${result.shown} matches ${where}\n`;
  return `${result.shown} compared with ${where}:\n${formatTreeDiff(result.diff, color ? ansi : plain)}`;
}
