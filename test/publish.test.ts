/**
 * `mw-gitops publish` end to end: the real CLI as a child process, real bare repositories.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { defaultConfig, fixtureTree, writeTree, type FixtureConfig } from './support/fake-render.js';
import { cleanEnv, commitCount, git, initBare, publishInProcess, runCli, tempDir, treeAt } from './support/git.js';

let tmp: ReturnType<typeof tempDir>;
let project: string;
let remote: string;

beforeEach(async () => {
  tmp = tempDir();
  project = path.join(tmp.dir, 'project');
  remote = path.join(tmp.dir, 'deploy.git');
  await fs.mkdir(project);
  await initBare(remote);
});
afterEach(() => tmp.cleanup());

async function render(config: FixtureConfig = defaultConfig()): Promise<Map<string, string>> {
  const tree = fixtureTree(config);
  await writeTree(path.join(project, 'dist'), tree);
  return tree;
}

/** The real command, for what the process prints (once per outcome). */
const publish = (...args: string[]) => runCli(['publish', '--repo', remote, ...args], project);
/** The same in this process, for tests about what lands rather than about the process. */
const publishHere = (options: { branch?: string; message?: string; repo?: string; allowRemoval?: boolean } = {}) =>
  publishInProcess({ project, repo: remote, ...options });

test('publishing to an empty bare repository makes one commit whose tree equals dist/; again makes none', async () => {
  // GIVEN a render and an empty deployment repository
  const dist = await render();

  // WHEN publishing
  const first = await publish();

  // THEN one commit holds exactly dist/
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(await commitCount(remote)).toBe(1);
  expect(await treeAt(remote, 'main')).toEqual(dist);
  const sha = (await git(remote, 'rev-parse', 'main')).trim();
  expect(first.stdout).toContain(`published ${sha.slice(0, 12)}`);
  expect(first.stdout).toContain('Publish 9 releases in eqiad, codfw, staging');
  // made by the default identity: no global git config needed
  expect((await git(remote, 'log', '-1', '--format=%an <%ae>|%cn <%ce>')).trim()).toBe(
    'mw-gitops <mw-gitops@localhost>|mw-gitops <mw-gitops@localhost>',
  );

  // WHEN publishing the same render again
  const second = await publishHere();

  // THEN nothing is committed and the user is told so
  expect(second.code).toBe(0);
  expect(second.stdout).toMatch(/nothing to publish: .*deploy\.git main already matches dist\/ \(nothing changed since [0-9a-f]{12}\)/);
  expect(await commitCount(remote)).toBe(1);
});

test('changing one flavour\'s tag makes one commit touching only that flavour\'s releases and the index files', async () => {
  const config = defaultConfig();
  await render(config);
  expect((await publishHere()).code).toBe(0);

  // GIVEN publish-83 moves to a new tag
  const moved: FixtureConfig = { ...config, mwTags: { ...config.mwTags, 'publish-83': '2025-04-01-000000-publish-83' } };
  await render(moved);

  // WHEN publishing
  const result = await publishHere();

  // THEN exactly one new commit, touching only the releases that use publish-83 (+ index files)
  expect(result.code).toBe(0);
  expect(await commitCount(remote)).toBe(2);
  const touched = (await git(remote, 'diff', '--name-only', 'main~1', 'main')).trim().split('\n').sort();
  const users = config.releases.filter((r) => r.mwFlavour === 'publish-83').map((r) => `${r.cluster}/${r.namespace}/${r.release}/manifest.yaml`);
  expect(touched).toEqual([...users, 'releases.json'].sort());

  // its message names the flavour, the tags and the releases
  const message = await git(remote, 'log', '-1', '--format=%B');
  expect(message.split('\n')[0]).toBe('Roll publish-83 to 2025-04-01-000000-publish-83: 6 releases in eqiad, codfw');
  expect(message).toContain('2025-03-04-105954-publish-83 -> 2025-04-01-000000-publish-83');
  expect(message).toContain('eqiad/mw-web: canary, main');
  expect(message).toContain('codfw/mw-api-ext: main');
  expect(message).not.toContain('next');

  // and --json says the same
  expect(result.json).toEqual({
    repo: remote,
    branch: 'main',
    commit: (await git(remote, 'rev-parse', 'main')).trim(),
    changed: true,
    files: { added: [], modified: [...users, 'releases.json'].sort(), deleted: [] },
    summary: 'Roll publish-83 to 2025-04-01-000000-publish-83: 6 releases in eqiad, codfw',
  });
});

