/**
 * `mw-gitops publish`: mirror dist/ into the deployment repository in one commit and push it.
 *
 * Clone-or-update a cached working copy (.deploy/work/<hash>, under an exclusive lock), compare
 * the remote branch with dist/ by blob id, and only when something differs: reset onto the remote,
 * write/delete the changed files (only paths the tree owns), commit with a message built from the
 * old and new releases.json, push without force. A push that lost a race is retried from the
 * fetch; a broken working copy is thrown away and made again once.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { progressReporter } from '../progress.js';
import { publishMessage } from '../../changes/publish-message.js';
import { readPublishedIndex } from '../../changes/releases-index.js';
import { fileChanges, gitBlobId, hasFileChanges, releaseId, releaseOfPath, type FileChanges } from '../../changes/tree-changes.js';
import { UserError } from '../../config/errors.js';
import { isTreePath } from '../../render/tree.js';
import { loadDist } from '../dist.js';
import { acquireLock, LockTimeoutError } from '../../synth/lock.js';
import { checkLocalRemote, ensureDefaultRepo, resolveTarget, workDirFor } from '../../git/deploy-target.js';
import { describeRemote, redact, scrubError } from '../../git/redact.js';
import { backoff } from '../../git/run.js';
import { sourceInfo, type SourceInfo } from '../../git/source-info.js';
import { DeployRepo, DeployRepoError } from '../../git/working-copy.js';

export interface PublishOptions {
  /** Path or URL; default: `<projectDir>/.deploy/repo.git`, created on first use. */
  readonly repo?: string;
  readonly branch: string;
  /** Replaces the generated subject line. */
  readonly message?: string;
  /** The rendered tree, relative to projectDir. */
  readonly dist: string;
  /** Where `.deploy/` lives (the current directory for the CLI). */
  readonly projectDir: string;
  /** Push attempts before giving up when others keep pushing first. @default 5 */
  readonly maxAttempts?: number;
  /**
   * Let the publish delete releases' directories from the deployment repository (Argo CD then
   * deletes their Applications). @default false: such a publish is refused, naming them
   */
  readonly allowRemoval?: boolean;
  /** Notes for a human (retries); stderr in the CLI. */
  readonly log?: (line: string) => void;
}

export interface PublishResult {
  /** The deployment repository, credentials removed. */
  readonly repo: string;
  readonly branch: string;
  /** The new commit, or (nothing changed) the branch's current commit. */
  readonly commit: string | null;
  readonly changed: boolean;
  readonly files: FileChanges;
  readonly summary: string;
  /** The default repository was created by this run. */
  readonly created: boolean;
}

export function register(program: Command): void {
  program
    .command('publish')
    .description(
      'Mirror dist/ into the deployment repository: one commit when something changed, nothing otherwise, then push (never forced).',
    )
    .option(
      '--repo <path|url>',
      'deployment repository to publish to: a path or a git URL (default: .deploy/repo.git in the project, a bare repository created on first use)',
    )
    .option('--branch <name>', 'branch of the deployment repository; created by the push if the remote lacks it', 'main')
    .option('--message <subject>', 'commit subject to use instead of the generated one (the body still lists every change)')
    .option('--dist <dir>', 'the rendered tree to publish, as written by `mw-gitops synth`', 'dist')
    .option('--allow-removal', "let this publish delete releases' directories from the deployment repository (refused otherwise, naming them)")
    .option('--json', 'print one JSON object {repo, branch, commit, changed, files, summary} instead of text')
    .addHelpText(
      'after',
      `
The working copy is cached in .deploy/work/ and locked while in use; concurrent publishes wait for
each other, and a push that loses a race is retried on top of the new remote state (5 attempts).
Commits carry Source-Commit and Source-Repository trailers when dist/ is inside a git repository.
Identity: GIT_AUTHOR_*/GIT_COMMITTER_* if set, else "mw-gitops <mw-gitops@localhost>".
Only regular files under dist/ are read: a symlink, device or fifo there is an error naming it, and
dist/ must agree with its releases.json. A publish that would delete a release's directory (a
release dropped from deployments.yaml, a cluster directory gone) is refused unless --allow-removal.
Exit codes: 0 published or nothing to publish; 2 bad input (missing dist/, bad flag, no such --repo,
a symlink in dist/, dist/ disagreeing with releases.json, a removal without --allow-removal);
1 anything else (remote unreachable or refusing the push, retries exhausted).`,
    )
    .action(async (opts: { repo?: string; branch: string; message?: string; dist: string; json?: boolean; allowRemoval?: boolean }) => {
      const projectDir = process.cwd();
      progressReporter({ json: opts.json })(`publishing ${opts.dist}/ to the deployment repository (${opts.branch})`);
      const result = await runPublish({
        repo: opts.repo,
        branch: opts.branch,
        message: opts.message,
        dist: opts.dist,
        projectDir,
        allowRemoval: Boolean(opts.allowRemoval),
        log: (line) => process.stderr.write(`mw-gitops: ${line}\n`),
      });
      process.stdout.write(opts.json ? `${JSON.stringify(toJson(result))}\n` : formatResult(result, projectDir));
    });
}

