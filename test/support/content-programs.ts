/**
 * `npm test` (scripts/test.sh) installs the Debian programs the content checks run
 * (scripts/content-programs.sh) beside jest rather than before it: on a fresh machine apt takes
 * most of a minute. Suites that run those programs import this module,
 * `import './support/content-programs.js'`: its top-level await holds the suite's own code until
 * the install has finished, before its tests are even collected (one of them decides what to skip
 * from what is installed), and fails the suite with apt's output when it did not succeed.
 * Run without test.sh, there is nothing to wait for.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

async function contentProgramsReady(): Promise<void> {
  const statusFile = process.env.MW_GITOPS_PROGRAMS_STATUS;
  if (!statusFile) return;
  for (;;) {
    let status: string;
    try {
      status = (await readFile(statusFile, 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await sleep(250);
      continue;
    }
    if (status === '0') return;
    const log = await readFile(process.env.MW_GITOPS_PROGRAMS_LOG ?? '', 'utf8').catch(() => '');
    throw new Error(`the Debian programs the content checks run are not installed (scripts/content-programs.sh exited ${status}): ${log.trim()}`);
  }
}

await contentProgramsReady();
