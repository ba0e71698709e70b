/**
 * The validation pass on real renders: the default render validates clean (content checks
 * included, docs/validate.md); a profile edit, a
 * typo through a construct's escape hatch and a NodePort given twice each produce their own
 * listed violation, `validate` exits 2 and leaves the tree as it was, and synth refuses to write.
 * The command runs as a process once per outcome (clean, violations); the rest is in process.
 * The clean outcome is the full project's; the mistakes are made in the small project
 * (test/support/small-project.ts), which has both releases they involve (eqiad mw-web main and
 * mw-api-int main): what is caught does not depend on the releases around them. The content
 * checks of the clean render run once, in the command; the in-process passes skip them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiObject, App } from 'cdk8s';
import * as environments from '../environments/index.js';
import { MediaWikiRelease } from '../constructs/mediawiki-release.js';
import { setRawJson } from '../constructs/raw-json.js';
import { runSynth } from '../synth/index.js';
import { runValidate } from '../cli/commands/validate.js';
import { readTree, writeTreeAtomically } from '../synth/tree-io.js';
import { UserError } from '../config/errors.js';
import type { ServiceProfile } from '../config/profile.js';
import { parseInputs, type ProjectInputs, type TypedConfig } from '../render/inputs.js';
import { SERVICES, SITES } from './support/fixtures.js';
import { manifestText, renderProject, type RenderResult } from '../render/render.js';
import { resolveRelease } from '../render/resolve.js';
import { RULES, profilePolicyExceptions, reportJson, validateRender, type ValidationResult } from '../validate/index.js';
import { PROJECT, committedTree, runCli, tempDir } from './support/cli.js';
import { SMALL_DEPLOYMENTS, copySmallEnvironments } from './support/small-project.js';
import './support/content-programs.js'; // waits for apache2, php-fpm and rsyslogd to be installed (scripts/test.sh)

const files = (deployments = readFileSync(join(PROJECT, 'environments/deployments.yaml'), 'utf8')) => ({
  deployments: { file: 'environments/deployments.yaml', text: deployments },
  images: { file: 'environments/images.yaml', text: readFileSync(join(PROJECT, 'environments/images.yaml'), 'utf8') },
  sites: SITES,
  services: SERVICES,
});

function typedWith(editProfile: (p: ServiceProfile) => ServiceProfile): TypedConfig {
  return { ...environments, profiles: environments.profiles.map(editProfile) };
}

function inputsWith(editProfile: (p: ServiceProfile) => ServiceProfile = (p) => p, deployments?: string): ProjectInputs {
  return parseInputs(files(deployments), typedWith(editProfile));
}

/** Two of the three mistakes: mw-web's httpd loses its limits, mw-api-int main takes mw-web main's NodePort 4450. */
function breakProfiles(p: ServiceProfile): ServiceProfile {
  if (p.namespace === 'mw-web') return { ...p, resources: { ...p.resources, httpd: { requests: p.resources.httpd.requests } } };
  if (p.namespace === 'mw-api-int') return { ...p, ports: { ...p.ports, main: { tls: 4450 } } };
  return p;
}

function validate(render: RenderResult, inputs: ProjectInputs): ValidationResult {
  return validateRender(render, { registry: inputs.images.registry, policyExceptions: profilePolicyExceptions(inputs.profiles) });
}

let work: ReturnType<typeof tempDir>;
beforeEach(() => (work = tempDir()));
afterEach(() => work.cleanup());

