/**
 * The deployment repository, seen from `publish` and `diff`: the one module that spawns git for
 * them, through simple-git, always with an explicit working directory.
 *
 * A cached working copy under `<project>/.deploy/work/<hash>` (one per remote URL and branch)
 * talks to the remote as `origin`. The remote's URL is never written to disk or to a command
 * line: it reaches git through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n` environment variables, and
 * every message git prints passes through `redact` before it can leave this module.
 */
import { DEFAULT_IDENTITY } from './git-identity.js';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit, type SimpleGitOptions } from 'simple-git';
import { describeRemote, redact, stripCredentials, type RemoteDescription } from './redact.js';
import { UserError } from '../config/errors.js';


/** Where the default deployment repository lives, relative to the project directory. */
export const DEFAULT_REPO_DIR = path.join('.deploy', 'repo.git');

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

export interface DeployTarget {
  readonly remote: RemoteDescription;
  readonly branch: string;
  /** The remote is a directory on this machine (path or file:// URL). */
  readonly localPath?: string;
  /** The default repository inside the project, created on first use. */
  readonly isDefault: boolean;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const SCP_LIKE = /^[^/\\]+@[^/\\:]+:/; // git@host:org/repo.git

/** Interprets `--repo` (a path or a URL) relative to the project directory. */
export function resolveTarget(options: { repo?: string; branch: string; projectDir: string }): DeployTarget {
  const branch = checkBranchName(options.branch);
  if (options.repo === undefined) {
    const localPath = path.resolve(options.projectDir, DEFAULT_REPO_DIR);
    return { remote: describeRemote(localPath), branch, localPath, isDefault: true };
  }
  const repo = options.repo.trim();
  if (repo === '') throw new UserError('--repo is empty: give a path or a URL of the deployment repository.');
  if (repo.startsWith('-')) throw new UserError(`--repo ${repo}: a repository path or URL cannot start with "-".`);
  if (/^file:\/\//i.test(repo)) {
    return { remote: describeRemote(repo), branch, localPath: decodeURIComponent(repo.replace(/^file:\/\/(localhost)?/i, '')), isDefault: false };
  }
  if (URL_LIKE.test(repo) || SCP_LIKE.test(repo)) return { remote: describeRemote(repo), branch, isDefault: false };
  const localPath = path.resolve(options.projectDir, repo);
  return { remote: describeRemote(localPath), branch, localPath, isDefault: false };
}

/** A branch name git accepts and that cannot be mistaken for an option. */
export function checkBranchName(branch: string): string {
  const bad =
    branch === '' ||
    branch.startsWith('-') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.lock') ||
    branch.endsWith('.') ||
    branch.includes('..') ||
    branch.includes('//') ||
    branch.includes('@{') ||
    branch === '@' ||
    /[\s~^:?*[\\\x00-\x1f\x7f]/.test(branch) ||
    branch.split('/').some((part) => part.startsWith('.'));
  if (bad) throw new UserError(`--branch ${JSON.stringify(branch)} is not a valid git branch name.`);
  return branch;
}

/** Creates the default bare repository with branch main if it does not exist yet. */
export async function ensureDefaultRepo(target: DeployTarget): Promise<boolean> {
  const dir = target.localPath;
  if (!target.isDefault || !dir || existsSync(path.join(dir, 'HEAD'))) return false;
  // Init next to it and rename into place, so two first publishes cannot both half-create it.
  await fs.mkdir(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.init-${process.pid}-${Date.now()}`;
  await fs.mkdir(tmp);
  try {
    await gitAt(tmp).raw(['init', '--quiet', '--bare', `--initial-branch=${target.branch}`]);
    try {
      await fs.rename(tmp, dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      return false; // another process created it first
    }
    return true;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Checks that a local remote exists before git gets to say it in its own words. */
export function checkLocalRemote(target: DeployTarget): void {
  const dir = target.localPath;
  if (!dir || target.isDefault) return;
  if (!existsSync(dir)) {
    throw new UserError(`--repo ${target.remote.display}: no such directory; give an existing (bare) git repository.`);
  }
  if (!existsSync(path.join(dir, 'HEAD')) && !existsSync(path.join(dir, '.git'))) {
    throw new UserError(`--repo ${target.remote.display}: not a git repository; create one with \`git init --bare -b main ${target.remote.display}\`.`);
  }
}

/** The cache directory for one remote and branch (the URL without credentials is hashed). */
export function workDirFor(projectDir: string, target: DeployTarget): string {
  const key = createHash('sha256').update(`${target.remote.display}\0${target.branch}`).digest('hex').slice(0, 16);
  return path.join(projectDir, '.deploy', 'work', key);
}

export interface CommitResult {
  readonly sha: string;
}

export type PushOutcome = { readonly kind: 'pushed' } | { readonly kind: 'race'; readonly detail: string };

/** Git verbs on the cached working copy of one deployment repository. */
export class DeployRepo {
  private gitInstance: SimpleGit | undefined;

  constructor(
    readonly target: DeployTarget,
    readonly workDir: string,
  ) {}

