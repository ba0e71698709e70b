/**
 * The acceptance path with the real renderer, on the small copy of the project: edit the config,
 * synth, publish (in this process), and look at the commits the deployment repository gets. Also
 * `npm start` on a fresh copy of the whole project, as a process: that one is about the command.
 */
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT } from './support/cli.js';
import { copySmallEnvironments } from './support/small-project.js';
import { cleanEnv, commitCount, git, initBare, publishInProcess, tempDir, treeAt, type CliResult } from './support/git.js';
import { runSynth } from '../synth/index.js';
import { readTree } from '../synth/tree-io.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
  writeFileSync(file, text.replace(from, to));
}

test('a tag change touches only the releases of that flavour; a removed release disappears', async () => {
  // GIVEN a project whose mw-web "next" releases run their own flavour, synthesized and published
  const project = path.join(tmp.dir, 'project');
  await fs.mkdir(project);
  const config = copySmallEnvironments(project);
  edit(path.join(config, 'images.yaml'), 'web_flavours:', '  publish-84:\n    tag: 2025-03-04-105954-publish-84\nweb_flavours:');
  edit(path.join(config, 'deployments.yaml'), '      next: {}\n      migration: {}\n    mw_flavour: publish-83', '      next: {mw_flavour: publish-84}\n      migration: {}\n    mw_flavour: publish-83');
  const remote = path.join(tmp.dir, 'deploy.git');
  await initBare(remote);
  const synth = () => runSynth({ configDir: config, out: path.join(project, 'dist') });
  const publish = (allowRemoval = false) => publishInProcess({ project, repo: remote, allowRemoval });
  await synth();
  expect((await publish()).code).toBe(0);
  expect(await treeAt(remote, 'main')).toEqual(await readTree(path.join(project, 'dist')));

  // WHEN publish-84 gets a new tag
  edit(path.join(config, 'images.yaml'), 'tag: 2025-03-04-105954-publish-84', 'tag: 2025-04-01-000000-publish-84');
  await synth();
  const rolled = await publish();

  // THEN one commit, touching only the mw-web/next releases and the index files
  expect(rolled.code).toBe(0);
  expect(await commitCount(remote)).toBe(2);
  const touched = (await git(remote, 'diff', '--name-only', 'main~1', 'main')).trim().split('\n');
  const releases = touched.filter((f) => f.endsWith('/manifest.yaml'));
  expect(releases.sort()).toEqual(['codfw/mw-web/next/manifest.yaml', 'eqiad/mw-web/next/manifest.yaml']);
  expect(touched.filter((f) => !f.endsWith('/manifest.yaml')).every((f) => ['releases.json', 'README.md'].includes(f) || f.startsWith('argocd/'))).toBe(true);
  const message = await git(remote, 'log', '-1', '--format=%B');
  expect(message.split('\n')[0]).toMatch(/^Roll publish-84 to 2025-04-01-000000-publish-84: 2 releases in (codfw, eqiad|eqiad, codfw)$/);
  expect(message).toContain('2025-03-04-105954-publish-84 -> 2025-04-01-000000-publish-84');
  expect(message).toContain('eqiad/mw-web: next');
  expect(message).toContain('codfw/mw-web: next');

  // WHEN mw-web's migration release leaves deployments.yaml
  edit(path.join(config, 'deployments.yaml'), '      next: {mw_flavour: publish-84}\n      migration: {}\n', '      next: {mw_flavour: publish-84}\n');
  await synth();
  // THEN publish refuses to delete them unless told (Argo CD would take the services down)
  const refused = await publish();
  expect(refused.code).toBe(2);
  expect(refused.message).toMatch(/would remove 2 releases .*(codfw|eqiad)\/mw-web\/migration, (codfw|eqiad)\/mw-web\/migration/);
  expect(await commitCount(remote)).toBe(2);
  expect((await publish(true)).code).toBe(0);

  // THEN its directories are gone in the new commit
  const files = [...(await treeAt(remote, 'main')).keys()];
  expect(files.filter((f) => f.includes('/mw-web/migration/'))).toEqual([]);
  expect(files.filter((f) => f.includes('/mw-api-int/migration/')).length).toBeGreaterThan(0);
  expect((await git(remote, 'log', '-1', '--format=%s')).trim()).toMatch(/^Remove 2 releases in /);
  expect(await treeAt(remote, 'main')).toEqual(await readTree(path.join(project, 'dist')));
});

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test('npm start on a fresh copy of the project renders and publishes to a new local deployment repository', async () => {
  // GIVEN a fresh, committed copy of this project (its node_modules linked, as after npm ci),
  // without test/ (7 MB of fixtures npm start never reads)
  const src = path.join(tmp.dir, 'src');
  const files = (await git(PROJECT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard')).split('\0').filter((f) => f && !f.startsWith('test/'));
  for (const file of files) {
    const from = path.join(PROJECT, file);
    const stat = await fs.stat(from).catch(() => null);
    if (!stat?.isFile()) continue; // deleted in the worktree
    await fs.mkdir(path.dirname(path.join(src, file)), { recursive: true });
    await fs.copyFile(from, path.join(src, file));
  }
  await fs.symlink(path.join(PROJECT, 'node_modules'), path.join(src, 'node_modules'));
  await git(src, 'init', '--quiet', '--initial-branch=main');
  await git(src, 'add', '--all');
  await git(src, 'commit', '--quiet', '-m', 'fresh clone');
  const head = (await git(src, 'rev-parse', 'HEAD')).trim();

  // WHEN running npm start (no git identity configured, no deployment repository yet)
  const npm = process.env.npm_execpath;
  const result = npm && npm.endsWith('.js') ? await run(process.execPath, [npm, 'start'], src, cleanEnv()) : await run('npm', ['start'], src, cleanEnv());

  // THEN .deploy/repo.git exists with one commit holding exactly dist/, tied to the source commit
  expect({ code: result.code, stderr: result.stderr.replace(/^(npm warn|warning:).*\n/gm, '') }).toEqual({ code: 0, stderr: '' });
  expect(result.stdout).toContain('created the deployment repository .deploy/repo.git (branch main)');
  expect(result.stdout).toMatch(/published [0-9a-f]{12} to \.deploy\/repo\.git main\n  Publish \d+ releases in /);
  const repo = path.join(src, '.deploy', 'repo.git');
  expect(await commitCount(repo)).toBe(1);
  expect(await treeAt(repo, 'main')).toEqual(await readTree(path.join(src, 'dist')));
  expect((await git(repo, 'log', '-1', '--format=%(trailers:key=Source-Commit,valueonly)')).trim()).toBe(head);
  // and the source stays clean: .deploy/ is ignored
  expect((await git(src, 'status', '--porcelain')).trim()).toBe('');
});
