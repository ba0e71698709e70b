import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTree } from '../synth/tree-io.js';
import { copyCheckout, linkNodeModules, removeDir } from './support/checkout.js';
import { copySmallEnvironments } from './support/small-project.js';

// The command runs the bundle `npm ci` builds, rebuilding it first when a source is newer;
// MW_GITOPS_BUNDLE=0 runs the sources through tsx. Both must render the same bytes, and an edit
// must never be hidden behind a stale bundle. These runs render the small project
// (test/support/small-project.ts, in <checkout>/small/environments): which code runs does not
// depend on how many releases there are. That the full project renders the committed dist/ is
// checked through the bundle (synth.test.ts, the command's output), through the sources with
// tsx (synth.test.ts, `cdk8s synth` runs main.ts with tsx) and in process (synth.test.ts).
let checkout: string;
let configDir: string;
beforeAll(() => {
  checkout = copyCheckout();
  linkNodeModules(checkout);
  configDir = copySmallEnvironments(join(checkout, 'small'));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: checkout });
});
afterAll(() => removeDir(checkout));

const synth = (out: string, env: Record<string, string> = {}) =>
  execFileSync(process.execPath, ['bin/mw-gitops.js', 'synth', '--config-dir', configDir, '--out', out], { cwd: checkout, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });

test('the bundle and the sources render the same tree', async () => {
  synth(join(checkout, 'via-bundle'));
  synth(join(checkout, 'via-tsx'), { MW_GITOPS_BUNDLE: '0' });
  const viaBundle = await readTree(join(checkout, 'via-bundle'));
  expect(viaBundle.has('eqiad/mw-web/main/manifest.yaml')).toBe(true);
  expect(await readTree(join(checkout, 'via-tsx'))).toEqual(viaBundle);
});

test('--version prints the version in package.json, from the bundle and from the sources', () => {
  const { version } = JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')) as { version: string };
  for (const env of [{}, { MW_GITOPS_BUNDLE: '0' }]) {
    const out = execFileSync(process.execPath, ['bin/mw-gitops.js', '--version'], { cwd: checkout, env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(out).toBe(`${version}\n`);
  }
});

test('a fresh bundle is what runs; an edited construct rebuilds it before the run and takes effect at once', () => {
  const bundle = join(checkout, 'build/mw-gitops.mjs');
  const real = readFileSync(bundle, 'utf8');
  try {
    writeFileSync(bundle, 'process.exit(42);\n');
    const out = join(checkout, 'edited');
    const run = () => spawnSync(process.execPath, ['bin/mw-gitops.js', 'synth', '--config-dir', configDir, '--out', out], { cwd: checkout });
    expect(run().status).toBe(42);
    const pod = join(checkout, 'constructs/mediawiki-pod.ts');
    const edited = readFileSync(pod, 'utf8').replace('preStopSleepSeconds: 8', 'preStopSleepSeconds: 11');
    expect(edited).toContain('preStopSleepSeconds: 11');
    writeFileSync(pod, edited);
    expect(run().status).toBe(0);
    expect(readFileSync(bundle, 'utf8')).toMatch(/^import '\.\/b-[^']+\/index\.mjs';\n$/);
    expect(readFileSync(join(out, 'eqiad/mw-web/main/manifest.yaml'), 'utf8')).toMatch(/- \/bin\/sleep\n\s+- "11"/);
  } finally {
    writeFileSync(bundle, real);
  }
});
