/**
 * `mw-gitops diff`: what a publish would change, per cluster/namespace/release: objects added,
 * removed and changed, and container images moved (old -> new). Compares dist/ with another
 * rendered directory, or with a ref of the deployment repository (default: its --branch).
 */
import { existsSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../config/errors.js';
import { readPublishedIndex } from '../../changes/releases-index.js';
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
  readonly against: DiffAgainst;
  readonly diff: TreeDiff;
  readonly changed: boolean;
  readonly summary: string;
}

export function register(program: Command): void {
  program
    .command('diff')
    .description('Show what a publish would change, grouped by cluster/namespace/release, with image changes called out.')
    .option(
      '--against <dir|ref>',
      'compare with this directory (another rendered tree) or this ref of the deployment repository (default: the repository\'s --branch)',
    )
    .option('--repo <path|url>', 'deployment repository whose refs --against names (default: .deploy/repo.git in the project)')
    .option('--branch <name>', 'branch of the deployment repository compared with when --against is not given', 'main')
    .option('--dist <dir>', 'the rendered tree, as written by `mw-gitops synth`', 'dist')
    .option('--json', 'print one JSON object {against, changed, releases, files, summary} instead of text')
    .addHelpText(
      'after',
      `
Objects are keyed Kind/name within each release's manifest.yaml; "changed" means any field differs.
Exit codes: 0 (with or without differences); 2 bad input (missing dist/, unknown --against); 1 other failures.`,
    )
    .action(async (opts: { against?: string; repo?: string; branch: string; dist: string; json?: boolean }) => {
      const result = await runDiff({ ...opts, projectDir: process.cwd() });
      process.stdout.write(opts.json ? `${JSON.stringify(diffJson(result))}\n` : await formatDiff(result, opts.dist));
    });
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
    const { tree: dist, index } = await loadDist(path.resolve(options.projectDir, options.dist), options.dist.replace(/\/+$/, ''));
    let against: DiffAgainst;
    let before: RenderedTree;
    const asDir = options.against !== undefined ? path.resolve(options.projectDir, options.against) : undefined;
    if (asDir && existsSync(asDir) && statSync(asDir).isDirectory()) {
      against = { kind: 'dir', name: options.against! };
      before = await readTree(asDir);
    } else {
      ({ against, tree: before } = await readFromDeployRepo(options, index.clusters));
    }
    const diff = treeDiff.diffTrees(before, dist);
    const changed = !treeDiff.isEmptyDiff(diff);
    return { against, diff, changed, summary: treeDiff.summarizeTreeDiff(diff) };
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
export async function formatDiff(result: DiffResult, distName: string): Promise<string> {
  const { formatTreeDiff } = await import('../../changes/tree-diff.js');
  const { against } = result;
  const where =
    against.kind === 'dir'
      ? against.name
      : `${against.name}${against.commit ? ` (${against.commit.slice(0, 12)})` : ' (does not exist yet)'}`;
  const dist = `${distName.replace(/\/+$/, '')}/`;
  if (!result.changed) return `no changes: ${dist} matches ${where}\n`;
  return `${dist} compared with ${where}:\n${formatTreeDiff(result.diff)}`;
}