  /** simple-git insists that its directory exists, so it is made after `prepare`. */
  private get git(): SimpleGit {
    this.gitInstance ??= makeGit(this.workDir, remoteEnv(this.target));
    return this.gitInstance;
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
    await this.run(['init', '--quiet', `--initial-branch=${this.target.branch}`], 'local');
  }

  /**
   * Fetches the target branch. Returns the remote branch's commit, or null when the remote does
   * not have that branch (yet): the push will create it.
   */
  async fetch(): Promise<string | null> {
    try {
      await this.git.raw(['fetch', '--quiet', '--prune', '--no-tags', '--no-write-fetch-head', 'origin']);
    } catch (err) {
      const text = messageOf(err);
      if (/couldn't find remote ref/i.test(text)) {
        await this.run(['update-ref', '-d', this.remoteRef], 'local');
        return null;
      }
      throw this.failure(err, isRemoteFailure(text) ? 'unreachable' : 'local', 'cannot fetch from');
    }
    return this.resolve(this.remoteRef);
  }

  /** Fetches every branch of the remote (for `diff --against <ref>`). */
  async fetchAll(): Promise<void> {
    try {
      await this.git.raw([
        'fetch', '--quiet', '--prune', '--no-tags', '--no-write-fetch-head', 'origin',
        '+refs/heads/*:refs/remotes/origin/*',
      ]);
    } catch (err) {
      throw this.failure(err, isRemoteFailure(messageOf(err)) ? 'unreachable' : 'local', 'cannot fetch from');
    }
  }

  /** The commit a ref names, or null. */
  async resolve(ref: string): Promise<string | null> {
    if (ref.startsWith('-')) return null;
    const out = await this.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], 'local').catch(
      () => '',
    );
    const sha = out.trim();
    return /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
  }

  /** path -> blob id of every file at a commit (empty for null). */
  async blobIds(commit: string | null): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!commit) return out;
    const listing = await this.run(['ls-tree', '-r', '-z', '--full-tree', commit], 'local');
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
    return this.run(['cat-file', 'blob', id], 'local');
  }

  /** path -> contents of every file at a commit, read in one `git cat-file --batch`. */
  async readTree(commit: string | null): Promise<Map<string, string>> {
    const ids = await this.blobIds(commit);
    const out = new Map<string, string>();
    if (ids.size === 0) return out;
    const order = [...ids];
    const chunks: Buffer[] = [];
    const batch = makeGit(this.workDir, remoteEnv(this.target), {
      input: () => order.map(([, id]) => id).join('\n') + '\n',
    }).outputHandler((_cmd, stdout) => {
      stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    });
    try {
      await batch.raw(['cat-file', '--batch']);
    } catch (err) {
      throw this.failure(err, 'local', 'cannot read');
    }
    const data = Buffer.concat(chunks);
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
    await this.run(['symbolic-ref', 'HEAD', branchRef], 'local');
    if (commit) {
      await this.run(['reset', '--quiet', '--hard', commit], 'local');
    } else {
      await this.run(['update-ref', '-d', branchRef], 'local');
      await this.run(['read-tree', '--empty'], 'local');
    }
    await this.run(['clean', '-q', '-ffdx'], 'local');
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
    await this.run(['add', '--all'], 'local');
    const staged = await this.run(['status', '--porcelain', '-z', '--untracked-files=no'], 'local');
    if (staged.trim() === '') return null;
    const msgFile = path.join(this.workDir, '.git', 'MW_GITOPS_MSG');
    await fs.writeFile(msgFile, message);
    await this.run(['commit', '--quiet', '--no-verify', '--cleanup=verbatim', `--file=${msgFile}`], 'local');
    const sha = await this.resolve('HEAD');
    if (!sha) throw new DeployRepoError('the commit was not created in the working copy.', 'local');
    return { sha };
  }

  /** Pushes HEAD to the target branch, never forced. A lost race is an outcome, not an error. */
  async push(): Promise<PushOutcome> {
    try {
      await this.git.raw(['push', '--porcelain', 'origin', `HEAD:refs/heads/${this.target.branch}`]);
      return { kind: 'pushed' };
    } catch (err) {
      const text = messageOf(err);
      if (isLostRace(text)) return { kind: 'race', detail: this.clean(firstLines(text, 2)) };
      if (isRemoteFailure(text) && !/\[remote rejected\]|\[rejected\]/.test(text)) {
        throw this.failure(err, 'unreachable', 'cannot push to');
      }
      throw new DeployRepoError(
        `${this.target.remote.display} refused the push to ${this.target.branch}: ${this.clean(refusalReason(text))}. ` +
          'Nothing was changed there; check your write access and the repository\'s hooks or branch protection.',
        'refused',
      );
    }
  }

  private inside(file: string): string {
    const full = path.resolve(this.workDir, file);
    if (!full.startsWith(this.workDir + path.sep) || file.split('/').includes('.git')) {
      throw new DeployRepoError(`refusing to write ${file}: outside the working copy.`, 'local');
    }
    return full;
  }

  private async run(args: string[], kind: 'local'): Promise<string> {
    try {
      return await this.git.raw(args);
    } catch (err) {
      throw this.failure(err, kind, `git ${args[0]} failed in the working copy of`);
    }
  }

  private clean(text: string): string {
    return redact(text, this.target.remote.secrets);
  }

  private failure(err: unknown, kind: DeployRepoError['kind'], what: string): DeployRepoError {
    const detail = this.clean(firstLines(messageOf(err), 3)).replace(/^(fatal|error): /i, '');
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

// --- the source repository (where dist/ was rendered) -------------------------------------

export interface SourceInfo {
  /** HEAD, with `-dirty` when tracked or untracked (not ignored) files outside dist/ changed. */
  readonly commit?: string;
  /** The origin remote's URL without credentials. */
  readonly repository?: string;
}

/** Describes the git repository containing `distDir`; empty when it is not in one. */
export async function sourceInfo(distDir: string): Promise<SourceInfo> {
  let dir = path.resolve(distDir);
  while (!existsSync(dir)) dir = path.dirname(dir);
  const git = makeGit(dir, baseEnv());
  let top: string;
  try {
    top = (await git.raw(['rev-parse', '--show-toplevel'])).trim();
  } catch {
    return {};
  }
  if (!top) return {};
  const head = (await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '')).trim();
  const rel = path.relative(top, path.resolve(distDir)).split(path.sep).join('/');
  const excludeDist = rel && !rel.startsWith('..') ? [`:(exclude,top)${rel}`] : [];
  const status = await git
    .raw(['status', '--porcelain', '-z', '--', `:(top)`, ...excludeDist])
    .catch(() => '');
  const origin = (await git.raw(['config', '--get', 'remote.origin.url']).catch(() => '')).trim();
  return {
    ...(head ? { commit: `${head}${status.length > 0 ? '-dirty' : ''}` } : {}),
    ...(origin ? { repository: stripCredentials(origin) } : {}),
  };
}

