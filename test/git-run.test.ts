/**
 * The one git runner behind publish, diff and bump: its environment and hook policy, and how it
 * tells a lost push race from a refusal, against real repositories on disk.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGit, isLostRace } from '../git/run.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mw-gitops-git-run-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const plainGit = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });

test('git ignores variables that point it elsewhere and runs no local hooks', async () => {
  const work = join(dir, 'work');
  const elsewhere = join(dir, 'elsewhere');
  const hooks = join(dir, 'hooks');
  mkdirSync(work);
  mkdirSync(hooks);
  plainGit(dir, 'init', '--quiet', '--bare', elsewhere);
  const marker = join(dir, 'hook-ran');
  writeFileSync(join(hooks, 'pre-commit'), `#!/bin/sh\ntouch ${marker}\nexit 1\n`);
  chmodSync(join(hooks, 'pre-commit'), 0o755);
  const { GIT_AUTHOR_NAME: _name, GIT_AUTHOR_EMAIL: _email, GIT_COMMITTER_NAME: _cname, GIT_COMMITTER_EMAIL: _cemail, ...ambient } = process.env;
  const hostile = {
    ...ambient,
    GIT_DIR: elsewhere,
    GIT_WORK_TREE: dir,
    GIT_INDEX_FILE: join(dir, 'stray-index'),
    GIT_OBJECT_DIRECTORY: join(elsewhere, 'objects'),
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'core.hooksPath',
    GIT_CONFIG_VALUE_0: hooks,
  };
  const git = createGit({ cwd: work, env: hostile });
  await git.run(['init', '--quiet', '--initial-branch=main']);
  writeFileSync(join(work, 'a.txt'), 'a\n');
  await git.run(['add', 'a.txt']);
  await git.run(['commit', '--quiet', '-m', 'one']);
  expect(existsSync(marker)).toBe(false);
  expect(plainGit(work, 'log', '--format=%an %s').trim()).toBe('mw-gitops one');
  expect(readdirSync(join(elsewhere, 'refs', 'heads'))).toEqual([]);
  expect(existsSync(join(dir, 'stray-index'))).toBe(false);
});

test('a push behind the remote is a lost race; a hook saying no is not', async () => {
  const remote = join(dir, 'remote.git');
  plainGit(dir, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  for (const name of ['a', 'b']) {
    plainGit(dir, 'clone', '--quiet', remote, name);
    writeFileSync(join(dir, name, `${name}.txt`), `${name}\n`);
    plainGit(join(dir, name), 'add', '.');
    plainGit(join(dir, name), 'commit', '--quiet', '-m', name);
  }
  plainGit(join(dir, 'a'), 'push', '--quiet', 'origin', 'HEAD:main');
  const b = createGit({ cwd: join(dir, 'b') });
  const behind = await b.tryRun(['push', '--porcelain', 'origin', 'HEAD:main']);
  expect(behind.ok).toBe(false);
  if (!behind.ok) expect(isLostRace(`${behind.stdout}\n${behind.stderr}`)).toBe(true);

  writeFileSync(join(remote, 'hooks', 'pre-receive'), '#!/bin/sh\necho "frozen" >&2\nexit 1\n');
  chmodSync(join(remote, 'hooks', 'pre-receive'), 0o755);
  plainGit(join(dir, 'b'), 'pull', '--quiet', '--rebase', 'origin', 'main');
  const refused = await b.tryRun(['push', '--porcelain', 'origin', 'HEAD:main']);
  expect(refused.ok).toBe(false);
  if (!refused.ok) expect(isLostRace(`${refused.stdout}\n${refused.stderr}`)).toBe(false);
});