test('the default render validates clean, as the command and as written by synth', async () => {
  const run = runCli(['validate']);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const checked = /^Checked (\d+) objects against (\d+) rules: no violations\.\n/.exec(run.stdout);
  expect(checked).not.toBeNull();
  expect(Number(checked![1])).toBeGreaterThan(100);
  expect(Number(checked![2])).toBe(RULES.length);
  // The content checks ran too, every program present (CI installs them), and found nothing.
  expect(run.stdout).toMatch(/\nContent checks: apache2 \d+, envoy \d+, php-fpm8\.2 \d+, rsyslogd \d+ config files in \d+ program runs: no violations\.\n/);
  expect(run.stdout).not.toContain('skipped:');

  // What synth writes is the committed dist/ (synth.test.ts proves it byte for byte): the same
  // objects validate clean from disk. The content checks of this very tree ran in the command above.
  const out = join(work.path, 'dist');
  await writeTreeAtomically(out, committedTree('dist'));
  const report = JSON.parse(JSON.stringify(reportJson(await runValidate({ configDir: join(PROJECT, 'environments'), dist: out, contentChecks: false }))));
  expect(report).toMatchObject({ ok: true, checkedObjects: Number(checked![1]), violations: [] });
  expect(report.rules).toHaveLength(RULES.length);
  expect(report.unvalidatedKinds).toEqual(['cert-manager.io/v1 Certificate']);
});

describe('each broken input produces its own listed violation, exit 2, and the tree stays as it was', () => {
  // GIVEN three independent mistakes
  // 1. a profile edited to drop a container's limits (mw-web's httpd),
  // 2. a second release given the same NodePort (mw-api-int main takes mw-web main's 4450),
  const inputs = inputsWith(breakProfiles, SMALL_DEPLOYMENTS);
  const render = renderProject(inputs);
  // 3. a typo added through the constructs' escape hatch (setRawJson on the eqiad mw-web main Service;
  //    a cdk8s JSON patch would not even survive the binding's converter).
  const target = 'eqiad/mw-web/main/manifest.yaml';
  const spec = inputs.deployments.releases.find((r) => r.cluster === 'eqiad' && r.namespace === 'mw-web' && r.release === 'main')!;
  const profile = inputs.profiles.find((p) => p.namespace === 'mw-web')!;
  const cluster = inputs.clusters.find((c) => c.name === 'eqiad')!;
  const chart = new MediaWikiRelease(new App({ outdir: '.' }), 'eqiad-mw-web-main', {
    release: resolveRelease(spec, profile, cluster, inputs.platform, inputs.images, inputs.deployments.supervisionRules, inputs.sites, inputs.mesh),
  });
  const service = chart.node.findAll().find((c) => c instanceof ApiObject && c.kind === 'Service') as ApiObject;
  setRawJson(service, ['spec', 'externalTrafficPolcy'], 'Local');
  const patched = chart.toJson() as Record<string, unknown>[];
  const files = render.files.map((f) => (f.path === target ? { path: f.path, objects: patched } : f));
  const tree = new Map(render.tree);
  tree.set(target, manifestText(patched));
  const broken = { ...render, files, tree };

  test('validateRender lists all three', () => {
    const result = validate(broken, inputs);
    const rules = new Set(result.violations.map((v) => v.rule));
    expect([...rules].sort()).toEqual(['node-port-unique', 'resources-memory-limit', 'unknown-field']);
    expect(result.violations.filter((v) => v.rule === 'unknown-field').map((v) => v.message)).toEqual([
      'Service mw-web/mediawiki-main-tls-service: unknown field "spec.externalTrafficPolcy"',
    ]);
    const limit = result.violations.find((v) => v.rule === 'resources-memory-limit' && v.object.path === target)!;
    expect(limit.message).toBe('Rollout mw-web/mediawiki-main: container "mediawiki-main-httpd" has no memory limit (resources.limits.memory)');
    const ports = result.violations.filter((v) => v.rule === 'node-port-unique' && v.object.path.startsWith('eqiad/'));
    expect(ports.map((v) => v.object.path).sort()).toEqual(['eqiad/mw-api-int/main/manifest.yaml', 'eqiad/mw-web/main/manifest.yaml']);
    expect(ports[0].message).toMatch(/nodePort 4450 is also used in cluster eqiad by Service mw-(web|api-int)\/mediawiki-main-tls-service/);
  });

  test('`validate --dist` exits 2, prints them grouped per object, and writes nothing', async () => {
    const out = join(work.path, 'dist');
    await writeTreeAtomically(out, tree);
    const before = await readTree(out);
    const run = runCli(['validate', '--dist', out]);
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(new RegExp(`^Checked \\d+ objects against ${RULES.length} rules: \\d+ violations in \\d+ objects\\.`));
    expect(run.stdout).toContain(
      [
        'eqiad/mw-web/main/manifest.yaml: Rollout mw-web/mediawiki-main',
        '  [resources-memory-limit] container "mediawiki-main-httpd" has no memory limit (resources.limits.memory)',
        '',
        'eqiad/mw-web/main/manifest.yaml: Service mw-web/mediawiki-main-tls-service',
        '  [unknown-field] unknown field "spec.externalTrafficPolcy"',
        '  [node-port-unique] nodePort 4450 is also used in cluster eqiad by Service mw-api-int/mediawiki-main-tls-service (eqiad/mw-api-int/main/manifest.yaml)',
      ].join('\n'),
    );
    expect(run.stdout).toMatch(/\nContent checks: apache2 \d+, envoy \d+, php-fpm8\.2 \d+, rsyslogd \d+ config files in \d+ program runs: no violations\.\n/);
    expect(run.stderr).toMatch(/^mw-gitops: validation failed: \d+ violations in \d+ objects \(listed above\)\.\n$/);
    // The same outcome as JSON; the content checks ran in the run above (and found nothing), so
    // this one turns them off, which leaves them out of the report.
    const json = runCli(['validate', '--dist', out, '--json', '--no-content-checks']);
    expect(json.status).toBe(2);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    expect(report.content).toBeUndefined();
    expect(new Set(report.violations.map((v: { rule: string }) => v.rule))).toEqual(new Set(['node-port-unique', 'resources-memory-limit', 'unknown-field']));
    expect(await readTree(out)).toEqual(before);
  });
});

