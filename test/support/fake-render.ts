/**
 * A small fake render (until the real synth is wired into these tests): the documented dist/
 * layout with releases.json in its documented shape, one multi-doc manifest.yaml per release,
 * an ApplicationSet per cluster and a README. Deterministic.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ReleaseIndexEntry, ReleasesIndex } from '../../render/releases-index.js';

export interface FixtureRelease {
  readonly cluster: string;
  readonly namespace: string;
  readonly release: string;
  readonly mwFlavour: string;
  readonly webFlavour: string;
}

export interface FixtureConfig {
  readonly clusters: readonly string[];
  readonly releases: readonly FixtureRelease[];
  /** flavour -> tag */
  readonly mwTags: Readonly<Record<string, string>>;
  readonly webTags: Readonly<Record<string, string>>;
}

const REGISTRY = 'docker-registry.discovery.wmnet';

export function defaultConfig(): FixtureConfig {
  const releases: FixtureRelease[] = [];
  for (const cluster of ['eqiad', 'codfw']) {
    releases.push(
      { cluster, namespace: 'mw-web', release: 'main', mwFlavour: 'publish-83', webFlavour: 'webserver' },
      { cluster, namespace: 'mw-web', release: 'canary', mwFlavour: 'publish-83', webFlavour: 'webserver' },
      { cluster, namespace: 'mw-web', release: 'next', mwFlavour: 'publish-next', webFlavour: 'webserver' },
      { cluster, namespace: 'mw-api-ext', release: 'main', mwFlavour: 'publish-83', webFlavour: 'webserver' },
    );
  }
  releases.push({ cluster: 'staging', namespace: 'mw-web', release: 'main', mwFlavour: 'publish-next', webFlavour: 'webserver' });
  return {
    clusters: ['eqiad', 'codfw', 'staging'],
    releases,
    mwTags: { 'publish-83': '2025-03-04-105954-publish-83', 'publish-next': '2025-03-04-105954-publish-next' },
    webTags: { webserver: '2025-03-04-105954-webserver' },
  };
}

function images(r: FixtureRelease, c: FixtureConfig) {
  return {
    app: `${REGISTRY}/restricted/mediawiki-multiversion:${c.mwTags[r.mwFlavour]}`,
    httpd: `${REGISTRY}/restricted/mediawiki-webserver:${c.webTags[r.webFlavour]}`,
  };
}

function manifest(r: FixtureRelease, c: FixtureConfig): string {
  const name = `${r.namespace}-${r.release}`;
  const img = images(r, c);
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}-php-config
  namespace: ${r.namespace}
data:
  SERVERGROUP: kube-${r.namespace}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: ${name}
  namespace: ${r.namespace}
  labels:
    release: ${r.release}
spec:
  replicas: ${r.release === 'main' ? 8 : 1}
  template:
    spec:
      containers:
        - name: httpd
          image: ${img.httpd}
        - name: app
          image: ${img.app}
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${r.namespace}
spec:
  type: NodePort
`;
}

export function fixtureTree(c: FixtureConfig = defaultConfig()): Map<string, string> {
  const files = new Map<string, string>();
  const entries: ReleaseIndexEntry[] = [];
  for (const r of c.releases) {
    const p = `${r.cluster}/${r.namespace}/${r.release}/manifest.yaml`;
    files.set(p, manifest(r, c));
    entries.push({
      cluster: r.cluster,
      namespace: r.namespace,
      release: r.release,
      application: `${r.namespace}-${r.release}-${r.cluster}`,
      stage: r.release === 'canary' ? 'canaries' : 'production',
      deploy: true,
      mwKind: 'image',
      mwFlavour: r.mwFlavour,
      webFlavour: r.webFlavour,
      images: images(r, c),
      replicas: r.release === 'main' ? 8 : 1,
      workload: 'Rollout',
      routedVia: r.release === 'canary' ? 'main' : r.release,
      nodePorts: r.release === 'canary' ? [] : [30443],
      path: p,
    });
  }
  for (const cluster of c.clusters) {
    const apps = c.releases.filter((r) => r.cluster === cluster).map((r) => `        - name: ${r.namespace}-${r.release}-${cluster}`);
    files.set(
      `argocd/${cluster}/applicationset.yaml`,
      `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: mediawiki-${cluster}\nspec:\n  generators:\n    - list:\n      elements:\n${apps.join('\n')}\n`,
    );
  }
  const index: ReleasesIndex = {
    generator: 'mw-gitops',
    stages: ['testservers', 'canaries', 'production'],
    clusters: c.clusters,
    releases: entries,
    unmanaged: [],
  };
  files.set('releases.json', JSON.stringify(index, null, 2) + '\n');
  files.set('README.md', `# Deployment repository\n\n${c.releases.map((r) => `- ${r.cluster}/${r.namespace}/${r.release}`).join('\n')}\n`);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Replaces `dir` with exactly these files. */
export async function writeTree(dir: string, tree: ReadonlyMap<string, string>): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  for (const [file, contents] of tree) {
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fs.writeFile(path.join(dir, file), contents);
  }
}
