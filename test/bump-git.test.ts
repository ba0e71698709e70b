/**
 * bump against real git: a bare origin on disk, a clone holding a copy of the real project
 * inputs, the real renderer and the real CLI.
 */
import { parse } from 'yaml';
import { runBump, type BumpOptions } from '../cli/bump/run.js';
import { UserError } from '../config/errors.js';
import type { ReleasesIndex } from '../render/releases-index.js';
import { branchIsConsistent, bumpOptions, createSourceRepo, runCli, TAG_COMMENT, T1, T2, type SourceRepo } from './support/source-repo.js';

const BRANCH = 'mw-gitops/bump/publish-83';

let repo: SourceRepo;
beforeEach(async () => {
  repo = await createSourceRepo();
});
afterEach(async () => {
  await repo.cleanup();
});

/** What the user's checkout looks like: must not change. */
function checkoutState(r: SourceRepo, cwd = r.src): string {
  return [r.git(['status', '--porcelain', '--untracked-files=all'], cwd), r.git(['rev-parse', 'HEAD'], cwd), r.git(['branch', '--list'], cwd), r.git(['worktree', 'list', '--porcelain'], cwd)].join('\n');
}

const options = (overrides: Partial<BumpOptions> = {}): BumpOptions => bumpOptions(repo, T1, overrides);

test('bump F to T pushes a branch with T (comment kept) and dist/ re-rendered; again is a no-op; a newer tag or a moved base regenerates it from the base: still one commit', async () => {
  const before = checkoutState(repo);
  const first = await runCli(['bump', '--flavour', 'publish-83', '--tag', T1, '--json'], { cwd: repo.src, env: repo.env });
  expect(first.stderr).not.toMatch(/error/i);
  expect(first.code).toBe(0);
  const out = JSON.parse(first.stdout) as Record<string, unknown>;
  expect(out).toEqual({ branch: BRANCH, commit: expect.stringMatching(/^[0-9a-f]{40}$/), request: null, action: 'created' });
  expect(first.stdout.trim().split('\n')).toHaveLength(1);

  // The branch in origin: base + one commit, by the configured identity.
  expect(repo.git(['rev-parse', BRANCH], repo.origin).trim()).toBe(out.commit);
  expect(repo.git(['rev-parse', `${BRANCH}^`], repo.origin).trim()).toBe(repo.git(['rev-parse', 'main'], repo.origin).trim());
  expect(repo.git(['log', '-1', '--format=%an <%ae>|%s', BRANCH], repo.origin).trim()).toBe(`Test Bot <test-bot@example.org>|Bump publish-83 to ${T1}`);

  // images.yaml: the new tag, the comment right above it, every other line as it was.
  const images = repo.show(BRANCH, 'environments/images.yaml');
  const oldImages = repo.show('main', 'environments/images.yaml');
  expect(images).toContain(`${TAG_COMMENT}\n    tag: ${T1}\n`);
  expect(images.split('\n').filter((l, i) => l !== oldImages.split('\n')[i])).toEqual([`    tag: ${T1}`]);

  // dist/ re-rendered: the index and manifests carry the new image; it is the render of the config.
  const index = JSON.parse(repo.show(BRANCH, 'dist/releases.json')) as ReleasesIndex;
  const web = index.releases.find((r) => r.namespace === 'mw-web' && r.release === 'main' && r.cluster === 'eqiad');
  expect(web?.images.app).toMatch(new RegExp(`:${T1}$`));
  expect(repo.show(BRANCH, 'dist/eqiad/mw-web/main/manifest.yaml')).toContain(`:${T1}`);
  expect(await branchIsConsistent(repo, BRANCH)).toBe(true);

  // The user's checkout is untouched.
  expect(checkoutState(repo)).toBe(before);

  const log: string[] = [];
  const again = await runBump(options({ log: (line) => log.push(line) }));
  expect(again).toMatchObject({ branch: BRANCH, commit: out.commit, request: null, action: 'unchanged' });
  expect(log.join('\n')).toMatch(/no new commit/);
  expect(repo.git(['rev-list', '--count', BRANCH], repo.origin).trim()).toBe('2');
  expect(checkoutState(repo)).toBe(before);

  // A newer tag regenerates the same branch from the base: still one commit.
  const second = await runBump(options({ target: { kind: 'flavour', flavour: 'publish-83', tag: T2 } }));
  expect(second.action).toBe('updated');
  expect(repo.git(['rev-list', '--count', `main..${BRANCH}`], repo.origin).trim()).toBe('1');
  expect(parse(repo.show(BRANCH, 'environments/images.yaml')).mw_flavours['publish-83'].tag).toBe(T2);

  // The base moves on (same tag): the branch is rebuilt on top of the new base.
  const other = repo.clone('other');
  repo.git(['commit', '--quiet', '--allow-empty', '-m', 'unrelated'], other);
  repo.git(['push', '--quiet', 'origin', 'main'], other);
  const third = await runBump(options({ target: { kind: 'flavour', flavour: 'publish-83', tag: T2 } }));
  expect(third.action).toBe('updated');
  expect(repo.git(['rev-parse', `${BRANCH}^`], repo.origin).trim()).toBe(repo.git(['rev-parse', 'main'], repo.origin).trim());
});

test('the tag the base already has is a no-op that says so and pushes nothing', async () => {
  const current = parse(repo.show('main', 'environments/images.yaml')).mw_flavours['publish-83'].tag as string;
  const result = await runBump(options({ target: { kind: 'flavour', flavour: 'publish-83', tag: current } }));
  expect(result).toMatchObject({ action: 'unchanged', request: null, pushed: false });
  expect(result.summary).toMatch(/already at .* nothing to do/);
  expect(repo.git(['branch', '--list'], repo.origin).trim()).toBe('* main');
});

