import { App, Testing } from 'cdk8s';
import { profileInCluster } from '../../config/profile.js';
import { profiles } from '../../environments/index.js';
import { MediaWikiAppProject, type MediaWikiAppProjectProps } from '../../constructs/mediawiki-app-project.js';
import { MediaWikiRelease } from '../../constructs/mediawiki-release.js';
import { PercentOrCount } from '../../constructs/percent-or-count.js';
import { ReleaseDisruptionBudget } from '../../constructs/release-disruption-budget.js';
import { stepsForReplicas } from '../../constructs/replica-steps.js';
import { validateObjects } from '../../validate/index.js';
import { mwWebMain } from './release.js';
import { testChart } from './chart.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const production = profiles.find((p) => p.namespace === 'mw-web')!.steps.production;
const weights = (steps: ReturnType<typeof stepsForReplicas>) => steps.flatMap((s) => ('setWeight' in s ? [s.setWeight] : []));
/** Argo Rollouts' basic canary: the new ReplicaSet gets ceil(replicas × weight / 100) pods. */
const canaryPods = (replicas: number, weight: number) => Math.ceil((replicas * weight) / 100);

test('canary weights mean what they say for small releases: steps giving the same pod count merge, weights are the real share', () => {
  expect(weights(production)).toEqual([10, 25, 50]);
  // One replica: every weight is the whole release; one step with the last pause and analysis.
  expect(stepsForReplicas(production, 1)).toEqual([{ setWeight: 100 }, { pause: '10m' }, { analysis: true }]);
  // Two replicas: 10%, 25% and 50% are all one pod, 50% of the traffic.
  expect(stepsForReplicas(production, 2)).toEqual([{ setWeight: 50 }, { pause: '10m' }, { analysis: true }]);
  expect(weights(stepsForReplicas(production, 3))).toEqual([33, 66]);
  expect(weights(stepsForReplicas(production, 8))).toEqual([12, 25, 50]);
  // Large releases keep the steps as written.
  expect(stepsForReplicas(production, 352)).toEqual(production);
  expect(stepsForReplicas(production, 0)).toEqual(production);
  // For every size the written weight gives the pod count the profile's weight gave, and no two steps give the same.
  for (let replicas = 1; replicas <= 100; replicas++) {
    const derived = weights(stepsForReplicas(production, replicas));
    const pods = derived.map((w) => canaryPods(replicas, w));
    expect({ replicas, pods }).toEqual({ replicas, pods: [...new Set(weights(production).map((w) => canaryPods(replicas, w)))] });
    expect(derived.every((w, i) => w <= Math.round((pods[i] * 100) / replicas))).toBe(true);
  }
});

test('the Rollout of a small release renders the derived steps', () => {
  const chart = new MediaWikiRelease(new App(), 'r', { release: { ...mwWebMain(), replicas: 2 } });
  const rollout = Testing.synth(chart).find((o) => o.kind === 'Rollout')!;
  expect(rollout.spec.strategy.canary.steps.map((s: Any) => Object.keys(s)[0])).toEqual(['setWeight', 'pause']);
  expect(rollout.spec.strategy.canary.steps[0]).toEqual({ setWeight: 50 });
});

test("a testserver's check runs only the commands that probe its own release's ports", () => {
  const base = mwWebMain();
  const debug = profileInCluster(profiles.find((p) => p.namespace === 'mw-debug')!, { datacenter: 'eqiad' });
  const commands = [
    'httpbb /srv/deployment/httpbb-tests/appserver/* --hosts=mwdebug.discovery.wmnet --https_port=4444',
    'httpbb /srv/deployment/httpbb-tests/appserver/* --hosts=mwdebug.discovery.wmnet --https_port=4453',
    'curl -sf https://mwdebug.discovery.wmnet:4453/wiki/Main_Page',
    'true',
  ];
  const scriptOf = (release: string) => {
    const chart = new MediaWikiRelease(new App(), release, {
      release: { ...base, profile: debug, spec: { ...base.spec, namespace: 'mw-debug', release, stage: 'testservers' }, replicas: 2, ports: debug.ports[release], tlsPort: debug.ports[release].tls, checks: [{ kind: 'commands', commands }] },
    });
    const analysis = Testing.synth(chart).find((o) => o.kind === 'AnalysisTemplate')!;
    return analysis.spec.metrics[0].provider.job.spec.template.spec.containers[0].command[2];
  };
  expect(scriptOf('pinkunicorn')).toBe([commands[0], commands[3]].join('\n'));
  expect(scriptOf('next')).toBe([commands[1], commands[2], commands[3]].join('\n'));
});

