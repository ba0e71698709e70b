/**
 * Publishers at the same moment: in one project (sharing the cached working copy, under its
 * lock) and in several projects (separate caches racing at the remote, retried).
 */
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { defaultConfig, fixtureTree, writeTree } from './support/fake-render.js';
import { commitCount, git, initBare, runCli, tempDir, treeAt } from './support/git.js';

let tmp: ReturnType<typeof tempDir>;
let remote: string;

beforeEach(async () => {
  tmp = tempDir();
  remote = path.join(tmp.dir, 'deploy.git');
  await initBare(remote);
});
afterEach(() => tmp.cleanup());

test('four publishes of the same render started at once all exit 0 and make exactly one commit', async () => {
  // GIVEN a project with a published render, then a new render
  const project = path.join(tmp.dir, 'project');
  const config = defaultConfig();
  await writeTree(path.join(project, 'dist'), fixtureTree(config));
  expect((await runCli(['publish', '--repo', remote], project)).code).toBe(0);
  const next = fixtureTree({ ...config, mwTags: { ...config.mwTags, 'publish-next': '2025-05-05-000000-publish-next' } });
  await writeTree(path.join(project, 'dist'), next);

  // WHEN four publishes start at the same moment
  const results = await Promise.all([1, 2, 3, 4].map(() => runCli(['publish', '--repo', remote], project)));

  // THEN all succeed, exactly one made the commit, the others found nothing to do
  for (const r of results) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(await commitCount(remote)).toBe(2);
  expect(results.filter((r) => r.stdout.startsWith('published ')).length).toBe(1);
  expect(results.filter((r) => r.stdout.startsWith('nothing to publish')).length).toBe(3);
  expect(await treeAt(remote, 'main')).toEqual(next);
});

test('publishers in different projects racing for one remote all land, each on top of the other', async () => {
  // GIVEN three projects rendering different web tags (separate caches, so they race at the remote)
  const config = defaultConfig();
  const projects = ['a', 'b', 'c'].map((name) => path.join(tmp.dir, name));
  await Promise.all(
    projects.map((p, i) => writeTree(path.join(p, 'dist'), fixtureTree({ ...config, webTags: { webserver: `tag-${i}` } }))),
  );

  // WHEN they publish at the same moment
  const results = await Promise.all(projects.map((p) => runCli(['publish', '--repo', remote], p)));

  // THEN every publish lands as its own commit, none forced over another
  for (const r of results) expect(r.code).toBe(0);
  expect(await commitCount(remote)).toBe(3);
  const subjects = (await git(remote, 'log', '--format=%s', 'main')).trim().split('\n');
  expect(subjects.filter((s) => s.startsWith('Publish 9 releases')).length).toBe(1);
  expect(subjects.filter((s) => /^Roll webserver to tag-\d: 9 releases/.test(s)).length).toBe(2);
  // the first to land found an empty repository; the last one to land is what main holds
  expect(subjects[subjects.length - 1]).toMatch(/^Publish 9 releases/);
  const lastTag = /tag-(\d)/.exec(subjects[0])![1];
  expect((await treeAt(remote, 'main')).get('releases.json')).toContain(`tag-${lastTag}`);
});

test('a lock left by a publish that died is taken over', async () => {
  const project = path.join(tmp.dir, 'project');
  await writeTree(path.join(project, 'dist'), fixtureTree());
  expect((await runCli(['publish', '--repo', remote], project)).code).toBe(0);
  const [work] = await fs.readdir(path.join(project, '.deploy', 'work'));
  // GIVEN a lock file naming a process that no longer exists
  await fs.writeFile(
    path.join(project, '.deploy', 'work', `${work}.lock`),
    JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), started: Date.now(), token: 'dead' }),
  );
  const config = defaultConfig();
  await writeTree(path.join(project, 'dist'), fixtureTree({ ...config, webTags: { webserver: 'after-crash' } }));

  const result = await runCli(['publish', '--repo', remote], project);

  expect(result.code).toBe(0);
  expect(await commitCount(remote)).toBe(2);
  expect((await fs.readdir(path.join(project, '.deploy', 'work'))).filter((f) => f.includes('.lock'))).toEqual([]);
});
