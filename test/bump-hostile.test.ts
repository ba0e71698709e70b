/**
 * bump in a hostile environment: GIT_DIR / GIT_WORK_TREE / GIT_INDEX_FILE set (as CI runners and
 * git hooks set them), a symlinked images.yaml leading out of the repository, an --out that is
 * the config directory, and tokens in the remote's URL.
 */
import { createHash } from 'node:crypto';
import { readFileSync, symlinkSync, unlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBump, type BumpOptions } from '../cli/bump/run.js';
import { UserError } from '../config/errors.js';
import { bumpOptions, createSourceRepo, runCli, type SourceRepo } from './support/source-repo.js';

const BRANCH = 'mw-gitops/bump/publish-83';
const TAG = '2025-03-11-120000-publish-83';

let repo: SourceRepo;
beforeEach(async () => {
  repo = await createSourceRepo();
});
afterEach(() => repo.cleanup());

const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

const options = (overrides: Partial<BumpOptions> = {}): BumpOptions => bumpOptions(repo, TAG, overrides);

test('GIT_DIR, GIT_WORK_TREE and GIT_INDEX_FILE set: the user\'s branch, index and working tree stay byte-identical; the branch holds only the tag', async () => {
  // GIVEN an uncommitted edit, and a second index file the variables point at
  const images = join(repo.src, 'environments', 'images.yaml');
  writeFileSync(images, `${readFileSync(images, 'utf8')}# an uncommitted edit of the user\n`);
  const gitDir = join(repo.src, '.git');
  copyFileSync(join(gitDir, 'index'), join(gitDir, 'other-index'));
  // (git status refreshes the index's stat cache, so it runs before the index is hashed.)
  const state = () => [repo.git(['status', '--porcelain']), repo.git(['rev-parse', 'HEAD', 'main']), hash(images), hash(join(gitDir, 'index')), hash(join(gitDir, 'other-index'))].join('\n');
  const before = state();
  expect(state()).toBe(before);

  const run = await runCli(['bump', '--flavour', 'publish-83', '--tag', TAG], {
    cwd: repo.src,
    env: { ...repo.env, GIT_DIR: gitDir, GIT_WORK_TREE: repo.src, GIT_INDEX_FILE: join(gitDir, 'other-index') },
  });
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/error|fatal/i) });

  expect(state()).toBe(before);
  // The pushed branch: the base plus exactly the new tag (and its render), not the user's edit.
  const base = repo.show('main', 'environments/images.yaml');
  const pushed = repo.show(BRANCH, 'environments/images.yaml');
  expect(pushed).not.toContain('an uncommitted edit');
  expect(pushed).toBe(base.replace(/(  publish-83:\n(?:    #.*\n)?    tag: )\S+/, `$1${TAG}`));
  const changed = repo.git(['diff', '--name-only', 'main', BRANCH], repo.origin).trim().split('\n');
  expect(changed.filter((f) => !f.startsWith('dist/'))).toEqual(['environments/images.yaml']);
  expect(repo.git(['rev-parse', 'main'], repo.origin)).toBe(repo.git(['rev-parse', 'main']));
});

test('an images.yaml that is a symlink leading out of the repository: refused, the file outside untouched, nothing pushed', async () => {
  const outside = join(repo.dir, 'outside-images.yaml');
  const images = join(repo.src, 'environments', 'images.yaml');
  writeFileSync(outside, readFileSync(images));
  unlinkSync(images);
  symlinkSync(outside, images);
  repo.git(['add', '--all']);
  repo.git(['commit', '--quiet', '-m', 'images.yaml lives elsewhere']);
  repo.git(['push', '--quiet', 'origin', 'main']);
  const before = hash(outside);

  await expect(runBump(options())).rejects.toThrow(/environments\/images\.yaml is a symbolic link leading out of the repository/);
  expect(hash(outside)).toBe(before);
  expect(repo.git(['ls-remote', '--heads', 'origin', BRANCH]).trim()).toBe('');
});

test('--out environments (or .git) is refused before anything is fetched or pushed', async () => {
  for (const out of ['environments', '.git']) {
    const err = await runBump(options({ out })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(new RegExp(`--out ${out.replace('.', '\\.')}: `));
  }
  expect(repo.git(['ls-remote', '--heads', 'origin', BRANCH]).trim()).toBe('');
});

test('a token in the remote URL (userinfo or query) never reaches stdout or stderr', async () => {
  repo.git(['remote', 'set-url', 'origin', 'http://bot:s3cr3t-userinfo@127.0.0.1:9/src.git?private_token=glpat-s3cr3t-query']);
  const run = await runCli(['bump', '--flavour', 'publish-83', '--tag', TAG], { cwd: repo.src, env: repo.env });
  expect(run.code).toBe(1);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/cannot reach the remote origin: .*127\.0\.0\.1:9\/src\.git\?private_token=\*\*\*/);
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/s3cr3t/);
});
