/** Running the real `mw-gitops` CLI as a child process, and git for assertions. */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
export { BIN } from './cli.js';
import { BIN, gitTree } from './cli.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment children get: no ambient GIT_* (so the machine's settings cannot leak in). */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  return { ...env, ...extra };
}

/** The command (`command`, default this checkout's bin/mw-gitops.js) as a child process, stdout as bytes. */
export function runCliBytes(args: readonly string[], cwd: string, env: Record<string, string>, command = BIN): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [command, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** The command as a child process, without blocking this one. */
export async function runCli(args: string[], cwd: string, env: Record<string, string> = cleanEnv()): Promise<CliResult> {
  const run = await runCliBytes(args, cwd, env);
  return { ...run, stdout: run.stdout.toString('utf8') };
}

/** git with a fixed identity, for setting up and inspecting repositories in tests. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileP('git', args, {
    cwd,
    encoding: 'utf8',
    env: cleanEnv({
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.org',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.org',
      GIT_CONFIG_NOSYSTEM: '1',
    }),
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

export async function initBare(dir: string, branch = 'main'): Promise<void> {
  await execFileP('git', ['init', '--quiet', '--bare', `--initial-branch=${branch}`, dir]);
}

/** path -> contents of every file at a commit of a (bare) repository. */
export async function treeAt(repo: string, ref: string): Promise<Map<string, string>> {
  return gitTree(repo, ref);
}

export async function commitCount(repo: string, ref = 'main'): Promise<number> {
  try {
    return Number((await git(repo, 'rev-list', '--count', ref)).trim());
  } catch {
    return 0;
  }
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix = 'mw-gitops-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `publish` in this process (fast: no Node.js start-up), reporting like the CLI would: `stdout` is what it prints. */
export async function publishInProcess(
  options: { project: string; repo?: string; branch?: string; message?: string; dist?: string; allowRemoval?: boolean },
): Promise<{ code: number; result?: import('../../cli/commands/publish.js').PublishResult; stdout: string; json?: Record<string, unknown>; message: string; log: string[] }> {
  const { formatResult, runPublish, toJson } = await import('../../cli/commands/publish.js');
  const { UserError } = await import('../../config/errors.js');
  const log: string[] = [];
  try {
    const result = await runPublish({
      projectDir: options.project,
      repo: options.repo,
      branch: options.branch ?? 'main',
      message: options.message,
      dist: options.dist ?? 'dist',
      allowRemoval: options.allowRemoval,
      log: (line) => log.push(line),
    });
    return { code: 0, result, stdout: formatResult(result, options.project), json: JSON.parse(JSON.stringify(toJson(result))), message: '', log };
  } catch (err) {
    if (err instanceof UserError) return { code: err.exitCode, stdout: '', message: err.message, log };
    return { code: 1, stdout: '', message: `internal error: ${(err as Error).stack ?? String(err)}`, log };
  }
}
