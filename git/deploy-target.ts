/**
 * Which deployment repository `publish` and `diff` talk to: `--repo` (a path or a URL) and
 * `--branch` checked and resolved, the default bare repository inside the project created on
 * first use, and the cached working copy's place under `.deploy/work/`.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../config/errors.js';
import { describeRemote, type RemoteDescription } from './redact.js';
import { createGit } from './run.js';

/** Where the default deployment repository lives, relative to the project directory. */
export const DEFAULT_REPO_DIR = path.join('.deploy', 'repo.git');

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
    await createGit({ cwd: tmp }).run(['init', '--quiet', '--bare', `--initial-branch=${target.branch}`]);
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