test('a release removed from the render disappears from the deployment repository; other files stay', async () => {
  const config = defaultConfig();
  await render(config);
  expect((await publishHere()).code).toBe(0);

  // GIVEN the deployment repository also holds a file the tree does not own
  const clone = path.join(tmp.dir, 'clone');
  await git(tmp.dir, 'clone', '--quiet', remote, clone);
  await fs.mkdir(path.join(clone, 'docs'));
  await fs.writeFile(path.join(clone, 'docs', 'runbook.md'), 'hand-written\n');
  await git(clone, 'add', '.');
  await git(clone, 'commit', '--quiet', '-m', 'Add a runbook');
  await git(clone, 'push', '--quiet', 'origin', 'main');

  // WHEN codfw mw-web canary leaves the config
  await render({ ...config, releases: config.releases.filter((r) => !(r.cluster === 'codfw' && r.release === 'canary')) });
  const head = (await git(remote, 'rev-parse', 'main')).trim();

  // THEN a plain publish refuses, naming the release, and the repository is unchanged
  const refused = await publishHere();
  expect(refused.code).toBe(2);
  expect(refused.message).toMatch(/would remove 1 release from the deployment repository \(codfw\/mw-web\/canary\).*--allow-removal/);
  expect((await git(remote, 'rev-parse', 'main')).trim()).toBe(head);

  // WHEN the removal is allowed
  const result = await publishHere({ allowRemoval: true });

  // THEN its directory is gone in the new commit, and nothing else outside the tree was touched
  expect(result.code).toBe(0);
  const files = await treeAt(remote, 'main');
  expect([...files.keys()].some((f) => f.startsWith('codfw/mw-web/canary/'))).toBe(false);
  expect(files.get('docs/runbook.md')).toBe('hand-written\n');
  const subject = (await git(remote, 'log', '-1', '--format=%s')).trim();
  expect(subject).toBe('Remove codfw/mw-web/canary');
  const status = (await git(remote, 'diff', '--name-status', 'main~1', 'main')).trim().split('\n');
  expect(status).toContain('D\tcodfw/mw-web/canary/manifest.yaml');
});

test('a cluster dropped from the render is removed with all its files', async () => {
  const config = defaultConfig();
  await render(config);
  expect((await publishHere()).code).toBe(0);
  await render({ ...config, clusters: ['eqiad', 'codfw'], releases: config.releases.filter((r) => r.cluster !== 'staging') });
  expect((await publishHere()).message).toMatch(/would remove 1 release .*staging\/mw-web\/main/);
  const result = await publishHere({ allowRemoval: true });
  expect(result.code).toBe(0);
  expect(result.result?.files.deleted).toEqual(['argocd/staging/applicationset.yaml', 'staging/mw-web/main/manifest.yaml']);
  const files = [...(await treeAt(remote, 'main')).keys()];
  expect(files.filter((f) => f.startsWith('staging/') || f.startsWith('argocd/staging/'))).toEqual([]);
});

test('a branch the remote does not have yet is created by the push, leaving main alone', async () => {
  await render();
  expect((await publishHere()).code).toBe(0);
  const main = (await git(remote, 'rev-parse', 'main')).trim();
  const config = defaultConfig();
  await render({ ...config, webTags: { webserver: 'next-webserver' } });

  const result = await publishHere({ branch: 'preview/next' });

  expect(result.code).toBe(0);
  expect((await git(remote, 'rev-parse', 'main')).trim()).toBe(main);
  expect(await commitCount(remote, 'preview/next')).toBe(1);
  expect((await treeAt(remote, 'preview/next')).get('releases.json')).toContain('next-webserver');
});

