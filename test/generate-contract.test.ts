/**
 * Contract tests of `mw-gitops generate`, modelled on Argo CD's own plugin tests
 * (cmpserver/plugin/plugin_test.go, test/e2e/custom_tool_test.go): the real command runs as a
 * child process in a temporary copy of the repository, with the environment argocd-cmp-server
 * gives it, and must print exactly the dist/ bytes, or nothing and one line on error.
 *
 * Each run costs two node processes, the second loading the checkout's sources through tsx (2-3 s
 * on one core), so: one copy of the small project per file (test/support/generate-checkout.ts),
 * shared by the tests; one run per contract behaviour; independent runs of one test overlap. What needs no process
 * (selection, messages, failures before anything of the checkout loads) is tested in process in
 * generate-selection.test.ts.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { argoEnv, imageInstall, linkNodeModules, readText, removeDir, repoRoot, runCli, type CliRun } from './support/checkout.js';
import { copySmallCheckout, writeDist } from './support/generate-checkout.js';
import { runCliBytes } from './support/git.js';
import { readYamlDocument, readYamlStream } from '../config/yaml-stream.js';

interface IndexEntry {
  cluster: string;
  namespace: string;
  release: string;
  path: string;
}

let checkout: string;
let index: { releases: IndexEntry[] };
const dist = (path: string): string => readText(join(checkout, 'dist', path));

beforeAll(() => {
  checkout = copySmallCheckout();
  linkNodeModules(checkout);
  // The revision's own dist/, freshly rendered from its config by the installed command's synth
  // (the copy's sources are this checkout's; synth as a command is tested in synth.test.ts).
  writeDist(checkout);
  index = JSON.parse(dist('releases.json')) as { releases: IndexEntry[] };
});

afterAll(() => removeDir(checkout));

/**
 * Runs generate (eqiad/mw-web/main) with one file of the copy edited, and puts the file back
 * afterwards. An edited source (anything but environments/ YAML) makes the checkout's code differ
 * from the installed command's, so the render process loads the checkout's own sources.
 */
function generateEdited(file: string, edit: (text: string) => string, env: Record<string, string> = {}): CliRun {
  const path = join(checkout, file);
  const original = readFileSync(path, 'utf8');
  const edited = edit(original);
  expect(edited).not.toBe(original);
  writeFileSync(path, edited);
  try {
    return runCli(['generate'], checkout, { ...argoEnv(), ARGOCD_ENV_MW_CLUSTER: 'eqiad', ARGOCD_ENV_MW_NAMESPACE: 'mw-web', ARGOCD_ENV_MW_RELEASE: 'main', ...env });
  } finally {
    writeFileSync(path, original);
  }
}

