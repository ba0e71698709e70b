/**
 * The cached working copy of one deployment repository (`.deploy/work/<hash>`), the git verbs
 * `publish` and `diff` need on it. It talks to the remote as `origin`, whose URL is never
 * written to disk or to a command line: it reaches git through GIT_CONFIG_COUNT/KEY/VALUE
 * variables, and every message git prints is redacted before it leaves this module.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../config/errors.js';
import type { DeployTarget } from './deploy-target.js';
import { redact } from './redact.js';
import { createGit, GitCommandError, isLostRace, isRemoteFailure, type Git } from './run.js';

/** A failure that is not a bug: printed as its message alone, exit 1 (UserError would be 2). */
export class DeployRepoError extends UserError {
  override readonly exitCode: number = 1;
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'refused' | 'race' | 'local' | 'exhausted',
  ) {
    super(message);
    this.name = 'DeployRepoError';
  }
}

export interface CommitResult {
  readonly sha: string;
}

export type PushOutcome = { readonly kind: 'pushed' } | { readonly kind: 'race'; readonly detail: string };

/** Git verbs on the cached working copy of one deployment repository. */
export class DeployRepo {
  private readonly git: Git;

  constructor(
    readonly target: DeployTarget,
    readonly workDir: string,
  ) {
    this.git = createGit({ cwd: workDir, extraEnv: remoteEnv(target), scrub: (text) => this.clean(text) });
  }

  get remoteRef(): string {
    return `refs/remotes/origin/${this.target.branch}`;
  }

  /** Makes sure the working copy exists; with `fresh`, throws the old one away first. */
  async prepare(fresh = false): Promise<void> {
    if (fresh) await fs.rm(this.workDir, { recursive: true, force: true });
    if (existsSync(path.join(this.workDir, '.git', 'HEAD'))) return;
    await fs.rm(this.workDir, { recursive: true, force: true });
    await fs.mkdir(this.workDir, { recursive: true });
    await this.run(['init', '--quiet', `--initial-branch=${this.target.branch}`]);
  }

  /**
   * Fetches the target branch. Returns the remote branch's commit, or null when the remote does
   * not have that branch (yet): the push will create it.
   */
  async fetch(): Promise<string | null> {
    const fetched = await this.git.tryRun(['fetch', '--quiet', '--prune', '--no-tags', '--no-write-fetch-head', 'origin']);
    if (!fetched.ok) {
      if (/couldn't find remote ref/i.test(fetched.stderr)) {
        await this.run(['update-ref', '-d', this.remoteRef]);
        return null;
      }
      throw this.failure(fetched.stderr, isRemoteFailure(fetched.stderr) ? 'unreachable' : 'local', 'cannot fetch from');
    }
    return this.resolve(this.remoteRef);
  }

  /** Fetches every branch of the remote (for `diff --against <ref>`). */
  async fetchAll(): Promise<void> {
    const fetched = await this.git.tryRun([
      'fetch', '--quiet', '--prune', '--no-tags', '--no-write-fetch-head', 'origin',
      '+refs/heads/*:refs/remotes/origin/*',
    ]);
    if (!fetched.ok) throw this.failure(fetched.stderr, isRemoteFailure(fetched.stderr) ? 'unreachable' : 'local', 'cannot fetch from');
  }

