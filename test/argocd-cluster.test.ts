/**
 * What docs/argocd.md tells a cluster to apply is valid for the program that reads it, and fits
 * the committed render: argocd/cluster/argocd-cmd-params-cm.yaml against kubernetes-models'
 * schema, the rendered dist/argocd/appproject.yaml against Argo CD's own CRD
 * (schemas/crds/argo-cd-appproject-crd.yaml, byte for byte argoproj/argo-cd
 * manifests/crds/appproject-crd.yaml at 37ee0097c), and both against what
 * dist/argocd/<cluster>/applicationset.yaml and the manifests ask of them.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ConfigMap } from 'kubernetes-models/v1';
import { readYamlDocument, readYamlStream } from '../config/yaml-stream.js';
import { PROJECT } from './support/cli.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CLUSTER_DIR = join(PROJECT, 'argocd/cluster');
const CRD_FILE = join(PROJECT, 'schemas/crds/argo-cd-appproject-crd.yaml');
const CRD_SHA256 = 'ab225266944322750136f1198d93786e4a79a0e43c8d149abfba44da30a3eac8';

const read = (path: string): Obj => readYamlDocument(readFileSync(path, 'utf8')) as Obj;
const shipped = readdirSync(CLUSTER_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((file) => ({ file: `argocd/cluster/${file}`, object: read(join(CLUSTER_DIR, file)) }));
const PROJECT_FILE = 'dist/argocd/appproject.yaml';
/** Every object docs/argocd.md has a cluster apply once: the shipped ConfigMap and the rendered AppProject. */
const applied = [...shipped, { file: PROJECT_FILE, object: read(join(PROJECT, PROJECT_FILE)) }];
const ofKind = (kind: string): Obj => {
  const found = applied.filter((s) => s.object.kind === kind);
  expect(found).toHaveLength(1);
  return found[0].object;
};

