/**
 * plan: the rollout read from rendered Rollouts (pods per step as Argo Rollouts' basic canary
 * scales them, gates, least time), and deployment windows (syncWindows against Argo CD's
 * AppProject CRD, when the next window opens). Pure parts in process; the command once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { formatPlan, planJson, planTree } from '../changes/plan.js';
import { DeploymentWindows, nextOpening, syncWindows, windowState, type DeploymentWindowInput } from '../config/windows.js';
import { checked } from '../config/profile.js';
import { ConfigError } from '../config/errors.js';
import { readYamlDocument } from '../config/yaml-stream.js';
import { windows } from '../environments/windows.js';
import { planRelease } from '../render/rollout-plan.js';
import type { ReleaseIndexEntry } from '../render/releases-index.js';
import { committedTree, PROJECT, runCli } from './support/cli.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('plan --json for eqiad/mw-web/main: canary pods are ceil(replicas × weight / 100), gates listed, least time is pauses + analyses', () => {
  // A Tuesday noon: inside every window.
  const r = runCli(['plan', '--cluster', 'eqiad', '--namespace', 'mw-web', '--release', 'main', '--json', '--at', '2026-12-01T12:00:00Z']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const plan = JSON.parse(r.stdout) as Obj;
  expect(plan.releases).toHaveLength(1);
  const release = plan.releases[0];
  expect(release).toMatchObject({ cluster: 'eqiad', namespace: 'mw-web', release: 'main', stage: 'production', deploy: true, workload: 'Rollout' });
  const weights = release.steps.filter((s: Obj) => s.kind === 'setWeight');
  expect(weights.length).toBeGreaterThan(1);
  for (const s of weights) {
    expect(s.canaryPods).toBe(Math.ceil((release.replicas * s.weight) / 100));
    expect(s.stablePods).toBe(Math.ceil((release.replicas * (100 - s.weight)) / 100));
  }
  expect(weights[weights.length - 1]).toMatchObject({ weight: 100, canaryPods: release.replicas, stablePods: 0 });
  const gates = release.steps.filter((s: Obj) => s.kind === 'analysis');
  expect(gates.length).toBeGreaterThan(0);
  expect(gates[0].gates[0].metrics[0]).toMatchObject({ provider: 'web', successCondition: expect.stringMatching(/^result <= \d+$/), count: 5, intervalSeconds: 60, minimumSeconds: 240 });
  const pauses = release.steps.filter((s: Obj) => s.kind === 'pause').reduce((n: number, s: Obj) => n + s.seconds, 0);
  const analyses = gates.reduce((n: number, s: Obj) => n + s.minimumSeconds, 0);
  expect(release.minimumSeconds).toBe(pauses + analyses);
  expect(release.window).toEqual({ open: true, opensAt: null, blockedBy: [] });
  expect(plan.minimumSeconds).toBe(release.minimumSeconds);
});

const entry = (over: Partial<ReleaseIndexEntry> = {}): ReleaseIndexEntry => ({
  cluster: 'eqiad', namespace: 'mw-web', release: 'main', application: 'mw-web-main-eqiad', stage: 'production', deploy: true,
  mwKind: 'image', mwFlavour: 'f', webFlavour: 'w', images: { app: 'a', httpd: 'h' }, replicas: 3, workload: 'Rollout', routedVia: 'main',
  nodePorts: [], path: 'eqiad/mw-web/main/manifest.yaml', ...over,
});
const rollout = (replicas: number, steps: Obj[], canary: Obj = {}) => ({ kind: 'Rollout', metadata: { name: 'r' }, spec: { replicas, strategy: { canary: { ...canary, steps } } } });

test('small replica counts: both sides round up (Argo Rollouts keeps one pod of each), surge and unavailability bound each step', () => {
  const plan = planRelease(entry(), [rollout(3, [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }], { maxSurge: '25%', maxUnavailable: 0 })]);
  expect(plan.steps).toEqual([
    // 3 × 10% = 0.3 -> 1 new, 3 × 90% = 2.7 -> 3 stable; moving there: 3 + maxSurge (ceil 0.75 = 1) + 1 for the double rounding
    { kind: 'setWeight', weight: 10, canaryPods: 1, stablePods: 3, maxPods: 5, minAvailablePods: 3 },
    { kind: 'pause', seconds: null },
    { kind: 'setWeight', weight: 50, canaryPods: 2, stablePods: 2, maxPods: 5, minAvailablePods: 3 },
    { kind: 'setWeight', weight: 100, canaryPods: 3, stablePods: 0, maxPods: 4, minAvailablePods: 3 },
  ]);
  expect(plan).toMatchObject({ maxSurge: 1, maxUnavailable: 0, minimumSeconds: 0, manualPauses: 1 });
  // Both 0 after scaling: Kubernetes makes maxUnavailable 1.
  expect(planRelease(entry(), [rollout(2, [], { maxSurge: '10%', maxUnavailable: '10%' })])).toMatchObject({ maxSurge: 1, maxUnavailable: 0 });
  expect(planRelease(entry(), [rollout(2, [], { maxSurge: 0, maxUnavailable: '10%' })])).toMatchObject({ maxSurge: 0, maxUnavailable: 1 });
  expect(planRelease(entry({ workload: 'DaemonSet' }), [{ kind: 'DaemonSet' }])).toMatchObject({ workload: 'DaemonSet', steps: [], minimumSeconds: 0 });
});

test('plan --all of the committed render: stage order, manual releases marked, a table per release', () => {
  const plans = planTree(committedTree('dist'));
  const stages = plans.map((p) => p.stage);
  expect(stages).toEqual([...stages].sort((a, b) => ['testservers', 'canaries', 'production'].indexOf(a) - ['testservers', 'canaries', 'production'].indexOf(b)));
  expect(new Set(stages)).toEqual(new Set(['testservers', 'canaries', 'production']));
  const manual = plans.filter((p) => !p.deploy);
  expect(manual.length).toBeGreaterThan(0);
  const text = formatPlan(plans);
  for (const p of manual) expect(text).toContain(`${p.cluster}/${p.namespace}/${p.release} (`);
  expect(text).toMatch(/MANUAL: deploy: false/);
  expect(text).toMatch(/^ {2}step +action +new pods +stable pods +time$/m);
  expect(text.indexOf('== testservers ==')).toBeLessThan(text.indexOf('== canaries =='));
  expect(text.indexOf('== canaries ==')).toBeLessThan(text.indexOf('== production =='));
  // The total: stages in turn, the slowest automatic release of each.
  const json = planJson(plans);
  const slowest = (s: string) => Math.max(0, ...plans.filter((p) => p.stage === s && p.deploy).map((p) => p.minimumSeconds));
  expect(json.minimumSeconds).toBe(slowest('testservers') + slowest('canaries') + slowest('production'));
});

function validateAppProject(object: Obj): string[] {
  const crd = readYamlDocument(readFileSync(join(PROJECT, 'schemas/crds/argo-cd-appproject-crd.yaml'), 'utf8')) as Obj;
  const version = (crd.spec.versions as Obj[]).find((v) => `${crd.spec.group}/${v.name}` === object.apiVersion)!;
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: under NodeNext its default import is the module object.
  const formats = addFormatsModule as unknown as { default?: (ajv: Ajv) => Ajv };
  (formats.default ?? (addFormatsModule as unknown as (ajv: Ajv) => Ajv))(ajv);
  const validate = ajv.compile(version.schema.openAPIV3Schema as Obj);
  return validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

test('the configured windows, as AppProject syncWindows, validate against Argo CD\'s CRD; a wrong type does not', () => {
  // The rendered AppProject carries the configured windows.
  const project = readYamlDocument(readFileSync(join(PROJECT, 'dist/argocd/appproject.yaml'), 'utf8')) as Obj;
  expect(project.spec.syncWindows).toEqual(syncWindows(windows));
  expect(project.spec.syncWindows).toEqual([
    expect.objectContaining({ kind: 'deny', schedule: '0 16 * * 5', duration: '62h', manualSync: true, timeZone: 'UTC', applications: ['*'] }),
  ]);
  expect(validateAppProject(project)).toEqual([]);
  project.spec.syncWindows[0].manualSync = 'yes';
  expect(validateAppProject(project)).toEqual(['/spec/syncWindows/0/manualSync must be boolean']);
});

test('the weekend freeze: closed from Friday 16:00 UTC, opening Monday 06:00; working-hours allow windows open next morning', () => {
  expect(windowState(windows, new Date('2026-12-04T15:59:00Z')).open).toBe(true);
  const friday = new Date('2026-12-04T16:00:00Z');
  expect(windowState(windows, friday)).toEqual({ open: false, blockedBy: [windows[0].description] });
  expect(nextOpening(windows, friday)?.toISOString()).toBe('2026-12-07T06:00:00.000Z');
  expect(nextOpening(windows, new Date('2026-12-06T23:00:00Z'))?.toISOString()).toBe('2026-12-07T06:00:00.000Z');

  const working = checked('environments/windows.ts', DeploymentWindows, [
    { kind: 'allow', schedule: '0 9 * * 1-5', duration: '8h', description: 'working hours' },
    { kind: 'deny', schedule: '0 16 * * 5', duration: '62h', description: 'weekend' },
  ] satisfies DeploymentWindowInput[]);
  expect(nextOpening(working, new Date('2026-12-01T18:00:00Z'))?.toISOString()).toBe('2026-12-02T09:00:00.000Z');
  // Friday 16:30: the allow window is still active, the deny window wins; Monday 09:00 it opens.
  expect(nextOpening(working, new Date('2026-12-04T16:30:00Z'))?.toISOString()).toBe('2026-12-07T09:00:00.000Z');
});

test('a bad window names the file and field', () => {
  const bad = (w: Obj) => () => checked('environments/windows.ts', DeploymentWindows, [{ kind: 'deny', schedule: '0 16 * * 5', duration: '1h', description: 'x', ...w }]);
  expect(bad({ schedule: '0 16 * 5' })).toThrow(ConfigError);
  expect(bad({ schedule: '0 16 * 5' })).toThrow(/environments\/windows\.ts.*\[0\]\.schedule.*five-field cron/);
  expect(bad({ schedule: '0 25 * * 5' })).toThrow(/schedule.*not a cron schedule/);
  expect(bad({ duration: '2d' })).toThrow(/duration/);
});