  /** The commit a ref names, or null. */
  async resolve(ref: string): Promise<string | null> {
    if (ref.startsWith('-')) return null;
    const out = await this.git.tryRun(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
    const sha = out.ok ? out.stdout.trim() : '';
    return /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
  }

  /** path -> blob id of every file at a commit (empty for null). */
  async blobIds(commit: string | null): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!commit) return out;
    const listing = await this.run(['ls-tree', '-r', '-z', '--full-tree', commit]);
    for (const entry of listing.split('\0')) {
      if (!entry) continue;
      const tab = entry.indexOf('\t');
      const [, type, id] = entry.slice(0, tab).split(' ');
      if (type === 'blob') out.set(entry.slice(tab + 1), id);
    }
    return out;
  }

  /** The contents of one blob, as UTF-8 text. */
  async readBlob(id: string): Promise<string> {
    return this.run(['cat-file', 'blob', id]);
  }

  /** path -> contents of every file at a commit, read in one `git cat-file --batch`. */
  async readTree(commit: string | null): Promise<Map<string, string>> {
    const ids = await this.blobIds(commit);
    const out = new Map<string, string>();
    if (ids.size === 0) return out;
    const order = [...ids];
    let data: Buffer;
    try {
      data = await this.git.runBytes(['cat-file', '--batch'], { input: order.map(([, id]) => id).join('\n') + '\n' });
    } catch (err) {
      throw this.failure(errorText(err), 'local', 'cannot read');
    }
    let pos = 0;
    for (const [file] of order) {
      const nl = data.indexOf(10, pos);
      const header = data.subarray(pos, nl).toString('utf8').split(' ');
      const size = Number(header[2]);
      if (header[1] !== 'blob' || !Number.isFinite(size)) {
        throw new DeployRepoError(`cannot read ${file} from the working copy of ${this.target.remote.display}.`, 'local');
      }
      out.set(file, data.subarray(nl + 1, nl + 1 + size).toString('utf8'));
      pos = nl + 1 + size + 1;
    }
    return out;
  }

  /**
   * Puts the working copy exactly at `commit` on the target branch (null: an empty, unborn
   * branch), dropping any leftover edits and untracked files of an earlier run.
   */
  async checkout(commit: string | null): Promise<void> {
    const branchRef = `refs/heads/${this.target.branch}`;
    await this.run(['symbolic-ref', 'HEAD', branchRef]);
    if (commit) {
      await this.run(['reset', '--quiet', '--hard', commit]);
    } else {
      await this.run(['update-ref', '-d', branchRef]);
      await this.run(['read-tree', '--empty']);
    }
    await this.run(['clean', '-q', '-ffdx']);
  }

  /** Writes and deletes files in the working tree (paths relative to its root). */
  async applyFiles(write: ReadonlyMap<string, string>, remove: readonly string[]): Promise<void> {
    for (const file of remove) {
      await fs.rm(this.inside(file), { force: true });
      await removeEmptyParents(this.workDir, path.dirname(this.inside(file)));
    }
    for (const [file, contents] of write) {
      const target = this.inside(file);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, contents);
    }
  }

  /** Stages everything and commits; null when nothing is staged. */
  async commit(message: string): Promise<CommitResult | null> {
    await this.run(['add', '--all']);
    const staged = await this.run(['status', '--porcelain', '-z', '--untracked-files=no']);
    if (staged.trim() === '') return null;
    const msgFile = path.join(this.workDir, '.git', 'MW_GITOPS_MSG');
    await fs.writeFile(msgFile, message);
    await this.run(['commit', '--quiet', '--no-verify', '--cleanup=verbatim', `--file=${msgFile}`]);
    const sha = await this.resolve('HEAD');
    if (!sha) throw new DeployRepoError('the commit was not created in the working copy.', 'local');
    return { sha };
  }

  /** Pushes HEAD to the target branch, never forced. A lost race is an outcome, not an error. */
  async push(): Promise<PushOutcome> {
    const pushed = await this.git.tryRun(['push', '--porcelain', 'origin', `HEAD:refs/heads/${this.target.branch}`]);
    if (pushed.ok) return { kind: 'pushed' };
    const text = `${pushed.stdout}\n${pushed.stderr}`;
    if (isLostRace(text)) return { kind: 'race', detail: this.clean(firstLines(text, 2)) };
    if (isRemoteFailure(text) && !/\[remote rejected\]|\[rejected\]/.test(text)) {
      throw this.failure(text, 'unreachable', 'cannot push to');
    }
    throw new DeployRepoError(
      `${this.target.remote.display} refused the push to ${this.target.branch}: ${this.clean(refusalReason(text))}. ` +
        'Nothing was changed there; check your write access and the repository\'s hooks or branch protection.',
      'refused',
    );
  }

  private inside(file: string): string {
    const full = path.resolve(this.workDir, file);
    if (!full.startsWith(this.workDir + path.sep) || file.split('/').includes('.git')) {
      throw new DeployRepoError(`refusing to write ${file}: outside the working copy.`, 'local');
    }
    return full;
  }

  private async run(args: string[]): Promise<string> {
    try {
      return await this.git.run(args);
    } catch (err) {
      throw this.failure(errorText(err), 'local', `git ${args[0]} failed in the working copy of`);
    }
  }

  private clean(text: string): string {
    return redact(text, this.target.remote.secrets);
  }

  private failure(text: string, kind: DeployRepoError['kind'], what: string): DeployRepoError {
    const detail = this.clean(firstLines(text, 3)).replace(/^(fatal|error): /i, '');
    if (kind === 'unreachable') {
      return new DeployRepoError(
        `the deployment repository ${this.target.remote.display} could not be reached or refused access (${detail}); ` +
          'nothing was published. Check the URL, the network and your credentials.',
        kind,
      );
    }
    return new DeployRepoError(`${what} ${this.target.remote.display}: ${detail}`, kind);
  }
}

/** The remote `origin`, defined only in the environment of each git process. */
function remoteEnv(target: DeployTarget): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'remote.origin.url',
    GIT_CONFIG_VALUE_0: target.remote.url,
    GIT_CONFIG_KEY_1: 'remote.origin.fetch',
    GIT_CONFIG_VALUE_1: `+refs/heads/${target.branch}:refs/remotes/origin/${target.branch}`,
  };
}

function errorText(err: unknown): string {
  if (err instanceof GitCommandError) return err.stderr || err.message;
  return err instanceof Error ? err.message : String(err);
}

function firstLines(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^hint:/i.test(l) && !/^To /.test(l) && l !== 'Done')
    .slice(0, n)
    .join(' ');
}

/** The remote's own words: `(pre-receive hook declined)` plus what its hook printed. */
function refusalReason(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  const rejected = lines.map((l) => /\[remote rejected\][^(]*\(([^)]*)\)/.exec(l)?.[1]).find(Boolean);
  const remoteSaid = lines
    .filter((l) => /^remote:\s*\S/.test(l))
    .map((l) => l.replace(/^remote:\s*/, ''))
    .slice(0, 3);
  const errors = lines.filter((l) => /^(error|fatal):/i.test(l) && !/failed to push some refs/i.test(l)).slice(0, 2);
  return [rejected, ...remoteSaid, ...errors].filter(Boolean).join('; ') || firstLines(text, 2);
}

async function removeEmptyParents(root: string, dir: string): Promise<void> {
  while (dir.startsWith(root + path.sep)) {
    try {
      await fs.rmdir(dir);
    } catch {
      return;
    }
    dir = path.dirname(dir);
  }
}
