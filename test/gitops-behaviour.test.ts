/**
 * A fresh render of the real configuration behaves in a cluster as it reads (issue 13's
 * acceptance, on the objects of the default render): Applications keep their resources when deleted,
 * Rollouts carry only fields basic canary reads and can roll back at once, pods get the time
 * their drains and requests need, disruption budgets let drains evict, and every namespace
 * enforces a Pod Security level that admits its pods.
 */
import { lowestAdmittingLevel, podSecurityNeeds } from '../config/pod-security.js';
import type { KubeObject } from '../render/render.js';
import { defaultRender } from './support/default-render.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

// The render of environments/, shared with the other suites that read it (support/default-render.ts).
const render = await defaultRender();
const objects = (kind: string): { path: string; object: Any }[] =>
  render.files.flatMap((f) => f.objects.filter((o: KubeObject) => o.kind === kind).map((object) => ({ path: f.path, object: object as Any })));
const env = (container: Any, name: string): string | undefined => (container.env ?? []).find((e: Any) => e.name === name)?.value;

test('every ApplicationSet keeps the resources of an Application it deletes, and lets it label an existing namespace', () => {
  const appSets = objects('ApplicationSet');
  expect(appSets.length).toBe(3);
  for (const { path, object } of appSets) {
    expect({ path, policy: object.spec.syncPolicy }).toEqual({ path, policy: { preserveResourcesOnDeletion: true } });
    expect(object.spec.templatePatch).toMatch(/syncOptions: \[CreateNamespace=true, ServerSideApply=true,/);
    expect(object.spec.templatePatch).toContain('managedNamespaceMetadata:');
  }
});

test('no Rollout sets abortScaleDownDelaySeconds without trafficRouting, and every Rollout has a rollbackWindow within its history', () => {
  const rollouts = objects('Rollout');
  expect(rollouts.length).toBeGreaterThan(30);
  for (const { path, object } of rollouts) {
    const canary = object.spec.strategy.canary;
    if (!canary.trafficRouting) expect({ path, abort: canary.abortScaleDownDelaySeconds }).toEqual({ path, abort: undefined });
    expect(object.spec.rollbackWindow.revisions).toBeGreaterThan(0);
    expect(object.spec.rollbackWindow.revisions).toBeLessThanOrEqual(object.spec.revisionHistoryLimit);
  }
});

test("every workload's grace period covers its longest drain plus php-fpm's request timeout (mw-jobrunner's 86400 s too)", () => {
  const workloads = [...objects('Rollout'), ...objects('DaemonSet')];
  const timeouts = new Set<number>();
  for (const { path, object } of workloads) {
    const spec = object.spec.template.spec;
    const containers: Any[] = spec.containers;
    const requests = containers.map((c) => Number(env(c, 'FPM__request_terminate_timeout') ?? 0));
    const drains = containers.flatMap((c) => [Number(env(c, 'DRAIN_TIME_S') ?? 0), Number(/sleep (\d+)/.exec((c.lifecycle?.preStop?.exec?.command ?? []).join(' '))?.[1] ?? 0)]);
    requests.forEach((r) => timeouts.add(r));
    expect({ path, enough: spec.terminationGracePeriodSeconds >= Math.max(...drains) + Math.max(...requests) }).toEqual({ path, enough: true });
  }
  // mw-web's 201 s and mw-jobrunner's 86400 s (production's helmfile values) are both among them.
  expect(timeouts.has(201) && timeouts.has(86400)).toBe(true);
});

test('no PodDisruptionBudget blocks node drains (mw-debug included)', () => {
  const budgets = objects('PodDisruptionBudget');
  expect(budgets.some((b) => b.object.metadata.namespace === 'mw-debug')).toBe(true);
  for (const { path, object } of budgets) {
    expect({ path, blocks: [0, '0', '0%'].includes(object.spec.maxUnavailable) || object.spec.minAvailable === '100%' }).toEqual({ path, blocks: false });
  }
  expect(budgets.find((b) => b.object.metadata.namespace === 'mw-debug')!.object.spec.maxUnavailable).toBe(1);
});

test('every namespace enforces the lowest Pod Security level that admits its pods, and warns and audits at restricted', () => {
  const pods = new Map<string, unknown[]>();
  for (const { path, object } of [...objects('Rollout'), ...objects('DaemonSet')]) {
    const key = `${path.split('/')[0]}/${object.metadata.namespace}`;
    pods.set(key, [...(pods.get(key) ?? []), object.spec.template.spec]);
  }
  let checked = 0;
  for (const { object } of objects('ApplicationSet')) {
    for (const element of object.spec.generators[0].list.elements) {
      const specs = pods.get(`${element.cluster}/${element.namespace}`)!;
      // GeoIP hostPaths and SYS_PTRACE: nothing below privileged admits today's pods.
      expect(specs.every((s) => podSecurityNeeds(s).some((n) => n.level === 'privileged'))).toBe(true);
      expect(element.namespaceLabels).toMatchObject({
        'pod-security.kubernetes.io/enforce': lowestAdmittingLevel(specs),
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
      });
      checked++;
    }
  }
  expect(checked).toBe(render.index.releases.length);
});

test('a pod without host paths or added capabilities needs no more than restricted', () => {
  const [{ object }] = objects('Rollout');
  const spec = structuredClone(object.spec.template.spec);
  spec.volumes = spec.volumes.filter((v: Any) => !v.hostPath);
  for (const c of spec.containers) delete c.securityContext.capabilities.add;
  expect(podSecurityNeeds(spec)).toEqual([]);
  expect(lowestAdmittingLevel([spec])).toBe('restricted');
  spec.containers[0].securityContext.capabilities.add = ['CHOWN'];
  expect(lowestAdmittingLevel([spec])).toBe('baseline');
});
