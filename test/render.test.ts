import { parse } from 'yaml';
import { readYamlStream } from '../config/yaml-stream.js';
import { renderProject, type KubeObject } from '../render/render.js';
import type { ReleasesIndex } from '../render/releases-index.js';
import { COLLAPSED, inputsFrom } from './support/fixtures.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT } from './support/cli.js';

const defaultInputs = () =>
  inputsFrom(readFileSync(join(PROJECT, 'environments/deployments.yaml'), 'utf8'), readFileSync(join(PROJECT, 'environments/images.yaml'), 'utf8'));

/** The objects of one rendered file, parsed from its text once (the tests only read them). */
const parsed = new WeakMap<ReadonlyMap<string, string>, Map<string, KubeObject[]>>();
const objectsOf = (tree: ReadonlyMap<string, string>, path: string): KubeObject[] => {
  if (!parsed.has(tree)) parsed.set(tree, new Map());
  const files = parsed.get(tree)!;
  if (!files.has(path)) {
    const text = tree.get(path);
    if (text === undefined) throw new Error(`${path} was not rendered`);
    const stream = readYamlStream(text);
    if (!stream.ok) throw new Error(`${path}: ${stream.error.message}`);
    files.set(path, stream.values.filter((o) => o !== null) as KubeObject[]);
  }
  return files.get(path)!;
};
const find = (objects: KubeObject[], kind: string, name?: string): any =>
  objects.find((o) => o.kind === kind && (name === undefined || (o.metadata as { name: string }).name === name));

/** The first render of the default inputs in this process; 'rendering is deterministic' renders them again. */
const defaultRender = renderProject(defaultInputs());

