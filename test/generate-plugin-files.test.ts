/**
 * The Argo CD side of the plugin: argocd/plugin.yaml and its ConfigMap, the repo-server sidecar
 * patch, the image, the example Applications, and the ApplicationSet's plugin mode (checked
 * against the ApplicationSet CRD's schema).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { ClusterApplicationSet, DEFAULT_PLUGIN_NAME, type ApplicationSetRelease } from '../constructs/cluster-application-set.js';
import { clusters, platform } from '../environments/index.js';
import { pruneForInstances } from '../validate/schema.js';
import { repoRoot } from './support/checkout.js';

type Obj = Record<string, any>;
const load = (file: string): Obj => parse(readFileSync(join(repoRoot, file), 'utf8')) as Obj;

describe('argocd/plugin.yaml', () => {
  const plugin = load('argocd/plugin.yaml');

  test('is a ConfigManagementPlugin whose name-version is what Applications ask for', () => {
    expect(plugin.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(plugin.kind).toBe('ConfigManagementPlugin');
    expect(`${plugin.metadata.name}-${plugin.spec.version}`).toBe(DEFAULT_PLUGIN_NAME);
  });

  test('generate runs `mw-gitops generate`; init and discovery match what generate needs', () => {
    expect(plugin.spec.generate.command).toEqual(['mw-gitops', 'generate']);
    expect(plugin.spec.init.command.length).toBeGreaterThan(0);
    // Discovery names the checkout's render entry, the file generate loads.
    expect(plugin.spec.discover.fileName).toBe('./cli/generate-entry.ts');
    expect(existsSync(join(repoRoot, plugin.spec.discover.fileName))).toBe(true);
    expect(plugin.spec.provideGitCreds).toBe(false);
  });

  test('announces the MW_CLUSTER, MW_NAMESPACE and MW_RELEASE parameters with titles and tooltips', () => {
    const params = plugin.spec.parameters.static as Obj[];
    expect(params.map((p) => p.name)).toEqual(['MW_CLUSTER', 'MW_NAMESPACE', 'MW_RELEASE']);
    for (const p of params) {
      expect(p.title).toEqual(expect.any(String));
      expect(p.tooltip).toEqual(expect.any(String));
      expect(p.collectionType).toBe('string');
    }
  });

  test('the ConfigMap carries exactly argocd/plugin.yaml', () => {
    const cm = load('argocd/plugin-configmap.yaml');
    expect(cm.kind).toBe('ConfigMap');
    expect(cm.data['plugin.yaml']).toBe(readFileSync(join(repoRoot, 'argocd/plugin.yaml'), 'utf8'));
  });
});

describe('argocd/repo-server-patch.yaml', () => {
  const patch = load('argocd/repo-server-patch.yaml');
  const spec = patch.spec.template.spec;
  const sidecar = (spec.containers as Obj[]).find((c) => c.name === 'mw-gitops')!;

  test('adds the sidecar to argocd-repo-server, running argocd-cmp-server as user 999', () => {
    expect(patch.kind).toBe('Deployment');
    expect(patch.metadata.name).toBe('argocd-repo-server');
    expect(sidecar.command).toEqual(['/var/run/argocd/argocd-cmp-server']);
    expect(sidecar.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999 });
    expect(sidecar.env).toEqual(expect.arrayContaining([{ name: 'HOME', value: '/tmp' }]));
  });

  test('mounts var-files, plugins, plugin.yaml from the ConfigMap, and its own /tmp', () => {
    const mounts = new Map((sidecar.volumeMounts as Obj[]).map((m) => [m.mountPath, m]));
    expect(mounts.get('/var/run/argocd')?.name).toBe('var-files');
    expect(mounts.get('/home/argocd/cmp-server/plugins')?.name).toBe('plugins');
    expect(mounts.get('/home/argocd/cmp-server/config/plugin.yaml')).toMatchObject({ subPath: 'plugin.yaml' });
    const volumes = new Map((spec.volumes as Obj[]).map((v) => [v.name, v]));
    const config = volumes.get(mounts.get('/home/argocd/cmp-server/config/plugin.yaml')!.name);
    expect(config?.configMap?.name).toBe(load('argocd/plugin-configmap.yaml').metadata.name);
    const tmp = mounts.get('/tmp')!;
    expect(tmp.name).not.toBe('tmp'); // not the repo-server's own tmp volume
    expect(volumes.get(tmp.name)?.emptyDir).toEqual({});
  });

  test("the image's Containerfile: node 20, runtime packages only, the command on PATH, user 999", () => {
    const containerfile = readFileSync(join(repoRoot, 'argocd/Containerfile'), 'utf8');
    expect(containerfile).toMatch(/^FROM node:20-slim$/m);
    expect(containerfile).toMatch(/npm ci --omit=dev/);
    expect(containerfile).toMatch(/\/usr\/local\/bin\/mw-gitops/);
    expect(containerfile).toMatch(/^USER 999$/m);
    // The paths it copies exist.
    for (const m of containerfile.matchAll(/^COPY (.+) \S+$/gm)) for (const src of m[1].split(' ')) expect(existsSync(join(repoRoot, src))).toBe(true);
  });
});

describe('example Applications', () => {
  test('rendered mode syncs a directory of the deployment repository', () => {
    const app = load('argocd/examples/application-rendered.yaml');
    expect(app.kind).toBe('Application');
    expect(app.spec.source.plugin).toBeUndefined();
    expect(app.spec.source.repoURL).toBe(platform.argocd.repoURL);
    expect(existsSync(join(repoRoot, 'dist', app.spec.source.path, 'manifest.yaml'))).toBe(true);
  });

  test('plugin mode names the plugin and gives MW_CLUSTER, MW_NAMESPACE, MW_RELEASE', () => {
    const app = load('argocd/examples/application-plugin.yaml');
    expect(app.spec.source.plugin.name).toBe(DEFAULT_PLUGIN_NAME);
    const env = Object.fromEntries((app.spec.source.plugin.env as Obj[]).map((e) => [e.name, e.value]));
    expect(env).toEqual({ MW_CLUSTER: 'eqiad', MW_NAMESPACE: 'mw-web', MW_RELEASE: 'main' });
    expect(app.spec.destination.namespace).toBe('mw-web');
  });
});

/** The ApplicationSet CRD's schema as validate/ reads it (extracted from schemas/crds/). */
function applicationSetSchema(): Obj {
  return JSON.parse(readFileSync(join(repoRoot, 'validate/schemas/crds/ApplicationSet.json'), 'utf8')) as Obj;
}

