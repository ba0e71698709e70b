/**
 * The one way mw-gitops runs git, for publish, diff and bump: argument arrays (no shell), an
 * explicit working directory, and one policy for the environment of every git process.
 *
 * - Hooks never run (`core.hooksPath=/dev/null`): the deployment repository and bump's branch
 *   are machine-made, and a user's pre-commit or pre-push hook has no say over them. (A
 *   remote's own hooks, such as pre-receive, still run there.)
 * - Variables that redirect git to another repository, index or config (GIT_DIR,
 *   GIT_WORK_TREE, GIT_INDEX_FILE, GIT_OBJECT_DIRECTORY, GIT_CONFIG_*, …) are dropped, so
 *   running inside a git hook or with a stray export cannot send writes elsewhere. Identity,
 *   ssh and TLS settings pass through.
 * - No terminal prompts (a missing credential fails instead of hanging); C locale (the few
 *   messages matched below are English).
 * - Every message git prints passes through the caller's scrubber before it leaves.
 */
import { spawn } from 'node:child_process';
import { withIdentity } from './identity.js';

/** Ambient variables git may use (identity, ssh, TLS); every other GIT_* is dropped. */
const PASS_THROUGH = new Set([
  'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_COMMITTER_DATE',
  'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_ASKPASS',
  'GIT_SSL_NO_VERIFY', 'GIT_SSL_CAINFO', 'GIT_SSL_CAPATH',
  'GIT_HTTP_LOW_SPEED_LIMIT', 'GIT_HTTP_LOW_SPEED_TIME',
]);

/** Settings for every command: no hooks, stable output. */
const BASE_ARGS = [
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'core.autocrlf=false',
  '-c', 'core.quotePath=false',
  '-c', 'advice.detachedHead=false',
];

/** The environment of every git process: `env` minus what could redirect git, plus the commit identity. */
export function gitEnvironment(env: NodeJS.ProcessEnv, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (key.toUpperCase().startsWith('GIT_') && !PASS_THROUGH.has(key.toUpperCase())) continue;
    out[key] = value;
  }
  return { ...withIdentity(out), GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANG: 'C', ...extra };
}

export class GitCommandError extends Error {
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = 'GitCommandError';
  }
}

export interface RunOptions {
  /** @default the Git's working directory */
  readonly cwd?: string;
  /** Written to git's standard input. */
  readonly input?: string;
}

/** On failure, `stdout` too: `push --porcelain` reports rejected refs there. Both are scrubbed. */
export type TryResult =
  | { readonly ok: true; readonly stdout: string }
  | { readonly ok: false; readonly stderr: string; readonly stdout: string; readonly code: number | null };

export interface Git {
  /** Runs git; resolves stdout, throws GitCommandError (scrubbed) when git exits non-zero. */
  run(args: readonly string[], options?: RunOptions): Promise<string>;
  /** Like run, but stdout as bytes (for `cat-file --batch`, whose sizes are in bytes). */
  runBytes(args: readonly string[], options?: RunOptions): Promise<Buffer>;
  /** Like run, but resolves `{ok: false}` instead of throwing when git exits non-zero. */
  tryRun(args: readonly string[], options?: RunOptions): Promise<TryResult>;
}

export interface GitOptions {
  readonly cwd: string;
  /** The ambient environment, filtered by gitEnvironment. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Variables set on top, after filtering (e.g. a remote given through GIT_CONFIG_COUNT). */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** Removes secrets from what git prints. @default identity */
  readonly scrub?: (text: string) => string;
}

export function createGit(options: GitOptions): Git {
  const env = gitEnvironment(options.env ?? process.env, options.extraEnv);
  const scrub = options.scrub ?? ((text: string) => text);
  const exec = (args: readonly string[], opts: RunOptions) =>
    new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve, reject) => {
      const child = spawn('git', [...BASE_ARGS, ...args], { cwd: opts.cwd ?? options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', (error) => reject(new Error(`cannot run git: ${error.message}`)));
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
      child.stdin.on('error', () => undefined); // git may exit before reading all of it
      child.stdin.end(opts.input ?? '');
    });
  const checked = async (args: readonly string[], opts: RunOptions = {}) => {
    const result = await exec(args, opts);
    if (result.code !== 0) {
      const stderr = scrub(result.stderr.trim());
      throw new GitCommandError(`git ${scrub(args.join(' '))} failed: ${stderr || `exit code ${result.code}`}`, args, stderr, result.code);
    }
    return result.stdout;
  };
  return {
    run: async (args, opts) => (await checked(args, opts)).toString('utf8'),
    runBytes: checked,
    async tryRun(args, opts = {}) {
      const result = await exec(args, opts);
      const stdout = result.stdout.toString('utf8');
      return result.code === 0 ? { ok: true, stdout } : { ok: false, stderr: scrub(result.stderr.trim()), stdout: scrub(stdout), code: result.code };
    },
  };
}

/** git's words for "could not reach or authenticate with the remote". */
const REMOTE_FAILURE =
  /could not read from remote repository|unable to access|could not resolve host|connection refused|couldn't connect|failed to connect|connection timed out|does not appear to be a git repository|repository .*not found|authentication failed|permission denied \(publickey|the remote end hung up|no such device or address|could not connect|\bssl\b|\btls\b|http\/\d|returned error: \d{3}|unable to look up/i;

export function isRemoteFailure(text: string): boolean {
  return REMOTE_FAILURE.test(text);
}

/**
 * Someone else pushed first (a plain push that is no longer a fast-forward, or a lease that no
 * longer holds): fetch, redo the work and try again. A hook or branch protection saying no is
 * not a race.
 */
export function isLostRace(pushOutput: string): boolean {
  if (/\[rejected\][^\n]*\((fetch first|non-fast-forward|stale info)\)/.test(pushOutput)) return true;
  if (/\[remote rejected\]/.test(pushOutput)) {
    return /is at [0-9a-f]+ but expected|incorrect old value|reference already exists|cannot lock ref|failed to update ref/i.test(pushOutput);
  }
  return false;
}

/** Waits before attempt `attempt + 1`: full jitter, doubling, so writers that collided once rarely collide again. */
export async function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(100 * 2 ** (attempt - 1), 5000);
  await new Promise((resolve) => setTimeout(resolve, ms));
}
