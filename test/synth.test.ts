/**
 * synth: the real command end to end (output, summary, warnings, exit codes); the rest (bad
 * input, what a second synth changes, determinism) through runSynth in this process.
 *
 * The full project is rendered once, by the command, from the project directory with the
 * relative config path as users run it (`fresh()`), and shared: it is the tree compared with the
 * committed dist/ and the good previous dist/ of the bad-input cases. Behaviour that is not about
 * the full project's content (what a second synth changes, the working directory) renders the
 * small project (test/support/small-project.ts).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSynth } from '../synth/index.js';
import { readTree } from '../synth/tree-io.js';
import { UserError } from '../config/errors.js';
import { PROJECT, committedTree, copyEnvironments, runCli, tempDir } from './support/cli.js';
import { copySmallEnvironments } from './support/small-project.js';

let work: ReturnType<typeof tempDir>;
beforeEach(() => (work = tempDir()));
afterEach(() => work.cleanup());

/** Computed on first use, once per file. */
function once<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}

const shared = once(() => tempDir());
afterAll(() => shared().cleanup());

/** The project rendered by the command (`synth --out`, from the project directory): its run and output directory. */
const fresh = once(() => {
  const out = join(shared().path, 'fresh');
  return { out, run: runCli(['synth', '--out', out]) };
});
const freshTree = once(async () => readTree(fresh().out));
const committed = once(() => committedTree('dist'));

test('the command writes the eqiad, codfw and staging trees, exits 0, and says when a second run changed nothing', () => {
  const { out, run } = fresh();
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^rendered \d+ releases \(codfw: \d+, eqiad: \d+, staging: \d+\) into /);
  for (const dir of ['eqiad', 'codfw', 'staging', 'argocd/eqiad']) expect(existsSync(join(out, dir))).toBe(true);
  expect(readFileSync(join(out, 'eqiad/mw-web/main/manifest.yaml'), 'utf8')).toContain('kind: Rollout');
  // Namespaces without a profile are named in one warning.
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/^warning: skipped \d+ namespaces without a service profile .*mw-cron/);
  expect(runCli(['synth', '--out', out]).stdout).toMatch(/is up to date/);
});

test('the command: a missing config file and a bad flag exit 2 with one message, nothing on stdout', () => {
  const missing = runCli(['synth', '--config-dir', join(work.path, 'nowhere'), '--out', join(work.path, 'dist')]);
  expect(missing.status).toBe(2);
  expect(missing.stdout).toBe('');
  expect(missing.stderr).toMatch(/^mw-gitops: .*deployments\.yaml: file not found/);
  expect(missing.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(join(work.path, 'dist'))).toBe(false);
  expect(runCli(['synth', '--bogus']).status).toBe(2);
});

test('the committed dist/ (what git has at HEAD) equals what the command renders from the inputs, byte for byte', async () => {
  // The command runs the bundle `npm ci` builds; bin.test.ts shows the bundle and the sources agree.
  const tree = await freshTree();
  expect([...committed().keys()].sort()).toEqual([...tree.keys()].sort());
  for (const [path, text] of tree) expect({ path, same: committed().get(path) === text }).toEqual({ path, same: true });
});

test('a second synth finds nothing to change; stale files of removed releases disappear', async () => {
  // The small project: what is rewritten or removed does not depend on how many releases there are.
  const out = join(work.path, 'dist');
  const configDir = copySmallEnvironments(work.path);
  expect((await runSynth({ configDir, out })).changed).toBe(true);
  expect((await runSynth({ configDir, out })).changed).toBe(false);
  expect((await readTree(out)).has('eqiad/mw-web/migration/manifest.yaml')).toBe(true);
  const deployments = join(configDir, 'deployments.yaml');
  const original = readFileSync(deployments, 'utf8');
  const edited = original.replace('      migration: {}\n    mw_flavour: publish-83\n    web_flavour: webserver-bookworm\n  - namespace: mw-api-int', '    mw_flavour: publish-83\n    web_flavour: webserver-bookworm\n  - namespace: mw-api-int');
  expect(edited).not.toBe(original);
  writeFileSync(deployments, edited);
  mkdirSync(join(out, 'eqiad/stray'), { recursive: true });
  writeFileSync(join(out, 'eqiad/stray/manifest.yaml'), 'kind: Leftover\n');
  expect((await runSynth({ configDir, out })).changed).toBe(true);
  const tree = await readTree(out);
  expect(tree.has('eqiad/mw-web/migration/manifest.yaml')).toBe(false);
  expect(tree.has('eqiad/mw-api-int/migration/manifest.yaml')).toBe(true);
  expect(tree.has('eqiad/stray/manifest.yaml')).toBe(false);
});