export function toJson(result: PublishResult): Record<string, unknown> {
  return {
    repo: result.repo,
    branch: result.branch,
    commit: result.commit,
    changed: result.changed,
    files: result.files,
    summary: result.summary,
  };
}

export function formatResult(result: PublishResult, projectDir: string): string {
  const repo = shownRepo(result.repo, projectDir);
  const lines: string[] = [];
  if (result.created) lines.push(`created the deployment repository ${repo} (branch ${result.branch})`);
  if (!result.changed) {
    const at = result.commit ? ` (nothing changed since ${result.commit.slice(0, 12)})` : '';
    lines.push(`nothing to publish: ${repo} ${result.branch} already matches dist/${at}`);
  } else {
    const f = result.files;
    lines.push(
      `published ${result.commit?.slice(0, 12)} to ${repo} ${result.branch}`,
      `  ${result.summary}`,
      `  files: ${f.added.length} added, ${f.modified.length} modified, ${f.deleted.length} deleted`,
    );
  }
  return lines.join('\n') + '\n';
}

function shownRepo(repo: string, projectDir: string): string {
  if (!path.isAbsolute(repo)) return repo;
  const rel = path.relative(projectDir, repo);
  return rel && !rel.startsWith('..') ? rel : repo;
}

/** The whole publish, callable in-process (tests) as well as from the CLI. */
export async function runPublish(options: PublishOptions): Promise<PublishResult> {
  const log = options.log ?? (() => undefined);
  const maxAttempts = options.maxAttempts ?? 5;

  const secrets = options.repo === undefined ? [] : describeRemote(options.repo).secrets;
  try {
    const target = resolveTarget(options);
    const distDir = path.resolve(options.projectDir, options.dist);
    const { tree: dist, index } = await loadDist(distDir, options.dist.replace(/\/+$/, ''));
    checkLocalRemote(target);
    const created = await ensureDefaultRepo(target);
    // Only needed for a commit message; a no-op publish skips these git calls.
    let source: Promise<SourceInfo> | undefined;

    const wanted = new Map([...dist].map(([file, contents]) => [file, gitBlobId(contents)]));
    const distTops = new Set([...dist.keys()].map((file) => file.split('/')[0]));

    const workDir = workDirFor(options.projectDir, target);
    await fs.mkdir(path.dirname(workDir), { recursive: true });
    let lock;
    try {
      lock = await acquireLock(`${workDir}.lock`);
    } catch (err) {
      if (err instanceof LockTimeoutError) throw new DeployRepoError(`another publish is still running: ${err.message}`, 'local');
      throw err;
    }
    try {
      const repo = new DeployRepo(target, workDir);
      let fresh = false;
      let recreated = false;
      for (let attempt = 1; ; ) {
        let outcome;
        try {
          await repo.prepare(fresh);
          fresh = false;
          // One attempt: fetch, compare, and when needed commit and push.
          const head = await repo.fetch();
          const current = await repo.blobIds(head);
          const indexId = current.get('releases.json');
          const before = readPublishedIndex(indexId ? await repo.readBlob(indexId) : undefined);
          const clusters = [...new Set([...index.clusters, ...(before?.clusters ?? [])])];
          const owned = (file: string) => isTreePath(file, clusters) || distTops.has(file.split('/')[0]);
          const files = fileChanges(current, wanted, owned);
          if (!hasFileChanges(files)) {
            outcome = { kind: 'unchanged' as const, head };
          } else {
            if (!options.allowRemoval) refuseRemovals(files.deleted, dist, options.dist);
            await repo.checkout(head);
            const write = new Map([...files.added, ...files.modified].map((file) => [file, dist.get(file)!]));
            await repo.applyFiles(write, files.deleted);
            const msg = publishMessage({ before, after: index, files, subject: options.message, source: await (source ??= sourceInfo(distDir).catch(() => ({}))) });
            const commit = await repo.commit(redact(msg.message, secrets));
            if (!commit) {
              outcome = { kind: 'unchanged' as const, head };
            } else {
              const push = await repo.push();
              outcome =
                push.kind === 'pushed'
                  ? { kind: 'published' as const, commit: commit.sha, files, subject: msg.subject }
                  : { kind: 'race' as const, detail: push.detail };
            }
          }
        } catch (err) {
          // A broken or half-written working copy: throw it away and start over, once.
          if (err instanceof DeployRepoError && err.kind === 'local' && !recreated) {
            recreated = true;
            fresh = true;
            log(`the cached working copy looked broken (${err.message}); cloning it again`);
            continue;
          }
          throw err;
        }
        if (outcome.kind === 'unchanged') {
          return {
            repo: target.remote.display,
            branch: target.branch,
            commit: outcome.head,
            changed: false,
            files: { added: [], modified: [], deleted: [] },
            summary: 'nothing changed',
            created,
          };
        }
        if (outcome.kind === 'published') {
          return {
            repo: target.remote.display,
            branch: target.branch,
            commit: outcome.commit,
            changed: true,
            files: outcome.files,
            summary: outcome.subject,
            created,
          };
        }
        if (attempt >= maxAttempts) {
          throw new DeployRepoError(
            `could not publish to ${target.remote.display} ${target.branch}: the branch moved under every one of ${maxAttempts} attempts ` +
              `(last: ${outcome.detail}). Nothing was forced; run publish again.`,
            'exhausted',
          );
        }
        attempt++;
        log(`${target.remote.display} ${target.branch} moved while publishing; retrying on top of it (attempt ${attempt} of ${maxAttempts})`);
        await backoff(attempt - 1);
      }
    } finally {
      await lock.release();
    }
  } catch (err) {
    throw scrubError(err, (text) => redact(text, secrets));
  }
}

/**
 * A release whose manifest the publish would delete while dist/ has nothing left of it: with
 * prune on, Argo CD deletes its running objects. Refused (exit 2) unless --allow-removal.
 */
function refuseRemovals(deleted: readonly string[], dist: ReadonlyMap<string, string>, shown: string): void {
  const kept = new Set([...dist.keys()].map((file) => file.split('/').slice(0, 3).join('/')));
  const removed = deleted
    .map(releaseOfPath)
    .filter((key): key is NonNullable<typeof key> => key !== null)
    .map(releaseId)
    .filter((id) => !kept.has(id));
  if (removed.length === 0) return;
  const names = removed.length <= 10 ? removed.join(', ') : `${removed.slice(0, 10).join(', ')} and ${removed.length - 10} more`;
  throw new UserError(
    `this publish would remove ${removed.length} release${removed.length === 1 ? '' : 's'} from the deployment repository (${names}); ` +
      `Argo CD would delete what runs there. Nothing was published. If that is intended, run publish again with --allow-removal; ` +
      `otherwise restore them in ${shown}/ (\`mw-gitops synth\`).`,
  );
}
