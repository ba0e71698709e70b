/**
 * Faults end to end: credentials in URLs, unreachable and missing remotes, a remote that refuses
 * or keeps moving, a dirty or broken cached working copy. Each ends with a clear message and the
 * remote as it was.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { defaultConfig, fixtureTree, writeTree } from './support/fake-render.js';
import { BIN, cleanEnv, commitCount, git, initBare, publishInProcess, runCli, tempDir, treeAt, type CliResult } from './support/git.js';
import { startGitHttp } from './support/git-http.js';

let tmp: ReturnType<typeof tempDir>;
let project: string;
let remote: string;

beforeEach(async () => {
  tmp = tempDir();
  project = path.join(tmp.dir, 'project');
  remote = path.join(tmp.dir, 'deploy.git');
  await initBare(remote);
  await writeTree(path.join(project, 'dist'), fixtureTree());
});
afterEach(() => tmp.cleanup());

/** Every file below a directory, as one string (to look for leaked secrets). */
async function allFileText(dir: string): Promise<string> {
  let out = '';
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out += `${p}\n${await fs.readFile(p, 'latin1')}\n`;
    }
  };
  await walk(dir).catch(() => undefined);
  return out;
}

async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function chmodTree(dir: string, writable: boolean): Promise<void> {
  const stat = await fs.stat(dir);
  const mode = writable ? stat.mode | 0o200 : stat.mode & ~0o222;
  if (stat.isDirectory()) {
    if (writable) await fs.chmod(dir, mode);
    for (const e of await fs.readdir(dir)) await chmodTree(path.join(dir, e), writable);
    if (!writable) await fs.chmod(dir, mode);
  } else {
    await fs.chmod(dir, mode);
  }
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fs.chown(dir, uid, gid);
  if ((await fs.stat(dir)).isDirectory()) for (const e of await fs.readdir(dir)) await chownTree(path.join(dir, e), uid, gid);
}

function runCommand(command: string, args: string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const PASSWORD = 'Pa55-w0rd-9f3c1e';

test('an unreachable remote with a password in its URL fails clearly and never shows the password', async () => {
  const url = `http://deployer:${PASSWORD}@127.0.0.1:${await closedPort()}/deploy.git`;
  for (const args of [['publish', '--repo', url], ['publish', '--repo', url, '--json'], ['diff', '--dist', '--repo', url]]) {
    const r = await runCli(args, project);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('could not be reached');
    expect(r.stderr).toContain('127.0.0.1');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(r.stdout + r.stderr).not.toContain('deployer:');
  }
  expect(await allFileText(path.join(project, '.deploy'))).not.toContain(PASSWORD);
});

test('publishing through an HTTP remote that needs the password in the URL works and leaks it nowhere', async () => {
  const server = await startGitHttp(tmp.dir, 'deployer', PASSWORD);
  try {
    const url = `http://deployer:${PASSWORD}@127.0.0.1:${server.port}/deploy.git`;
    // WHEN publishing, publishing again, changing a tag and diffing
    const first = await runCli(['publish', '--repo', url, '--json'], project);
    const again = await runCli(['publish', '--repo', url], project);
    const config = defaultConfig();
    await writeTree(path.join(project, 'dist'), fixtureTree({ ...config, webTags: { webserver: 'moved' } }));
    const diff = await runCli(['diff', '--dist', '--repo', url], project);
    const second = await runCli(['publish', '--repo', url], project);

    // THEN all worked, with the credentials really sent
    for (const r of [first, again, diff, second]) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(server.authorizations.length).toBeGreaterThan(0);
    expect(await commitCount(remote)).toBe(2);
    expect(JSON.parse(first.stdout).repo).toBe(`http://127.0.0.1:${server.port}/deploy.git`);
    expect(diff.stdout).toContain('image httpd:');

    // AND the password is in no output, no commit and no file publish keeps
    const outputs = [first, again, diff, second].map((r) => r.stdout + r.stderr).join('\n');
    expect(outputs).not.toContain(PASSWORD);
    expect(await git(remote, 'log', '-p', '--format=%H%n%an%n%B', 'main')).not.toContain(PASSWORD);
    expect(await allFileText(path.join(project, '.deploy'))).not.toContain(PASSWORD);

    // and a wrong password is a clear failure that does not echo it either
    const wrong = await runCli(['publish', '--repo', url.replace(PASSWORD, 'Wrong-S3cret-77')], project);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/could not be reached or refused access.*Authentication failed/);
    expect(wrong.stderr).not.toContain('Wrong-S3cret-77');
    expect(await commitCount(remote)).toBe(2);
  } finally {
    await server.close();
  }
});