test('a disruption budget always lets a drain evict one pod', () => {
  const chart = testChart();
  const props = { name: 'b', labels: {}, selector: { app: 'mediawiki' } };
  expect(() => new ReleaseDisruptionBudget(chart, 'Zero', { ...props, maxUnavailable: PercentOrCount.parse('0%') })).toThrow("'maxUnavailable' (0%) must let a node drain evict at least one pod");
  const debug = profileInCluster(profiles.find((p) => p.namespace === 'mw-debug')!, { datacenter: 'eqiad' });
  expect(debug.maxUnavailable).toBe('0');
  const release = new MediaWikiRelease(new App(), 'r', { release: { ...mwWebMain(), profile: debug, replicas: 2 } });
  expect(Testing.synth(release).find((o) => o.kind === 'PodDisruptionBudget')!.spec.maxUnavailable).toBe(1);
});

const projectProps: MediaWikiAppProjectProps = {
  name: 'mediawiki',
  argocdNamespace: 'argocd',
  sourceRepos: ['https://example.org/b.git', 'https://example.org/a.git', 'https://example.org/b.git'],
  destinations: [
    { name: 'wikikube-eqiad', namespace: 'mw-web' },
    { name: 'wikikube-codfw', namespace: 'mw-web' },
  ],
  namespacedKinds: [
    { group: 'argoproj.io', kind: 'Rollout' },
    { group: '', kind: 'Service' },
  ],
};

test('the AppProject lists what it admits once, sorted, and its sync windows pass the Argo CD CRD', () => {
  const chart = new MediaWikiAppProject(new App(), 'p', {
    ...projectProps,
    syncWindows: [
      { kind: 'deny', schedule: '0 22 * * *', duration: '10h', applications: ['*'], description: 'no deployments at night' },
      { kind: 'allow', schedule: '0 8 * * 1-4', duration: '8h', clusters: ['wikikube-*'], manualSync: true, timeZone: 'Europe/Berlin' },
    ],
  });
  const [project] = Testing.synth(chart);
  expect(project.metadata).toMatchObject({ name: 'mediawiki', namespace: 'argocd' });
  expect(project.spec.sourceRepos).toEqual(['https://example.org/a.git', 'https://example.org/b.git']);
  expect(project.spec.destinations.map((d: Any) => d.name)).toEqual(['wikikube-codfw', 'wikikube-eqiad']);
  expect(project.spec.namespaceResourceWhitelist).toEqual([{ group: '', kind: 'Service' }, { group: 'argoproj.io', kind: 'Rollout' }]);
  expect(project.spec.syncWindows[0]).toEqual({ kind: 'deny', schedule: '0 22 * * *', duration: '10h', applications: ['*'], manualSync: false, timeZone: 'UTC', description: 'no deployments at night' });
  const result = validateObjects([{ path: 'argocd/appproject.yaml', objects: [project] }], { registry: 'registry.example.org' });
  expect(result.violations).toEqual([]);
  expect(result.unvalidatedKinds).toEqual([]);
  // The CRD is what checks it: a misspelt field is found.
  project.spec.syncWindows[1].timezone = 'UTC';
  expect(validateObjects([{ path: 'argocd/appproject.yaml', objects: [project] }], { registry: 'registry.example.org' }).violations.map((v) => [v.rule, v.field])).toEqual([
    ['unknown-field', 'spec.syncWindows[1].timezone'],
  ]);
});

test('an AppProject that would admit nothing, or a window that selects nothing, is refused', () => {
  expect(() => new MediaWikiAppProject(new App(), 'p', { ...projectProps, sourceRepos: [] })).toThrow("AppProject mediawiki: 'sourceRepos' is empty, so no Application could sync");
  expect(() => new MediaWikiAppProject(new App(), 'p', { ...projectProps, syncWindows: [{ kind: 'deny', schedule: '* * * * *', duration: '1h' }] })).toThrow(
    'AppProject mediawiki: the deny sync window "* * * * *" selects no applications, namespaces or clusters, so it would apply to nothing',
  );
});