test('synth refuses a render with violations: UserError listing each, the previous dist/ left untouched', async () => {
  // The previous dist/: what synth wrote for the project (the committed dist/, synth.test.ts).
  const out = join(work.path, 'dist');
  await writeTreeAtomically(out, committedTree('dist'));
  const before = await readTree(out);
  const configDir = copySmallEnvironments(work.path);
  const error = await runSynth({ configDir, out, typed: typedWith(breakProfiles) }).then(() => undefined, (err: unknown) => err);
  expect(error).toBeInstanceOf(UserError);
  const message = (error as UserError).message;
  expect(message).toContain('left untouched');
  expect(message).toContain('[resources-memory-limit] container "mediawiki-main-httpd" has no memory limit (resources.limits.memory)');
  expect(message).toMatch(/\[node-port-unique\] nodePort 4450 is also used in cluster eqiad by Service mw-api-int\/mediawiki-main-tls-service \(eqiad\/mw-api-int\/main\/manifest\.yaml\)/);
  expect(await readTree(out)).toEqual(before);
});

test('bad input to validate is a UserError (exit 2) with a clear message', async () => {
  const failure = (options: Parameters<typeof runValidate>[0]) => runValidate(options).then(() => undefined, (err: unknown) => err as UserError);
  const empty = await failure({ configDir: join(PROJECT, 'environments'), dist: join(work.path, 'nothing') });
  expect(empty).toBeInstanceOf(UserError);
  expect(empty?.message).toMatch(/--dist .*nothing: no files there/);
  // One committed release is tree enough for what the registry is about.
  const one = join(work.path, 'one-release');
  await writeTreeAtomically(one, committedTree('dist/eqiad/mw-web/main'));
  const noRegistry = await failure({ configDir: join(work.path, 'nowhere'), dist: one });
  expect(noRegistry).toBeInstanceOf(UserError);
  expect(noRegistry?.message).toMatch(/no image registry to check against: .*nowhere\/images\.yaml does not exist; pass --registry <host>/);
  // --registry stands in for the missing images.yaml (the content checks are not about the registry).
  const given = await runValidate({ configDir: join(work.path, 'nowhere'), dist: one, registry: 'docker-registry.discovery.wmnet', contentChecks: false });
  expect(given.checkedObjects).toBeGreaterThan(5);
  expect(given.violations).toEqual([]);
  const elsewhere = await runValidate({ configDir: join(work.path, 'nowhere'), dist: one, registry: 'registry.example.org', contentChecks: false });
  expect(elsewhere.violations.length).toBeGreaterThan(0);
});