test('a remote URL that names no repository fails with exit 1 and says so', async () => {
  const server = await startGitHttp(tmp.dir, 'deployer', PASSWORD);
  try {
    const r = await runCli(['publish', '--repo', `http://deployer:${PASSWORD}@127.0.0.1:${server.port}/missing.git`], project);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`http://127.0.0.1:${server.port}/missing.git`);
    expect(r.stderr).not.toContain(PASSWORD);
  } finally {
    await server.close();
  }
});

test('a remote that refuses the push (pre-receive hook) ends with its reason and stays as it was', async () => {
  expect((await publishInProcess({ project, repo: remote })).code).toBe(0);
  const before = (await git(remote, 'rev-parse', 'main')).trim();
  // GIVEN the remote now refuses every push, like a read-only or protected branch
  const hook = path.join(remote, 'hooks', 'pre-receive');
  await fs.writeFile(hook, '#!/bin/sh\necho "main is read-only for deploy bots" >&2\nexit 1\n', { mode: 0o755 });
  const config = defaultConfig();
  await writeTree(path.join(project, 'dist'), fixtureTree({ ...config, webTags: { webserver: 'refused' } }));

  const r = await runCli(['publish', '--repo', remote], project);

  expect(r.code).toBe(1);
  expect(r.stderr).toContain('refused the push to main');
  expect(r.stderr).toContain('pre-receive hook declined');
  expect(r.stderr).toContain('main is read-only for deploy bots');
  expect(r.stderr).not.toContain('internal error');
  expect((await git(remote, 'rev-parse', 'main')).trim()).toBe(before);
});