describe('ApplicationSet plugin mode', () => {
  const releases: ApplicationSetRelease[] = [
    { namespace: 'mw-web', release: 'canary', stage: 'canaries', deploy: true, path: 'eqiad/mw-web/canary', namespaceLabels: {} },
    { namespace: 'mw-web', release: 'main', stage: 'production', deploy: true, path: 'eqiad/mw-web/main', namespaceLabels: {} },
  ];
  const eqiad = clusters.find((c) => c.name === 'eqiad')!;
  const source = { repoURL: 'https://gitlab.wikimedia.org/repos/sre/mw-gitops.git', targetRevision: 'main', path: '.' };
  const synth = (cluster: typeof eqiad, plat: typeof platform): Obj => {
    // Not Testing.app(): it leaves a temporary output directory behind.
    const chart = new ClusterApplicationSet(new App({ outdir: '.' }), 'appset', { cluster, platform: plat, releases });
    return (chart.toJson() as Obj[])[0];
  };

  test("a cluster with argocdSource: plugin gets Applications that render the source repository through the plugin", () => {
    const appset = synth({ ...eqiad, argocdSource: 'plugin' }, { ...platform, argocd: { ...platform.argocd, plugin: source } });
    expect(appset.spec.template.spec.source).toEqual({
      repoURL: source.repoURL,
      targetRevision: 'main',
      path: '.',
      plugin: {
        name: DEFAULT_PLUGIN_NAME,
        env: [
          { name: 'MW_CLUSTER', value: 'eqiad' },
          { name: 'MW_NAMESPACE', value: '{{.namespace}}' },
          { name: 'MW_RELEASE', value: '{{.release}}' },
        ],
      },
    });
    // Everything else (progressive sync, destinations, sync policy) is as in rendered mode.
    const rendered = synth(eqiad, platform);
    expect({ ...appset.spec, template: { ...appset.spec.template, spec: { ...appset.spec.template.spec, source: null } } }).toEqual({
      ...rendered.spec,
      template: { ...rendered.spec.template, spec: { ...rendered.spec.template.spec, source: null } },
    });

    // The schema cut to the properties the object has, as validate/ does (a property the object
    // lacks cannot produce an error; `required` stays whole): compiling the whole 350 KB CRD
    // schema took seconds, this takes a tenth of one.
    const ajv = new Ajv.default({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(pruneForInstances(applicationSetSchema(), [appset]));
    expect(validate(appset) ? [] : validate.errors).toEqual([]);
  });

  test('rendered mode (the default) reads the deployment repository', () => {
    expect(synth(eqiad, platform).spec.template.spec.source).toEqual({ repoURL: platform.argocd.repoURL, targetRevision: platform.argocd.targetRevision, path: '{{.path}}' });
  });

  test('plugin mode without argocd.plugin in the platform is a clear error', () => {
    expect(() => synth({ ...eqiad, argocdSource: 'plugin' }, platform)).toThrow(/cluster eqiad renders through the Argo CD plugin .*argocd\.plugin/);
  });
});