function expectOneLineFailure(run: { status: number | null; stdout: Buffer; stderr: string }, pattern: RegExp): void {
  expect(run.stdout.length).toBe(0);
  expect(run.status).not.toBe(0);
  expect(run.status).not.toBeNull();
  const lines = run.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

/** Every file of the copy but node_modules, hashed: generate must not write into the checkout. */
function fingerprint(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (name === 'node_modules') continue;
      if (lstatSync(full).isDirectory()) walk(full);
      else hash.update(relative(dir, full)).update('\0').update(readFileSync(full)).update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex');
}

describe('generate in a copy of the repository, with the environment Argo CD gives', () => {
  test('one release: stdout is byte for byte dist/eqiad/mw-web/main/manifest.yaml, and the checkout is left as it was; its code is the installed one, which renders it', () => {
    const before = fingerprint(checkout);
    const run = runCli(['generate'], checkout, {
      ...argoEnv(),
      ARGOCD_ENV_MW_CLUSTER: 'eqiad',
      ARGOCD_ENV_MW_NAMESPACE: 'mw-web',
      ARGOCD_ENV_MW_RELEASE: 'main',
    });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(run.stdout.equals(readFileSync(join(checkout, 'dist/eqiad/mw-web/main/manifest.yaml')))).toBe(true);
    expect(fingerprint(checkout)).toBe(before);
    // The copy's code is byte for byte this command's: no render process, no tsx.
    expect(run.stderr).toMatch(/^mw-gitops generate: generated eqiad\/mw-web\/main\/manifest\.yaml .* with the installed code \(the checkout's is the same\)\n$/);
  });

  // mw-api-int: the namespace of the small project with two releases in eqiad (mw-web has four).
  test('no release (MW_RELEASE set to ""): every release of the namespace, in the order of releases.json', () => {
    const run = runCli(['generate'], checkout, { ...argoEnv('mw-api-int-eqiad', 'mw-api-int'), ARGOCD_ENV_MW_CLUSTER: 'eqiad', ARGOCD_ENV_MW_NAMESPACE: 'mw-api-int', ARGOCD_ENV_MW_RELEASE: '' });
    expect(run.status).toBe(0);
    const releases = index.releases.filter((r) => r.cluster === 'eqiad' && r.namespace === 'mw-api-int');
    expect(releases.map((r) => r.release)).toEqual(expect.arrayContaining(['main', 'migration']));
    expect(run.stdout.toString('utf8')).toBe(releases.map((r) => dist(r.path)).join(''));
    // A valid YAML stream of Kubernetes objects (what Argo CD's kube.SplitYAML reads).
    const stream = readYamlStream(run.stdout.toString('utf8'));
    if (!stream.ok) throw new Error(`generate printed a broken YAML stream: ${stream.error.message}`);
    const objects = stream.values as { apiVersion?: string; kind?: string; metadata?: { labels?: Record<string, string> } }[];
    expect(objects.every((o) => typeof o.apiVersion === 'string' && typeof o.kind === 'string')).toBe(true);
  });

  test('plugin parameters (ARGOCD_APP_PARAMETERS and PARAM_*) select like the plugin env', () => {
    const params = [
      { name: 'MW_CLUSTER', string: 'codfw' },
      { name: 'MW_NAMESPACE', string: 'mw-web' },
      { name: 'MW_RELEASE', string: 'main' },
    ];
    const run = runCli(['generate'], checkout, {
      ...argoEnv('mw-web-main-codfw'),
      ARGOCD_APP_PARAMETERS: JSON.stringify(params),
      PARAM_MW_CLUSTER: 'codfw',
      PARAM_MW_NAMESPACE: 'mw-web',
      PARAM_MW_RELEASE: 'main',
      ARGOCD_ENV_MW_RELEASE: '',
    });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(run.stdout.toString('utf8')).toBe(dist('codfw/mw-web/main/manifest.yaml'));
  });

  // Which names are unknown, and what the messages list, is tested in process (generate-selection.test.ts),
  // and so are the failures before anything of the checkout loads (no cluster, not a checkout);
  // here a user error from the checkout's render, through the real plugin command.
  test('unknown release: exit 2, empty stdout, one line naming what exists, no secrets', () => {
    const secret = 'glpat-Sup3rS3cretT0ken';
    const release = runCli(['generate'], checkout, {
      ...argoEnv(),
      GITLAB_TOKEN: secret,
      ARGOCD_ENV_MW_TOKEN: secret,
      ARGOCD_ENV_MW_CLUSTER: 'eqiad',
      ARGOCD_ENV_MW_NAMESPACE: 'mw-web',
      ARGOCD_ENV_MW_RELEASE: 'mian',
    });
    expectOneLineFailure(release, /unknown release "mian".*main/);
    expect(release.status).toBe(2);
    expect(release.stderr).not.toContain(secret);
  });

  test('a broken config in the checkout (YAML syntax error in environments/deployments.yaml): non-zero, empty stdout, one line naming the file', () => {
    const run = generateEdited('environments/deployments.yaml', (text) => `${text}\nbroken: [unclosed\n  - : :\n`);
    expectOneLineFailure(run, /environments\/deployments\.yaml.*YAML/);
    expect(run.stderr).not.toContain(checkout); // paths relative to the checkout
  });

  test('a broken construct (TypeScript syntax error): non-zero, empty stdout, one line naming the file', () => {
    const run = generateEdited('constructs/mediawiki-pod.ts', (text) => text.replace(/preStopSleepSeconds: /, 'preStopSleepSeconds: ( , '));
    expectOneLineFailure(run, /constructs\/mediawiki-pod\.ts/);
  });

  test('it renders the revision: an edited construct changes the output; its console.log and direct writes to fd 1 stay off stdout', () => {
    const original = dist('eqiad/mw-web/main/manifest.yaml');
    const sleep = /- \/bin\/sleep\n(\s+)- "(\d+)"/g;
    const current = sleep.exec(original);
    expect(current).not.toBeNull();
    const next = Number(current![2]) + 7;
    const run = generateEdited(
      'constructs/mediawiki-pod.ts',
      (text) => `import { writeSync as writeFd } from 'node:fs';\nwriteFd(1, 'written to fd 1\\n');\nconsole.log('debugging a construct');\n${text.replace(/preStopSleepSeconds: \d+/, `preStopSleepSeconds: ${next}`)}`,
    );
    expect(run.status).toBe(0);
    expect(run.stderr).not.toContain('with the installed code');
    // The grace period follows the longer drain: 7 s more of preStop sleep, 7 s more of grace.
    const expected = original
      .replace(sleep, (_, indent: string) => `- /bin/sleep\n${indent}- "${next}"`)
      .replace(/terminationGracePeriodSeconds: (\d+)/, (_, seconds: string) => `terminationGracePeriodSeconds: ${Number(seconds) + 7}`);
    expect(run.stdout.toString('utf8')).toBe(expected);
    expect(run.stderr).toContain('debugging a construct');
    expect(run.stderr).toContain('written to fd 1');
  });

  test('an unhandled rejection in the checkout: non-zero, empty stdout, one line', () => {
    const run = generateEdited('constructs/mediawiki-pod.ts', (text) => `void Promise.reject(new Error('lost promise in the checkout'));\n${text}`);
    expectOneLineFailure(run, /lost promise in the checkout/);
  });

  test("a TMPDIR that is not a writable directory: the checkout's own sources (a comment added) still render exactly the manifest", () => {
    // tsx caches its transforms in TMPDIR; only the checkout's own code goes through tsx.
    const run = generateEdited('constructs/mediawiki-pod.ts', (text) => `${text}\n// a comment: the checkout's code now differs from the installed command's\n`, { TMPDIR: join(checkout, 'package.json') });
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.status).toBe(0);
    expect(run.stdout.toString('utf8')).toBe(dist('eqiad/mw-web/main/manifest.yaml'));
  });
});

describe("plugin.yaml's init in a copy without node_modules", () => {
  test('before init generate says to link node_modules; init links them and generate works', () => {
    // The shared copy without its node_modules link (and without dist/, which generate never reads).
    const bare = mkdtempSync(join(tmpdir(), 'mw-gitops-cmp-bare-'));
    cpSync(checkout, bare, { recursive: true, filter: (src) => ![join(checkout, 'node_modules'), join(checkout, 'dist')].includes(src) });
    // A revision whose code is not the installed command's: its own sources need the packages.
    // (A checkout with the installed code renders with the installed packages, init or not.)
    const pod = join(bare, 'constructs', 'mediawiki-pod.ts');
    writeFileSync(pod, `${readFileSync(pod, 'utf8')}\n// this revision's own comment\n`);
    try {
      const env = { ...argoEnv('mw-web-main-codfw'), ARGOCD_ENV_MW_CLUSTER: 'codfw', ARGOCD_ENV_MW_NAMESPACE: 'mw-web', ARGOCD_ENV_MW_RELEASE: 'main' };
      expectOneLineFailure(runCli(['generate'], bare, env), /node_modules/);

      const plugin = readYamlDocument(readText(join(repoRoot, 'argocd/plugin.yaml'))) as { spec: { init: { command: string[]; args?: string[] } } };
      const [cmd, ...rest] = [...plugin.spec.init.command, ...(plugin.spec.init.args ?? [])];
      const init = spawnSync(cmd, rest, { cwd: bare, env: { ...env, MW_GITOPS_HOME: repoRoot }, encoding: 'utf8' });
      expect(init.status).toBe(0);
      expect(existsSync(join(bare, 'node_modules', 'cdk8s'))).toBe(true);
      // A second init (Argo CD runs it on every request) is harmless.
      expect(spawnSync(cmd, rest, { cwd: bare, env: { ...env, MW_GITOPS_HOME: repoRoot } }).status).toBe(0);

      const run = runCli(['generate'], bare, env);
      expect(run.status).toBe(0);
      expect(run.stdout.toString('utf8')).toBe(dist('codfw/mw-web/main/manifest.yaml'));
    } finally {
      removeDir(bare);
    }
  });
});


describe('the plugin image (what argocd/Containerfile copies) rendering a checkout elsewhere', () => {
  test('its command loads (help lists generate) and generate renders the checkout, not the image copy', async () => {
    const image = imageInstall();
    try {
      const command = join(image, 'bin', 'mw-gitops.js');
      // The image's constructs differ from the checkout's: the checkout's must win.
      const pod = join(image, 'constructs', 'mediawiki-pod.ts');
      writeFileSync(pod, readFileSync(pod, 'utf8').replace(/preStopSleepSeconds: \d+/, 'preStopSleepSeconds: 99'));
      // Independent runs (help builds the image's bundle; generate renders the checkout's sources): they overlap.
      const [help, run] = await Promise.all([
        runCliBytes(['--help'], image, argoEnv(), command),
        runCliBytes(['generate'], checkout, { ...argoEnv(), ARGOCD_ENV_MW_CLUSTER: 'eqiad', ARGOCD_ENV_MW_NAMESPACE: 'mw-web', ARGOCD_ENV_MW_RELEASE: 'main' }, command),
      ]);
      expect(help.code).toBe(0);
      expect(help.stdout.toString('utf8')).toMatch(/\bgenerate\b/);
      expect(run.code).toBe(0);
      expect(run.stdout.toString('utf8')).toBe(dist('eqiad/mw-web/main/manifest.yaml'));
    } finally {
      removeDir(image);
    }
  });
});
