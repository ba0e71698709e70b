/**
 * `mw-gitops diff`: against a directory, against refs of a real deployment repository. The
 * command runs as a process once; the rest calls runDiff and its printers in this process.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { diffJson, formatDiff, runDiff, useColor, type DiffOptions } from '../cli/commands/diff.js';
import { copySmallEnvironments } from './support/small-project.js';
import { runSynth } from '../synth/index.js';
import { UserError } from '../config/errors.js';
import { defaultConfig, fixtureTree, writeTree } from './support/fake-render.js';
import { git, initBare, publishInProcess, runCli, tempDir } from './support/git.js';

let tmp: ReturnType<typeof tempDir>;
let project: string;
let remote: string;

beforeEach(async () => {
  tmp = tempDir();
  project = path.join(tmp.dir, 'project');
  remote = path.join(tmp.dir, 'deploy.git');
  await initBare(remote);
});
afterEach(() => tmp.cleanup());

/** What `mw-gitops diff [--json]` prints in the project, or the UserError it exits 2 with. */
async function diff(options: Partial<Omit<DiffOptions, 'projectDir'>>, json = false): Promise<{ stdout: string; error?: UserError }> {
  const full = { branch: 'main', dist: 'dist', projectDir: project, ...options };
  try {
    const result = await runDiff(full);
    return { stdout: json ? `${JSON.stringify(diffJson(result))}\n` : await formatDiff(result) };
  } catch (err) {
    if (err instanceof UserError) return { stdout: '', error: err };
    throw err;
  }
}

const publish = async (repo: string) => (await publishInProcess({ project, repo })).code;

const config = defaultConfig();
const moved = { ...config, mwTags: { ...config.mwTags, 'publish-next': '2025-05-05-000000-publish-next' } };

test('diff against another rendered directory lists changed releases with image moves', async () => {
  await writeTree(path.join(project, 'dist'), fixtureTree(moved));
  await writeTree(path.join(project, 'old'), fixtureTree(config));

  const text = await runCli(['diff', '--dist', '--stat', '--against', 'old'], project);
  expect(text.code).toBe(0);
  expect(text.stdout).toContain('dist/ compared with old:\n~ codfw/mw-web/next\n    ~ Rollout/mw-web-next\n');
  expect(text.stdout).toContain(
    '        image app: docker-registry.discovery.wmnet/restricted/mediawiki-multiversion 2025-03-04-105954-publish-next -> 2025-05-05-000000-publish-next\n',
  );
  expect(text.stdout.trim().split('\n').pop()).toBe('3 releases in codfw, eqiad, staging (3 changed), 3 image changes; 1 other file');

  const json = await diff({ against: 'old' }, true);
  const out = JSON.parse(json.stdout);
  expect(out.against).toEqual({ kind: 'dir', name: 'old' });
  expect(out.changed).toBe(true);
  expect(out.releases.map((r: { cluster: string; namespace: string; release: string }) => `${r.cluster}/${r.namespace}/${r.release}`)).toEqual([
    'codfw/mw-web/next',
    'eqiad/mw-web/next',
    'staging/mw-web/main',
  ]);
  expect(out.files).toEqual([{ path: 'releases.json', status: 'changed' }]);
});

test('diff against the deployment repository: what the next publish would change, and nothing after it', async () => {
  // before anything is published to the default repository, everything is new
  await writeTree(path.join(project, 'dist'), fixtureTree(config));
  const fresh = await diff({});
  expect(fresh.error).toBeUndefined();
  expect(fresh.stdout).toContain('(does not exist yet)');
  expect(fresh.stdout).toContain('+ eqiad/mw-web/main (added: 3 objects)');

  // GIVEN a published render, and a file in the deployment repository the tree does not own
  expect(await publish(remote)).toBe(0);
  const clone = path.join(tmp.dir, 'clone');
  await git(tmp.dir, 'clone', '--quiet', remote, clone);
  await fs.writeFile(path.join(clone, 'OWNERS'), 'sre\n');
  await git(clone, 'add', '.');
  await git(clone, 'commit', '--quiet', '-m', 'owners');
  await git(clone, 'push', '--quiet', 'origin', 'main');

  // THEN there is nothing to diff (OWNERS is not publish's business)
  const same = await diff({ repo: remote });
  expect(same.stdout).toMatch(/^no changes: dist\/ matches .*deploy\.git main \([0-9a-f]{12}\)\n$/);

  // WHEN a flavour moves, diff shows it; after publishing, main matches and main~2 still differs
  await writeTree(path.join(project, 'dist'), fixtureTree(moved));
  const pending = await diff({ repo: remote }, true);
  expect(JSON.parse(pending.stdout).summary).toBe('3 releases in codfw, eqiad, staging (3 changed), 3 image changes; 1 other file');
  expect(await publish(remote)).toBe(0);
  expect((await diff({ repo: remote })).stdout).toMatch(/^no changes/);
  const old = await diff({ repo: remote, against: 'main~2' });
  expect(old.error).toBeUndefined();
  expect(old.stdout).toContain('~ eqiad/mw-web/next');
});