describe('bad input is a UserError (exit 2) naming the file and field, and leaves the previous dist/ untouched', () => {
  const cases: [string, string, (text: string) => string, RegExp][] = [
    ['an unknown flavour', 'deployments.yaml', (t) => t.replace('pinkllama: {deploy: false}\n    mw_kind', 'pinkllama: {deploy: false, mw_flavour: publish-99}\n    mw_kind'), /deployments\.yaml:\d+: deployment_targets\[2\]\.releases\.pinkllama\.mw_flavour: unknown mw flavour "publish-99": .*images\.yaml/],
    ['a YAML syntax error', 'images.yaml', (t) => t.replace('mw_flavours:', 'mw_flavours: [\n'), /images\.yaml:\d+: YAML syntax error/],
    ['a stage outside the three', 'deployments.yaml', (t) => t.replace('canary: {stage: canaries}', 'canary: {stage: staging}'), /deployments\.yaml:\d+: deployment_targets\[3\]\.releases\.canary\.stage: must be one of/],
    ['a namespace twice in one cluster', 'deployments.yaml', (t) => t.replace('clusters: [staging]\n  - namespace: mw-experimental', 'clusters: [eqiad]\n  - namespace: mw-experimental'), /deployment_targets\[1\]\.namespace: namespace "mw-debug" appears twice in cluster eqiad/],
    ['a tag that is not an OCI tag', 'images.yaml', (t) => t.replace('tag: 2025-03-04-105954-publish-83', 'tag: ../x'), /images\.yaml:\d+: mw_flavours\.publish-83\.tag: must be a valid OCI image tag/],
    ['a namespace that is not a DNS label', 'deployments.yaml', (t) => t.replace('namespace: mw-pretrain', 'namespace: ../x'), /deployments\.yaml:\d+: deployment_targets\[\d+\]\.namespace: must be a DNS label/],
    ['an empty file', 'images.yaml', () => '', /images\.yaml: the file is empty/],
  ];
  test.each(cases)('%s', async (_name, file, edit, message) => {
    const out = join(work.path, 'dist');
    const configDir = copyEnvironments(work.path);
    // The previous dist/: a synth of this very config (the unedited environments/), rendered once.
    cpSync(fresh().out, out, { recursive: true });
    const before = await freshTree();
    const path = join(configDir, file);
    const original = readFileSync(path, 'utf8');
    const edited = edit(original);
    expect(edited).not.toBe(original);
    writeFileSync(path, edited);
    const error = await runSynth({ configDir, out }).then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as UserError).message).toMatch(message);
    expect(await readTree(out)).toEqual(before);
  });
});

test('cdk8s synth (the cdk8s.yaml app) renders the same tree', async () => {
  const out = join(work.path, 'cdk8s-out');
  // The installed cdk8s command, without npx's own start-up in front of it.
  const run = spawnSync(process.execPath, [join(PROJECT, 'node_modules/.bin/cdk8s'), 'synth', '--output', out], {
    cwd: PROJECT,
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
    encoding: 'utf8',
  });
  expect(run.status).toBe(0);
  const viaCdk8s = await readTree(out);
  expect(viaCdk8s).toEqual(committed());
});

test('the rendered bytes do not depend on the working directory', async () => {
  // The small project, from its parent directory with the relative path (as users run it) and
  // from elsewhere with the absolute one: where synth runs from is not about how many releases.
  const configDir = copySmallEnvironments(work.path);
  const render = async (cwd: string, config: string, out: string) => {
    const before = process.cwd();
    try {
      process.chdir(cwd);
      await runSynth({ configDir: config, out });
    } finally {
      process.chdir(before);
    }
    return readTree(out);
  };
  const here = await render(work.path, 'environments', join(work.path, 'from-project'));
  expect(here.has('eqiad/mw-web/main/manifest.yaml')).toBe(true);
  expect(await render(PROJECT, configDir, join(work.path, 'from-elsewhere'))).toEqual(here);
});
