/** A small git runner for bump: argument arrays (no shell), a fixed environment, scrubbed errors. */
import { execFile } from 'node:child_process';
import type { Scrub } from '../secrets.js';

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

export interface Git {
  /** Runs git with `args` in `cwd`; resolves stdout. */
  run(args: readonly string[], options?: { cwd?: string; allowFailure?: false }): Promise<string>;
  /** Like run, but resolves `{ok: false}` instead of throwing when git exits non-zero. */
  tryRun(args: readonly string[], options?: { cwd?: string }): Promise<{ ok: true; stdout: string } | { ok: false; stderr: string; code: number | null }>;
}

export interface GitOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly scrub: Scrub;
}

/**
 * Git with hooks off (a bot's commit and push must not run the user's hooks), no terminal
 * prompts (a missing credential fails instead of hanging) and C locale (stable messages).
 */
export function createGit(options: GitOptions): Git {
  const env: NodeJS.ProcessEnv = { ...options.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANG: 'C' };
  const base = ['-c', 'core.hooksPath=/dev/null', '-c', 'advice.detachedHead=false'];
  const exec = (args: readonly string[], cwd: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      execFile('git', [...base, ...args], { cwd, env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error && typeof (error as { code?: unknown }).code === 'string') {
          reject(new Error(`cannot run git: ${(error as Error).message}`));
          return;
        }
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  return {
    async run(args, opts = {}) {
      const result = await exec(args, opts.cwd ?? options.cwd);
      if (result.code !== 0) {
        const stderr = options.scrub(result.stderr.trim());
        throw new GitCommandError(`git ${options.scrub(args.join(' '))} failed: ${stderr || `exit code ${result.code}`}`, args, stderr, result.code);
      }
      return result.stdout;
    },
    async tryRun(args, opts = {}) {
      const result = await exec(args, opts.cwd ?? options.cwd);
      return result.code === 0 ? { ok: true, stdout: result.stdout } : { ok: false, stderr: options.scrub(result.stderr.trim()), code: result.code };
    },
  };
}