test('diff --against something that is neither a directory nor a ref is a UserError (exit 2)', async () => {
  await writeTree(path.join(project, 'dist'), fixtureTree(config));
  expect(await publish(remote)).toBe(0);
  const r = await diff({ repo: remote, against: 'no-such-thing' });
  expect(r.error?.exitCode).toBe(2);
  expect(r.error?.message).toContain('--against no-such-thing: neither a directory nor a branch, tag or commit of');
  const noDist = await diff({ dist: 'nowhere' });
  expect(noDist.error?.exitCode).toBe(2);
  expect(noDist.error?.message).toContain('run `mw-gitops synth` first');
});

describe('diff of the sources (no synth)', () => {
  /** A project: the small copy of environments/ (12 releases) and its dist/, synthesized. */
  async function sourceProject(): Promise<string> {
    const dir = path.join(tmp.dir, 'src');
    const configDir = copySmallEnvironments(dir);
    await runSynth({ configDir, out: path.join(dir, 'dist') });
    return dir;
  }
  const WEB_OLD = '2025-03-04-105954-webserver-bookworm';
  const WEB_NEW = '2025-04-01-000000-webserver-bookworm';

  test('a changed tag shows -/+ image lines per release of that flavour; --exit-code is 1; back at the committed tag nothing differs', async () => {
    const dir = await sourceProject();
    const images = path.join(dir, 'environments/images.yaml');
    const original = await fs.readFile(images, 'utf8');
    await fs.writeFile(images, original.replace(`tag: ${WEB_OLD}`, `tag: ${WEB_NEW}`));

    const changed = await runCli(['diff', '--exit-code'], dir);
    expect(changed.code).toBe(1);
    expect(changed.stdout.startsWith('the render of environments/ compared with dist/:\n')).toBe(true);
    const hunk = new RegExp(
      `~ eqiad/mw-web/main\\n    ~ Rollout/mediawiki-main\\n.*\\n        @@ -\\d+,7 \\+\\d+,7 @@\\n(        [ ].*\\n){3}` +
        `        -\\s+image: docker-registry.discovery.wmnet/restricted/mediawiki-webserver:${WEB_OLD}\\n` +
        `        \\+\\s+image: docker-registry.discovery.wmnet/restricted/mediawiki-webserver:${WEB_NEW}\\n`,
    );
    expect(changed.stdout).toMatch(hunk);
    expect(changed.stdout).not.toContain('\x1b[');

    // Back to the committed tag: nothing differs (exit 0 is main() returning process.exitCode, unset here).
    await fs.writeFile(images, original);
    const same = await runDiff({ source: 'render', configDir: 'environments', dist: 'dist', branch: 'main', projectDir: dir, patches: true });
    expect(same.changed).toBe(false);
    expect(await formatDiff(same)).toBe('no changes: the render of environments/ matches dist/\n');
  });
});

test('--stat keeps the listing without field diffs; colour paints - and + lines, only on a terminal that has not said no', async () => {
  await writeTree(path.join(project, 'dist'), fixtureTree(moved));
  await writeTree(path.join(project, 'old'), fixtureTree(config));
  const result = await runDiff({ against: 'old', branch: 'main', dist: 'dist', projectDir: project, patches: true });
  const stat = await runDiff({ against: 'old', branch: 'main', dist: 'dist', projectDir: project });
  const full = await formatDiff(result);
  const statText = await formatDiff(stat);
  expect(full).toMatch(/^ {8}@@ -\d+,\d+ \+\d+,\d+ @@$/m);
  expect(full).toMatch(/^ {8}-\s+(- )?image: \S+:2025-03-04-105954-publish-next$/m);
  expect(full).toMatch(/^ {8}\+\s+(- )?image: \S+:2025-05-05-000000-publish-next$/m);
  expect(statText).not.toContain('@@');
  // --stat is the full listing minus the field diffs.
  expect(statText).toBe(full.split('\n').filter((l) => !/^ {8}([-+ @])/.test(l) || /^ {8}image /.test(l)).join('\n'));
  expect(await formatDiff(result, true)).toMatch(/\x1b\[31m-\s+(- )?image: .*\x1b\[0m/);
  expect(useColor({ color: true }, {}, true)).toBe(true);
  expect(useColor({ color: true }, { NO_COLOR: '1' }, true)).toBe(false);
  expect(useColor({ color: false }, {}, true)).toBe(false);
  expect(useColor({ color: true, json: true }, {}, true)).toBe(false);
  expect(useColor({ color: true }, {}, false)).toBe(false);
});
