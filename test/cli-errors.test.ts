/**
 * How the command reports failures (a process matter, so the real CLI): exit-1 failures in one
 * line, the stack only with --debug or MW_GITOPS_DEBUG=1, and token values scrubbed from every
 * message by the final handler.
 */
import { join } from 'node:path';
import { runCli, tempDir } from './support/cli.js';
import { cleanEnv, runCli as runCliAsync } from './support/git.js';

let work: ReturnType<typeof tempDir>;
beforeAll(() => (work = tempDir()));
afterAll(() => work.cleanup());

const STACK = /\n\s+at /;

test('an unexpected failure (exit 1) prints one line; --debug (before or after the command) and MW_GITOPS_DEBUG=1 print the stack', async () => {
  // Four independent runs of the command: they overlap.
  const [plain, ...debugged] = await Promise.all([
    runCliAsync(['validate', '--dist', '/etc/hostname'], work.path, cleanEnv({ MW_GITOPS_DEBUG: '' })),
    runCliAsync(['--debug', 'validate', '--dist', '/etc/hostname'], work.path, cleanEnv({ MW_GITOPS_DEBUG: '' })),
    runCliAsync(['validate', '--dist', '/etc/hostname', '--debug'], work.path, cleanEnv({ MW_GITOPS_DEBUG: '' })),
    runCliAsync(['validate', '--dist', '/etc/hostname'], work.path, cleanEnv({ MW_GITOPS_DEBUG: '1' })),
  ]);
  expect(plain.code).toBe(1);
  expect(plain.stderr).toMatch(/^mw-gitops: ENOTDIR: .*\(--debug or MW_GITOPS_DEBUG=1 shows the stack\)\n$/);
  expect(plain.stderr).not.toMatch(STACK);
  for (const run of debugged) {
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(STACK);
  }
});

test('a token variable\'s value is scrubbed from any message, whatever path it took (here: a config error)', () => {
  const token = 'glpat-s3cr3tT0ken';
  const run = runCli(['synth', '--config-dir', join(work.path, token), '--out', join(work.path, 'dist')], {
    cwd: work.path,
    env: { GITLAB_TOKEN: token },
  });
  expect(run.status).toBe(2);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toContain('***');
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/s3cr3t/);
});
