/**
 * publish against a hostile dist/: symlinks (to a file outside, to /proc/self/environ, to a
 * directory), a fifo, a tree that disagrees with its releases.json, and credentials in --repo.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { defaultConfig, fixtureTree, writeTree } from './support/fake-render.js';
import { cleanEnv, commitCount, git, initBare, publishInProcess, runCli, tempDir } from './support/git.js';

let tmp: ReturnType<typeof tempDir>;
let project: string;
let remote: string;
let dist: string;

beforeEach(async () => {
  tmp = tempDir();
  project = path.join(tmp.dir, 'project');
  remote = path.join(tmp.dir, 'deploy.git');
  dist = path.join(project, 'dist');
  await fs.mkdir(project);
  await initBare(remote);
  await writeTree(dist, fixtureTree(defaultConfig()));
  expect((await publishInProcess({ project, repo: remote })).code).toBe(0);
});
afterEach(() => tmp.cleanup());

const head = () => git(remote, 'rev-parse', 'main');

test('a symlink in dist/ to /proc/self/environ: exit 2 naming it, nothing of the environment committed', async () => {
  const before = await head();
  await fs.symlink('/proc/self/environ', path.join(dist, 'eqiad', 'env.txt'));
  const run = await runCli(['publish', '--repo', remote], project, cleanEnv({ HOME: tmp.dir, SECRET_TOKEN: 'do-not-commit-me' }));
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^mw-gitops: dist\/eqiad\/env\.txt is a symbolic link, not a regular file/)]);
  expect(await head()).toBe(before);
  expect(execFileSync('git', ['log', '--all', '-p'], { cwd: remote, encoding: 'utf8' })).not.toContain('do-not-commit-me');
});

test('symlinks to a file outside and to a directory, and a fifo: each refused by name, the repository unchanged', async () => {
  const before = await head();
  const outside = path.join(tmp.dir, 'outside.txt');
  await fs.writeFile(outside, 'private\n');
  const cases: [string, () => Promise<void>, RegExp][] = [
    ['codfw/leak.yaml', () => fs.symlink(outside, path.join(dist, 'codfw', 'leak.yaml')), /dist\/codfw\/leak\.yaml is a symbolic link/],
    ['argocd/etc', () => fs.symlink('/etc', path.join(dist, 'argocd', 'etc')), /dist\/argocd\/etc is a symbolic link/],
    ['eqiad/pipe', async () => void execFileSync('mkfifo', [path.join(dist, 'eqiad', 'pipe')]), /dist\/eqiad\/pipe is a fifo/],
  ];
  for (const [entry, plant, message] of cases) {
    await plant();
    const run = await publishInProcess({ project, repo: remote });
    expect({ entry, code: run.code }).toEqual({ entry, code: 2 });
    expect(run.message).toMatch(message);
    await fs.rm(path.join(dist, entry));
  }
  expect(await head()).toBe(before);
  expect(await commitCount(remote)).toBe(1);
});

test('a dist/ missing a cluster that releases.json lists: exit 2 naming the missing manifests, even with --allow-removal', async () => {
  const before = await head();
  await fs.rm(path.join(dist, 'eqiad'), { recursive: true });
  for (const allowRemoval of [false, true]) {
    const run = await publishInProcess({ project, repo: remote, allowRemoval });
    expect(run.code).toBe(2);
    expect(run.message).toMatch(/dist\/ does not agree with its releases\.json: missing \d+ manifest\(s\) that releases\.json lists \(eqiad\//);
  }
  expect(await head()).toBe(before);
});

test('a manifest releases.json does not list is refused too', async () => {
  await fs.mkdir(path.join(dist, 'eqiad', 'mw-web', 'stray'));
  await fs.writeFile(path.join(dist, 'eqiad', 'mw-web', 'stray', 'manifest.yaml'), 'kind: ConfigMap\n');
  const run = await publishInProcess({ project, repo: remote });
  expect(run.code).toBe(2);
  expect(run.message).toMatch(/1 manifest\(s\) that releases\.json does not list \(eqiad\/mw-web\/stray\/manifest\.yaml\)/);
});

test('a token in --repo, in userinfo or in the query, appears in no message', async () => {
  for (const repo of ['http://bot:s3cr3t-userinfo@127.0.0.1:9/deploy.git', 'http://127.0.0.1:9/deploy.git?private_token=glpat-s3cr3t-query&x=1']) {
    const run = await publishInProcess({ project, repo });
    expect(run.code).toBe(1);
    expect(run.message).toMatch(/could not be reached/);
    expect(run.message).not.toMatch(/s3cr3t/);
  }
});