describe('the default render', () => {
  const { tree, index } = defaultRender;
  const main = objectsOf(tree, 'eqiad/mw-web/main/manifest.yaml');
  const rollout = find(main, 'Rollout');
  const containers: any[] = rollout.spec.template.spec.containers;
  const container = (suffix: string) => containers.find((c) => c.name === `mediawiki-main-${suffix}`);

  test('mw-web main is a Rollout of 352 pods stepping through weights with pauses and analysis', () => {
    expect(rollout.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(rollout.spec.replicas).toBe(352);
    const steps = rollout.spec.strategy.canary.steps;
    expect(steps.filter((s: any) => 'setWeight' in s).map((s: any) => s.setWeight)).toEqual([10, 25, 50]);
    expect(steps[1]).toEqual({ pause: { duration: '5m' } });
    expect(steps[2].analysis.templates).toEqual([{ templateName: 'mediawiki-main-production-supervision' }]);
    expect(rollout.spec.selector.matchLabels).toEqual({ app: 'mediawiki', release: 'main' });
  });

  test('the app container runs the publish-83 image of the image kind; httpd the web flavour', () => {
    const images = parse(readFileSync(join(PROJECT, 'environments/images.yaml'), 'utf8'));
    expect(container('app').image).toBe(`${images.registry}/restricted/mediawiki-multiversion:${images.mw_flavours['publish-83'].tag}`);
    expect(container('httpd').image).toBe(`${images.registry}/restricted/mediawiki-webserver:${images.web_flavours['webserver-bookworm'].tag}`);
  });

  test('the pod has httpd, app, exporters, TLS proxy and rsyslog with today\'s ports, env and probes', () => {
    expect(containers.map((c) => c.name)).toEqual([
      'mediawiki-main-httpd',
      'mediawiki-main-app',
      'mediawiki-main-httpd-exporter',
      'mediawiki-main-php-fpm-exporter',
      'mediawiki-main-tls-proxy',
      'mediawiki-main-rsyslog',
    ]);
    expect(container('httpd').ports).toEqual([
      { name: 'httpd', containerPort: 8080 },
      { name: 'php-metrics', containerPort: 9181 },
    ]);
    expect(container('httpd').readinessProbe).toEqual({ httpGet: { path: '/healthz', port: 'php-metrics' } });
    const env = Object.fromEntries(container('app').env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ SERVERGROUP: 'kube-mw-web', FPM__pm__max_children: '8', PHP__max_execution_time: '210', MCROUTER_SERVER: '10.64.72.12:4442' });
    expect(env.PHP__opcache__validate_timestamps).toBeUndefined();
    expect(container('tls-proxy').ports[0]).toEqual({ name: 'tls', containerPort: 4450 });
    expect(container('app').resources).toEqual({ requests: { cpu: '4500m', memory: '3274Mi' }, limits: { memory: '5274Mi' } });
  });

  test('SERVERGROUP is suffixed for next and migration, not for canary', () => {
    const servergroup = (release: string) =>
      find(objectsOf(tree, `eqiad/mw-web/${release}/manifest.yaml`), 'Rollout').spec.template.spec.containers[1].env.find((e: any) => e.name === 'SERVERGROUP').value;
    expect(['main', 'canary', 'next', 'migration'].map(servergroup)).toEqual(['kube-mw-web', 'kube-mw-web', 'kube-mw-web-next', 'kube-mw-web-migration']);
  });

  test('main and next get TLS NodePort Services; canary and migration are routed via main with none', () => {
    const service = find(main, 'Service');
    expect(service.spec).toMatchObject({ type: 'NodePort', selector: { app: 'mediawiki', routed_via: 'main' } });
    expect(service.spec.ports[0]).toMatchObject({ port: 4450, nodePort: 4450, targetPort: 'tls' });
    expect(find(objectsOf(tree, 'eqiad/mw-web/next/manifest.yaml'), 'Service').spec.ports[0].nodePort).toBe(4454);
    expect(find(objectsOf(tree, 'eqiad/mw-api-ext/main/manifest.yaml'), 'Service').spec.ports[0].nodePort).toBe(4447);
    expect(find(objectsOf(tree, 'eqiad/mw-api-int/main/manifest.yaml'), 'Service').spec.ports[0].nodePort).toBe(4446);
    for (const release of ['canary', 'migration']) {
      const objects = objectsOf(tree, `eqiad/mw-web/${release}/manifest.yaml`);
      expect(find(objects, 'Service')).toBeUndefined();
      expect(find(objects, 'Rollout').spec.template.metadata.labels.routed_via).toBe('main');
    }
  });

  test('canaries are about 3% of main, as today', () => {
    const replicas = (ns: string) => index.releases.find((r) => r.cluster === 'eqiad' && r.namespace === ns && r.release === 'canary')!.replicas;
    expect([replicas('mw-web'), replicas('mw-api-ext'), replicas('mw-api-int')]).toEqual([11, 8, 6]);
  });

  test('the canary release deploys all its pods, observes, then runs the canaries analysis', () => {
    const steps = find(objectsOf(tree, 'eqiad/mw-web/canary/manifest.yaml'), 'Rollout').spec.strategy.canary.steps;
    expect(steps.map((s: any) => Object.keys(s)[0])).toEqual(['setWeight', 'pause', 'analysis']);
    expect(steps[0].setWeight).toBe(100);
  });

  test('ConfigMaps are named by content hash and the pod mounts exactly those', () => {
    const configMaps = main.filter((o) => o.kind === 'ConfigMap').map((o: any) => o.metadata.name);
    expect(configMaps).toContain(configMaps.find((n) => /^mediawiki-main-envoy-config-[0-9a-f]{10}$/.test(n)));
    const mounted = rollout.spec.template.spec.volumes.filter((v: any) => v.configMap).map((v: any) => v.configMap.name);
    expect(mounted.sort()).toEqual([...configMaps].sort());
    // The envoy config differs between main (4450) and next (4454), so its name does too.
    const nextEnvoy = objectsOf(tree, 'eqiad/mw-web/next/manifest.yaml').find((o: any) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('mediawiki-next-envoy-config-')) as any;
    expect(nextEnvoy.metadata.name.slice(-10)).not.toBe(configMaps.find((n) => n.startsWith('mediawiki-main-envoy-config-'))!.slice(-10));
  });

  test('eqiad and codfw differ only where the datacenter does', () => {
    const codfw = find(objectsOf(tree, 'codfw/mw-web/main/manifest.yaml'), 'Rollout');
    const env = Object.fromEntries(codfw.spec.template.spec.containers[1].env.map((e: any) => [e.name, e.value]));
    expect(env.MCROUTER_SERVER).toBe('10.192.72.12:4442');
    expect(codfw.spec.replicas).toBe(352);
  });

  test('every cluster has an ApplicationSet with one Application per release, synced by stage', () => {
    const [appset] = objectsOf(tree, 'argocd/eqiad/applicationset.yaml') as any[];
    expect(appset.kind).toBe('ApplicationSet');
    expect(appset.spec.template.metadata.name).toBe('{{.namespace}}-{{.release}}-eqiad');
    expect(appset.spec.template.metadata.labels).toMatchObject({ stage: '{{.stage}}', namespace: '{{.namespace}}', release: '{{.release}}' });
    const elements = appset.spec.generators[0].list.elements;
    expect(elements).toHaveLength(index.releases.filter((r) => r.cluster === 'eqiad').length);
    expect(elements.find((e: any) => e.namespace === 'mw-web' && e.release === 'main')).toMatchObject({ stage: 'production', deploy: 'true', path: 'eqiad/mw-web/main' });
    expect(appset.spec.strategy.rollingSync.steps.map((s: any) => s.matchExpressions[0].values[0])).toEqual(['testservers', 'canaries', 'production']);
    expect(appset.spec.templatePatch).toContain('{{- if eq .deploy "true" }}');
    expect(appset.spec.template.spec.source.repoURL).toMatch(/^https:/);
  });

  test('releases.json indexes every release with its stage, deploy, images and replicas', () => {
    const parsed = JSON.parse(tree.get('releases.json')!) as ReleasesIndex;
    expect(parsed.clusters).toEqual(['codfw', 'eqiad', 'staging']);
    expect(parsed.releases.find((r) => r.application === 'mw-web-main-eqiad')).toMatchObject({
      stage: 'production',
      deploy: true,
      replicas: 352,
      nodePorts: [4450],
      path: 'eqiad/mw-web/main/manifest.yaml',
    });
    expect(parsed.unmanaged.map((u) => u.namespace)).toContain('mw-cron');
  });

  test('the staging cluster caps replicas', () => {
    expect(index.releases.find((r) => r.cluster === 'staging' && r.namespace === 'mw-web')!.replicas).toBe(2);
  });
});