test('bad tags, digests, flavours and flags are UserErrors (exit 2) and change nothing', async () => {
  await expect(runBump(options({ target: { kind: 'flavour', flavour: 'publish-83', tag: 'not a tag' } }))).rejects.toThrow(/--tag "not a tag" is not a valid image tag/);

  await expect(runBump(options({ target: { kind: 'flavour', flavour: 'publish-99', tag: T1 } }))).rejects.toThrow(
    /flavour "publish-99" is not defined in environments\/images.yaml; known flavours: mw_flavours: publish-83; web_flavours: webserver-bookworm/,
  );
  await expect(runBump(options({ target: { kind: 'flavour', flavour: 'publish-83', tag: T1, digest: 'sha256:nope' } }))).rejects.toThrow(UserError);
  await expect(runBump(options({ remote: 'upstream' }))).rejects.toThrow(/no remote named upstream \(--remote\)/);
  await expect(runBump(options({ base: 'release' }))).rejects.toThrow(/has no branch release \(--base\)/);
  // Flag combinations are the command's own check: the real CLI.
  const usage = await runCli(['bump', '--tag', T1], { cwd: repo.src, env: repo.env });
  expect(usage.code).toBe(2);
  expect(usage.stderr).toMatch(/needs --flavour F --tag T, or --build B/);
  expect(usage.stdout).toBe('');

  expect(repo.git(['branch', '--list'], repo.origin).trim()).toBe('* main');
  expect(repo.git(['status', '--porcelain'])).toBe('');
});

test('--build sets every flavour to <build>-<flavour> on mw-gitops/bump/build; without --base on the remote default branch; a digest is pinned', async () => {
  // The remote's default branch is trunk, one commit ahead of main: without --base, the branch is based on it.
  repo.git(['push', '--quiet', 'origin', 'main:trunk']);
  repo.git(['symbolic-ref', 'HEAD', 'refs/heads/trunk'], repo.origin);
  repo.git(['commit', '--quiet', '--allow-empty', '-m', 'only on trunk']);
  repo.git(['push', '--quiet', 'origin', 'HEAD:trunk']);
  const build = await runBump(options({ base: undefined, target: { kind: 'build', build: '2025-04-01-000000' } }));
  expect(build).toMatchObject({ branch: 'mw-gitops/bump/build', action: 'created' });
  expect(repo.git(['rev-parse', 'mw-gitops/bump/build^'], repo.origin).trim()).toBe(repo.git(['rev-parse', 'trunk'], repo.origin).trim());
  const images = parse(repo.show('mw-gitops/bump/build', 'environments/images.yaml'));
  expect(images.mw_flavours['publish-83'].tag).toBe('2025-04-01-000000-publish-83');
  expect(images.web_flavours['webserver-bookworm'].tag).toBe('2025-04-01-000000-webserver-bookworm');

  const digest = 'sha256:' + 'd'.repeat(64);
  await runBump(options({ target: { kind: 'flavour', flavour: 'publish-83', tag: T1, digest } }));
  const index = JSON.parse(repo.show(BRANCH, 'dist/releases.json')) as ReleasesIndex;
  expect(index.releases.find((r) => r.mwKind === 'image')?.images.app).toMatch(new RegExp(`:${T1}@${digest}$`));
});

test('two bumps of the same flavour started together both succeed and leave a consistent branch', async () => {
  // Same clone: two processes take turns on the clone's lock, so the second sees the first's
  // branch and regenerates it without losing a push race.
  const [a, b] = await Promise.all([
    runCli(['bump', '--flavour', 'publish-83', '--tag', T1, '--json'], { cwd: repo.src, env: repo.env }),
    runCli(['bump', '--flavour', 'publish-83', '--tag', T2, '--json'], { cwd: repo.src, env: repo.env }),
  ]);
  expect([a.code, b.code, a.stderr, b.stderr].slice(0, 2)).toEqual([0, 0]);
  expect(`${a.stderr}${b.stderr}`).not.toMatch(/moved on origin while this bump ran/);
  expect([JSON.parse(a.stdout).action, JSON.parse(b.stdout).action].sort()).toEqual(['created', 'updated']);
  const tag = parse(repo.show(BRANCH, 'environments/images.yaml')).mw_flavours['publish-83'].tag as string;
  expect([T1, T2]).toContain(tag);
  expect(await branchIsConsistent(repo, BRANCH)).toBe(true);

  // Two clones, as two CI jobs on different machines: they race on the push lease, and the loser regenerates.
  const c1 = repo.clone('bot1');
  const c2 = repo.clone('bot2');
  const T3 = '2025-03-25-120000-publish-83';
  const T4 = '2025-04-01-120000-publish-83';
  const results = await Promise.all([
    runBump(options({ cwd: c1, target: { kind: 'flavour', flavour: 'publish-83', tag: T3 } })),
    runBump(options({ cwd: c2, target: { kind: 'flavour', flavour: 'publish-83', tag: T4 } })),
  ]);
  expect(results.every((r) => r.branch === BRANCH)).toBe(true);
  expect(repo.git(['rev-list', '--count', `main..${BRANCH}`], repo.origin).trim()).toBe('1');
  expect([T3, T4]).toContain(parse(repo.show(BRANCH, 'environments/images.yaml')).mw_flavours['publish-83'].tag);
  expect(await branchIsConsistent(repo, BRANCH)).toBe(true);
});
