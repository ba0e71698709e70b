/**
 * Timing whole processes: wall clock from spawn to exit, and, where GNU time is installed
 * (/usr/bin/time), the CPU time and peak RSS of the process tree (wait4 rusage).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProcessRun {
  readonly code: number | null;
  readonly wallMs: number;
  /** CPU time (user + system) of the process and its waited-for children; undefined without GNU time. */
  readonly cpuMs?: number;
  /** Peak resident set of the largest process of the tree, in KiB; undefined without GNU time. */
  readonly maxRssKb?: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

let gnuTime: boolean | undefined;

/** Whether /usr/bin/time is GNU time (it understands -f and -o). */
export function hasGnuTime(): boolean {
  if (gnuTime === undefined) {
    gnuTime = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;
  }
  return gnuTime;
}

export async function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<ProcessRun> {
  const scratch = hasGnuTime() ? await mkdtemp(join(tmpdir(), 'mw-bench-time-')) : undefined;
  const timeFile = scratch ? join(scratch, 'time') : undefined;
  const [cmd, argv] = timeFile ? ['/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, command, ...args]] : [command, [...args]];
  try {
    const start = performance.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(cmd, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    });
    const wallMs = performance.now() - start;
    if (!timeFile) return { code, wallMs, stdout, stderr };
    // GNU time writes "Command exited with non-zero status N" first when the command failed.
    const lines = (await readFile(timeFile, 'utf8')).trim().split('\n');
    const [user, sys, rss] = lines[lines.length - 1].split(' ').map(Number);
    return { code, wallMs, cpuMs: (user + sys) * 1000, maxRssKb: rss, stdout, stderr };
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

/** Runs a command and throws with its stderr when it fails: for setting up, not for timing. */
export async function mustRun(command: string, args: readonly string[], options: RunOptions): Promise<ProcessRun> {
  const run = await runProcess(command, args, options);
  if (run.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${run.code}: ${run.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  return run;
}