test('the seed collapsed example: next on publish-8.1, canary in canaries routed via main with no Service', () => {
  const { tree, index } = renderProject(inputsFrom(COLLAPSED));
  const next = find(objectsOf(tree, 'eqiad/mw-web/next/manifest.yaml'), 'Rollout');
  expect(next.spec.template.spec.containers[1].image).toBe('registry.example.org/restricted/mediawiki-multiversion:2024-10-01-000000-publish-8.1');
  const canary = index.releases.find((r) => r.application === 'mw-web-canary-eqiad')!;
  expect(canary).toMatchObject({ stage: 'canaries', routedVia: 'main', nodePorts: [], mwFlavour: 'publish-7.4' });
  expect(find(objectsOf(tree, 'eqiad/mw-web/canary/manifest.yaml'), 'Service')).toBeUndefined();
  // No supervision rules in this shape: analysis steps fall away, weights and pauses stay.
  expect(find(objectsOf(tree, 'eqiad/mw-web/main/manifest.yaml'), 'Rollout').spec.strategy.canary.steps.some((s: any) => 'analysis' in s)).toBe(false);
});

test('rendering is deterministic', () => {
  // A second render in the same process (after the first and the collapsed example) repeats the first.
  const a = defaultRender.tree;
  const b = renderProject(defaultInputs()).tree;
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [path, text] of a) expect(b.get(path)).toBe(text);
});