test('without --repo, publish creates .deploy/repo.git in the project with branch main and publishes there', async () => {
  const dist = await render();
  const result = await publishInProcess({ project });
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('created the deployment repository .deploy/repo.git (branch main)');
  const repo = path.join(project, '.deploy', 'repo.git');
  expect((await git(repo, 'rev-parse', '--is-bare-repository')).trim()).toBe('true');
  expect((await git(repo, 'symbolic-ref', 'HEAD')).trim()).toBe('refs/heads/main');
  expect(await treeAt(repo, 'main')).toEqual(dist);
  const again = await publishInProcess({ project });
  expect(again.stdout).toBe(`nothing to publish: .deploy/repo.git main already matches dist/ (nothing changed since ${(await git(repo, 'rev-parse', 'main')).trim().slice(0, 12)})\n`);
});

test('the commit carries Source-Commit (marked -dirty for uncommitted sources) and a credential-free Source-Repository', async () => {
  // GIVEN the project is a git repository with an origin that has credentials in its URL
  await git(project, 'init', '--quiet', '--initial-branch=main');
  await fs.writeFile(path.join(project, '.gitignore'), '.deploy/\n');
  await fs.writeFile(path.join(project, 'config.yaml'), 'a: 1\n');
  await git(project, 'add', '.');
  await git(project, 'commit', '--quiet', '-m', 'source');
  await git(project, 'remote', 'add', 'origin', 'https://bot:tok-123456@git.example.org/sre/mw-gitops.git');
  const head = (await git(project, 'rev-parse', 'HEAD')).trim();
  await render();

  // WHEN publishing (dist/ itself is not committed: that does not make the source dirty)
  const result = await runCli(['publish', '--repo', remote], project, cleanEnv({ GIT_AUTHOR_NAME: 'Ann Author', GIT_AUTHOR_EMAIL: 'ann@example.org' }));

  // THEN the trailers tie the commit to the source; the author comes from the environment
  expect(result.code).toBe(0);
  expect((await git(remote, 'log', '-1', '--format=%(trailers:key=Source-Commit,valueonly)')).trim()).toBe(head);
  expect((await git(remote, 'log', '-1', '--format=%(trailers:key=Source-Repository,valueonly)')).trim()).toBe(
    'https://git.example.org/sre/mw-gitops.git',
  );
  expect((await git(remote, 'log', '-1', '--format=%an <%ae>')).trim()).toBe('Ann Author <ann@example.org>');
  expect(await git(remote, 'log', '--format=%B')).not.toContain('tok-123456');

  // WHEN a source file has uncommitted changes
  await fs.writeFile(path.join(project, 'config.yaml'), 'a: 2\n');
  const config = defaultConfig();
  await render({ ...config, webTags: { webserver: 'other' } });
  expect((await publishHere()).code).toBe(0);
  expect((await git(remote, 'log', '-1', '--format=%(trailers:key=Source-Commit,valueonly)')).trim()).toBe(`${head}-dirty`);
});

test('--message replaces the subject and keeps the generated details in the body', async () => {
  await render();
  const result = await publishHere({ message: 'Initial import of the deployment tree' });
  expect(result.code).toBe(0);
  const message = await git(remote, 'log', '-1', '--format=%B');
  expect(message.split('\n')[0]).toBe('Initial import of the deployment tree');
  expect(message).toContain('Publish 9 releases in eqiad, codfw, staging');
  expect(result.result?.summary).toBe('Initial import of the deployment tree');
});

test('bad input exits 2 with a message saying what to do', async () => {
  // no dist/ (through the CLI once: the exit code and the stderr line)
  const noDist = await publish();
  expect(noDist.code).toBe(2);
  expect(noDist.stderr).toBe('mw-gitops: dist/ does not exist: run `mw-gitops synth` first (or point --dist at a rendered tree).\n');
  // dist/ without releases.json
  await fs.mkdir(path.join(project, 'dist'));
  const partial = await publishHere();
  expect(partial.code).toBe(2);
  expect(partial.message).toContain('releases.json is missing');
  // a --repo path that does not exist
  await render();
  const missing = await publishHere({ repo: path.join(tmp.dir, 'nope.git') });
  expect(missing.code).toBe(2);
  expect(missing.message).toContain('no such directory');
  // a bad branch name
  const branch = await publishHere({ branch: '-delete' });
  expect(branch.code).toBe(2);
  expect(branch.message).toContain('not a valid git branch name');
  expect(existsSync(path.join(project, '.deploy', 'repo.git'))).toBe(false);
  expect(await commitCount(remote)).toBe(0);
});