test('a read-only remote (no write permission on its objects) refuses the push; the remote stays as it was', async () => {
  // Root ignores file modes: then run the CLI as "nobody" (setpriv), if the machine allows it.
  const root = process.getuid?.() === 0;
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  if (root && !setpriv) return; // cannot drop privileges here: nothing to check
  const asUser = (args: string[]) =>
    root
      ? runCommand(setpriv!, ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', `HOME=${tmp.dir}`, process.execPath, BIN, ...args], project)
      : runCli(args, project);
  // "nobody" must be able to run the CLI from where this checkout lives (not under a 0700 home)
  if (root && (await asUser(['--help'])).code !== 0) return;
  // GIVEN a published remote
  expect((await runCli(['publish', '--repo', remote], project)).code).toBe(0);
  const before = (await git(remote, 'rev-parse', 'main')).trim();
  if (root) await chownTree(tmp.dir, 65534, 65534);
  const config = defaultConfig();
  await writeTree(path.join(project, 'dist'), fixtureTree({ ...config, webTags: { webserver: 'read-only' } }));
  if (root) await chownTree(path.join(project, 'dist'), 65534, 65534);
  // WHEN its objects and refs become read-only
  await chmodTree(path.join(remote, 'objects'), false);
  await chmodTree(path.join(remote, 'refs'), false);
  try {
    const r = await asUser(['publish', '--repo', remote]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${remote} refused the push to main`);
    expect(r.stderr).toContain('Nothing was changed there');
  } finally {
    await chmodTree(remote, true);
    if (root) await chownTree(tmp.dir, 0, 0);
  }
  expect((await git(remote, 'rev-parse', 'main')).trim()).toBe(before);
});

test('a remote that keeps moving exhausts the retries with a clear message and nothing forced', async () => {
  expect((await publishInProcess({ project, repo: remote })).code).toBe(0);
  // GIVEN a remote where someone else always lands first: the hook moves main before each update
  const hook = path.join(remote, 'hooks', 'pre-receive');
  await fs.writeFile(
    hook,
    `#!/bin/sh
unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
export GIT_AUTHOR_NAME=other GIT_AUTHOR_EMAIL=other@example.org GIT_COMMITTER_NAME=other GIT_COMMITTER_EMAIL=other@example.org
old=$(git rev-parse refs/heads/main)
new=$(git commit-tree -p "$old" -m "someone else" "$old^{tree}")
git update-ref refs/heads/main "$new" "$old"
exit 0
`,
    { mode: 0o755 },
  );
  const config = defaultConfig();
  await writeTree(path.join(project, 'dist'), fixtureTree({ ...config, webTags: { webserver: 'busy' } }));

  const r = await publishInProcess({ project, repo: remote });

  expect(r.code).toBe(1);
  expect(r.log).toContain(`${remote} main moved while publishing; retrying on top of it (attempt 2 of 5)`);
  expect(r.log).toHaveLength(4);
  expect(r.message).toContain('the branch moved under every one of 5 attempts');
  // only the other party's commits landed; ours never replaced them
  const subjects = (await git(remote, 'log', '--format=%s', 'main')).trim().split('\n');
  expect(subjects.filter((s) => s === 'someone else').length).toBe(5);
  expect(subjects.some((s) => s.includes('busy'))).toBe(false);
});

test('a dirty cached working copy does not leak into the commit', async () => {
  expect((await publishInProcess({ project, repo: remote })).code).toBe(0);
  // GIVEN someone edited, staged and added files in the cached working copy
  const workRoot = path.join(project, '.deploy', 'work');
  const [work] = (await fs.readdir(workRoot)).filter((f) => !f.endsWith('.lock'));
  const wc = path.join(workRoot, work);
  await fs.appendFile(path.join(wc, 'eqiad', 'mw-web', 'main', 'manifest.yaml'), '# local edit\n');
  await fs.writeFile(path.join(wc, 'eqiad', 'stray.yaml'), 'stray: true\n');
  await git(wc, 'add', 'eqiad/stray.yaml');
  await fs.writeFile(path.join(wc, 'untracked.txt'), 'junk\n');
  const config = defaultConfig();
  const dist = fixtureTree({ ...config, webTags: { webserver: 'clean' } });
  await writeTree(path.join(project, 'dist'), dist);

  const r = await publishInProcess({ project, repo: remote });

  expect(r.code).toBe(0);
  expect(await treeAt(remote, 'main')).toEqual(dist);
});

test('a broken cached working copy is thrown away and cloned again', async () => {
  expect((await publishInProcess({ project, repo: remote })).code).toBe(0);
  const workRoot = path.join(project, '.deploy', 'work');
  const [work] = (await fs.readdir(workRoot)).filter((f) => !f.endsWith('.lock'));
  // GIVEN its object store is gone (a crash, a disk cleanup)
  await fs.rm(path.join(workRoot, work, '.git', 'objects'), { recursive: true, force: true });
  await fs.writeFile(path.join(workRoot, work, '.git', 'index'), 'garbage');
  const config = defaultConfig();
  const dist = fixtureTree({ ...config, webTags: { webserver: 'recovered' } });
  await writeTree(path.join(project, 'dist'), dist);

  const r = await publishInProcess({ project, repo: remote });

  expect(r.code).toBe(0);
  expect(r.log.join('\n')).toContain('cloning it again');
  expect(await treeAt(remote, 'main')).toEqual(dist);
  expect(await commitCount(remote)).toBe(2);
});