const applicationSets: Obj[] = readdirSync(join(PROJECT, 'dist/argocd'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((cluster) => read(join(PROJECT, 'dist/argocd', cluster.name, 'applicationset.yaml')));

function validateAppProject(object: Obj): string[] {
  const crd = read(CRD_FILE);
  const version = (crd.spec.versions as Obj[]).find((v) => `${crd.spec.group}/${v.name}` === object.apiVersion);
  if (!version) return [`no version ${object.apiVersion} in the CRD`];
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: under NodeNext its default import is the module object.
  const formats = addFormatsModule as unknown as { default?: (ajv: Ajv) => Ajv };
  (formats.default ?? (addFormatsModule as unknown as (ajv: Ajv) => Ajv))(ajv);
  const validate = ajv.compile(version.schema.openAPIV3Schema as Obj);
  return validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Argo CD matches destination namespaces with globs (`mw-*`). */
function globMatches(glob: string, value: string): boolean {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);
}

test('the copied AppProject CRD is the upstream file, byte for byte', () => {
  expect(createHash('sha256').update(readFileSync(CRD_FILE)).digest('hex')).toBe(CRD_SHA256);
});

test('every manifest a cluster applies once validates against its schema', () => {
  expect(shipped.map((s) => s.object.kind)).toEqual(['ConfigMap']);
  expect(() => new ConfigMap(ofKind('ConfigMap') as ConstructorParameters<typeof ConfigMap>[0]).validate()).not.toThrow();
  expect(validateAppProject(ofKind('AppProject'))).toEqual([]);
});

test('the AppProject validator rejects what the CRD forbids', () => {
  const broken = structuredClone(ofKind('AppProject'));
  broken.spec.destinations[0].namespace = 7;
  broken.spec.sourceRepos = 'https://example.org/repo.git';
  expect(validateAppProject(broken)).toEqual(['/spec/destinations/0/namespace must be string', '/spec/sourceRepos must be array']);
});

test('the ConfigMap turns progressive syncs on, in the Argo CD namespace', () => {
  const configMap = ofKind('ConfigMap');
  expect(configMap.metadata).toMatchObject({ name: 'argocd-cmd-params-cm', namespace: applicationSets[0].metadata.namespace });
  expect(configMap.data['applicationsetcontroller.enable.progressive.syncs']).toBe('true');
});

test('every rendered ApplicationSet asks for progressive syncs, keeps resources when an Application goes, and asks for this AppProject, which admits all it generates', () => {
  const project = ofKind('AppProject');
  expect(applicationSets.length).toBeGreaterThan(0);
  for (const appSet of applicationSets) {
    const name = appSet.metadata.name as string;
    expect({ name, strategy: appSet.spec.strategy.type }).toEqual({ name, strategy: 'RollingSync' });
    expect({ name, preserve: appSet.spec.syncPolicy?.preserveResourcesOnDeletion }).toEqual({ name, preserve: true });
    expect({ name, namespace: appSet.metadata.namespace }).toEqual({ name, namespace: project.metadata.namespace });
    const template = appSet.spec.template.spec as Obj;
    expect({ name, project: template.project }).toEqual({ name, project: project.metadata.name });
    expect(project.spec.sourceRepos).toContain(template.source.repoURL);
    const destinations = (project.spec.destinations as Obj[]).filter((d) => d.name === template.destination.name);
    for (const element of appSet.spec.generators[0].list.elements as Obj[]) {
      const admitted = destinations.some((d) => globMatches(d.namespace as string, element.namespace as string));
      expect(element.namespaceLabels).toMatchObject({ 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' });
      expect({ name, destination: template.destination.name, namespace: element.namespace, admitted }).toMatchObject({ admitted: true });
    }
  }
});

test('the AppProject admits every kind the rendered manifests hold, and no more', () => {
  const project = ofKind('AppProject');
  const allowed = new Set((project.spec.namespaceResourceWhitelist as Obj[]).map((r) => `${r.group}/${r.kind}`));
  const rendered = new Set<string>();
  for (const cluster of readdirSync(join(PROJECT, 'dist'), { withFileTypes: true })) {
    if (!cluster.isDirectory() || cluster.name === 'argocd') continue;
    for (const file of readdirSync(join(PROJECT, 'dist', cluster.name), { recursive: true }) as string[]) {
      if (!file.endsWith('.yaml')) continue;
      const stream = readYamlStream(readFileSync(join(PROJECT, 'dist', cluster.name, file), 'utf8'));
      if (!stream.ok) throw new Error(`dist/${cluster.name}/${file}: ${stream.error.message}`);
      for (const value of stream.values) {
        const object = value as Obj | null;
        if (!object?.kind) continue;
        const group = (object.apiVersion as string).includes('/') ? (object.apiVersion as string).split('/')[0] : '';
        rendered.add(`${group}/${object.kind}`);
      }
    }
  }
  expect([...rendered].sort()).toEqual([...allowed].sort());
});

test('docs/argocd.md tells users to apply only manifests checked here, and says what progressive syncs change', () => {
  const doc = readFileSync(join(PROJECT, 'docs/argocd.md'), 'utf8');
  const mentioned = [...new Set(doc.match(/argocd\/cluster\/[\w.-]+\.yaml/g) ?? [])].sort();
  expect(mentioned).toEqual(shipped.map((s) => s.file));
  // The AppProject is applied from the deployment repository, where it sits as in dist/.
  expect(doc).toContain(`kubectl apply -f ${PROJECT_FILE.replace(/^dist\//, '')}`);
  expect(doc).toContain('applicationsetcontroller.enable.progressive.syncs: "true"');
  expect(doc).toMatch(/selfHeal/);
  expect(doc).toMatch(/preserveResourcesOnDeletion/);
});

test('what docs/argocd.md says a cluster gets is what the render holds: sync options, Pod Security levels, rollbackWindow, grace periods', () => {
  const doc = readFileSync(join(PROJECT, 'docs/argocd.md'), 'utf8');
  for (const appSet of applicationSets) {
    const options = /syncOptions: \[([^\]]*)\]/.exec(appSet.spec.templatePatch as string)![1].split(/,\s*/);
    for (const option of ['CreateNamespace=true', 'ServerSideApply=true']) {
      expect(options).toContain(option);
      expect(doc).toContain(option);
    }
    for (const element of appSet.spec.generators[0].list.elements as Obj[]) {
      for (const [label, level] of Object.entries(element.namespaceLabels as Record<string, string>)) {
        if (label.startsWith('pod-security.kubernetes.io/')) expect(doc).toMatch(new RegExp(`${label.replace(/[./]/g, '\\$&')}\`?[^\\n]*\\n?[^\\n]*\`${level}\``));
      }
    }
  }
  const manifest = readFileSync(join(PROJECT, 'dist/eqiad/mw-jobrunner/main/manifest.yaml'), 'utf8');
  const stream = readYamlStream(manifest);
  if (!stream.ok) throw new Error(stream.error.message);
  const rollout = (stream.values as Obj[]).find((o) => o?.kind === 'Rollout')!;
  expect(doc).toContain(`rollbackWindow: {revisions: ${rollout.spec.rollbackWindow.revisions}}`);
  expect(doc).toContain(`\`revisionHistoryLimit: ${rollout.spec.revisionHistoryLimit}\``);
  // The 8 s preStop sleep (longer than envoy's 3 s drain) plus php-fpm's 86400 s in mw-jobrunner.
  expect(doc).toMatch(/`DRAIN_TIME_S` is 3 s/);
  expect(doc).toMatch(/86400 s in\s+mw-jobrunner/);
  expect(doc).toMatch(/so 86408 s/);
  expect(rollout.spec.template.spec.terminationGracePeriodSeconds).toBe(8 + 86400);
});
