/** Finding and running the programs that read rendered config (apache2, php-fpm8.2, rsyslogd). */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Debian installs daemons in sbin, which a user's PATH often lacks. */
const SBIN = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** The absolute path of `name` on PATH or in sbin, or undefined when it is not installed. */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean), ...SBIN];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface ProgramRun {
  readonly status: number | null;
  /** stdout and stderr together, in the order the program wrote them as far as pipes allow. */
  readonly output: string;
}

/** Runs a check command to completion (these checks take well under a second). */
export function runProgram(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): ProgramRun {
  const result = spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

export function skipped(program: string): { program: string; violations: []; skipped: string } {
  return { program, violations: [], skipped: `skipped: ${program} not installed` };
}