// --- helpers ---------------------------------------------------------------------------

/** Ambient variables git may use (identity, ssh, TLS); every other GIT_* is dropped. */
const PASS_THROUGH = new Set([
  'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_COMMITTER_DATE',
  'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_ASKPASS', 'SSH_ASKPASS',
  'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_SYSTEM', 'GIT_CONFIG_NOSYSTEM',
  'GIT_SSL_NO_VERIFY', 'GIT_SSL_CAINFO', 'GIT_SSL_CAPATH',
  'GIT_HTTP_LOW_SPEED_LIMIT', 'GIT_HTTP_LOW_SPEED_TIME',
]);
/** Variables simple-git guards besides GIT_*: they run programs. */
const GUARDED = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);

function isGuarded(key: string): boolean {
  const k = key.toUpperCase();
  return k.startsWith('GIT_') || GUARDED.has(k);
}

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (isGuarded(key) && !PASS_THROUGH.has(key.toUpperCase())) continue;
    env[key] = value;
  }
  // Never wait for a password on a terminal; English messages (we match a few of them).
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  return env;
}

/** The remote `origin`, defined only in the environment of each git process. */
function remoteEnv(target: DeployTarget): Record<string, string> {
  return {
    ...baseEnv(),
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'remote.origin.url',
    GIT_CONFIG_VALUE_0: target.remote.url,
    GIT_CONFIG_KEY_1: 'remote.origin.fetch',
    GIT_CONFIG_VALUE_1: `+refs/heads/${target.branch}:refs/remotes/origin/${target.branch}`,
  };
}

function gitAt(dir: string): SimpleGit {
  return makeGit(dir, baseEnv());
}

function makeGit(dir: string, env: Record<string, string>, extra: Partial<SimpleGitOptions> = {}): SimpleGit {
  return simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: 4,
    config: [
      `user.name=${DEFAULT_IDENTITY.name}`,
      `user.email=${DEFAULT_IDENTITY.email}`,
      'core.autocrlf=false',
      'core.quotePath=false',
      'advice.detachedHead=false',
    ],
    allowEnvironment: Object.keys(env).filter(isGuarded),
    unsafe: {
      allowUnsafeConfigEnvCount: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeSshCommand: true,
      allowUnsafeAskPass: true,
    },
    ...extra,
  }).env(env);
}

function messageOf(err: unknown): string {
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

const REMOTE_FAILURE =
  /could not read from remote repository|unable to access|could not resolve host|connection refused|couldn't connect|failed to connect|connection timed out|does not appear to be a git repository|repository .*not found|authentication failed|permission denied \(publickey|the remote end hung up|no such device or address|could not connect|\bssl\b|\btls\b|http\/\d|returned error: \d{3}|unable to look up/i;

export function isRemoteFailure(text: string): boolean {
  return REMOTE_FAILURE.test(text);
}

/** Someone else pushed first: fetch, re-apply and try again. */
export function isLostRace(text: string): boolean {
  if (/\[rejected\][^\n]*\((fetch first|non-fast-forward|stale info)\)/.test(text)) return true;
  if (/\[remote rejected\]/.test(text)) {
    return /is at [0-9a-f]+ but expected|incorrect old value|reference already exists|cannot lock ref[^\n]*(?:but expected|reference already exists)/i.test(text);
  }
  return false;
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
