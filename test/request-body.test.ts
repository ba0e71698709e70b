import type { ImageChange } from '../config/images-edit.js';
import type { ReleaseIndexEntry, ReleasesIndex, Stage } from '../render/releases-index.js';
import { affectedImages, BODY_MARKER, MAX_BODY_CHARS, requestBody, requestTitle } from '../cli/bump/request-body.js';

const REG = 'docker-registry.discovery.wmnet/restricted';

function release(cluster: string, namespace: string, name: string, stage: Stage, tag: string, web = 'web-1', deploy = true): ReleaseIndexEntry {
  return {
    cluster,
    namespace,
    release: name,
    application: `${namespace}-${name}-${cluster}`,
    stage,
    deploy,
    mwKind: 'image',
    mwFlavour: 'publish-83',
    webFlavour: 'webserver',
    images: { app: `${REG}/mediawiki-multiversion:${tag}`, httpd: `${REG}/mediawiki-webserver:${web}` },
    replicas: 1,
    workload: 'Rollout',
    routedVia: name,
    nodePorts: [],
    path: `${cluster}/${namespace}/${name}/manifest.yaml`,
  };
}

function index(releases: ReleaseIndexEntry[]): ReleasesIndex {
  return { generator: 'mw-gitops', stages: ['testservers', 'canaries', 'production'], clusters: ['eqiad', 'codfw', 'staging'], releases, unmanaged: [] };
}

const change: ImageChange = { flavour: 'publish-83', kind: 'mw', from: 'old', to: 'new', digestsFrom: {}, digestsTo: {} };

const before = index([
  release('codfw', 'mw-web', 'main', 'production', 'old'),
  release('eqiad', 'mw-api-ext', 'main', 'production', 'old'),
  release('eqiad', 'mw-debug', 'pinkunicorn', 'testservers', 'old'),
  release('eqiad', 'mw-script', 'main', 'production', 'old', 'web-1', false),
  release('eqiad', 'mw-web', 'canary', 'canaries', 'old'),
  release('eqiad', 'mw-web', 'next', 'production', 'other'),
]);
const after = index([
  release('codfw', 'mw-web', 'main', 'production', 'new'),
  release('eqiad', 'mw-api-ext', 'main', 'production', 'new'),
  release('eqiad', 'mw-debug', 'pinkunicorn', 'testservers', 'new'),
  release('eqiad', 'mw-script', 'main', 'production', 'new', 'web-1', false),
  release('eqiad', 'mw-web', 'canary', 'canaries', 'new'),
  release('eqiad', 'mw-web', 'next', 'production', 'other'),
]);

test('affected images are listed in rollout order and unchanged releases are left out', () => {
  const rows = affectedImages(before, after);
  expect(rows.map((r) => `${r.stage} ${r.cluster} ${r.namespace} ${r.release} ${r.container}`)).toEqual([
    'testservers eqiad mw-debug pinkunicorn app',
    'canaries eqiad mw-web canary app',
    'production eqiad mw-api-ext main app',
    'production eqiad mw-script main app',
    'production codfw mw-web main app',
  ]);
  expect(rows[0]).toMatchObject({ from: `${REG}/mediawiki-multiversion:old`, to: `${REG}/mediawiki-multiversion:new` });
});

test('the body names every affected namespace, the new tag and the deploy: false releases', () => {
  const body = requestBody({ changes: [change], before, after, base: 'main', baseCommit: 'abcdef0123456789' });
  expect(body.startsWith(BODY_MARKER)).toBe(true);
  for (const ns of ['mw-debug', 'mw-web', 'mw-api-ext', 'mw-script']) expect(body).toContain(`| ${ns} |`);
  expect(body).toContain(`\`${REG}/mediawiki-multiversion:new\``);
  expect(body).toMatch(/\| production \| eqiad \| mw-script \| main \| app \| .* \| \*\*manual\*\* \(deploy: false\) \|/);
  expect(body).toContain('testservers → canaries → production');
  expect(body).toContain('5 releases in 4 namespaces');
  expect(body).toContain('1 of them has `deploy: false`');
  expect(body).toContain('`main` at abcdef012345');
  expect(body).not.toContain('| next |');
  // Rows follow the stage order.
  expect(body.indexOf('| testservers |')).toBeLessThan(body.indexOf('| canaries |'));
  expect(body.indexOf('| canaries |')).toBeLessThan(body.indexOf('| production |'));
  // Deterministic.
  expect(requestBody({ changes: [change], before, after, base: 'main', baseCommit: 'abcdef0123456789' })).toBe(body);
});

test('without a previous index every release is new', () => {
  const body = requestBody({ changes: [change], before: null, after, base: 'main' });
  expect(body).toContain('(new release)');
});

test('a huge table is cut below the GitHub body limit with a note', () => {
  const many = (tag: string) =>
    index(Array.from({ length: 2000 }, (_, i) => release('eqiad', `ns-${String(i).padStart(4, '0')}`, 'main', 'production', tag)));
  const body = requestBody({ changes: [change], before: many('old'), after: many('new'), base: 'main' });
  expect(body.length).toBeLessThan(MAX_BODY_CHARS);
  expect(body).toMatch(/… and \d+ more rows/);
});

test('titles name the flavour(s) and the tag', () => {
  expect(requestTitle([change])).toBe('Bump publish-83 to new');
  const web: ImageChange = { ...change, flavour: 'webserver', kind: 'web', to: 'B-webserver' };
  expect(requestTitle([{ ...change, to: 'B-publish-83' }, web], 'B')).toBe('Bump publish-83, webserver to build B');
  const d = 'sha256:' + 'e'.repeat(64);
  expect(requestTitle([{ ...change, digestsTo: { image: d } }])).toBe(`Bump publish-83 to new (sha256:eeeeeeeeeeee)`);
});

test('a bump that removes releases says so at the top, naming each, even when the table is cut', () => {
  const kept = index(after.releases.filter((r) => !(r.namespace === 'mw-web' && r.cluster === 'eqiad')));
  const body = requestBody({ changes: [change], before, after: kept, base: 'main' });
  expect(body).toContain('**This bump removes 2 releases** from the rendered tree: `eqiad/mw-web/canary`, `eqiad/mw-web/next`.');
  expect(body.indexOf('This bump removes')).toBeLessThan(body.indexOf('| Stage |'));
  expect(requestBody({ changes: [change], before, after, base: 'main' })).not.toContain('removes');
});

test('at 76 releases the body stays readable: a stage summary and Mermaid up top, rows and plans collapsed, tags linked, the window named', () => {
  const stages: Stage[] = ['testservers', 'canaries', 'production'];
  const many = (tag: string) => index(Array.from({ length: 76 }, (_, i) => release(i % 2 ? 'eqiad' : 'codfw', `ns-${String(i).padStart(2, '0')}`, 'main', stages[i % 3], tag)));
  const a = many('new');
  const plans = a.releases.map((r) => ({
    ...r,
    workload: 'Rollout' as const,
    replicas: 4,
    maxSurge: 1,
    maxUnavailable: 1,
    minimumSeconds: 300,
    manualPauses: 0,
    steps: [
      { kind: 'setWeight' as const, weight: 25, canaryPods: 1, stablePods: 3, maxPods: 5, minAvailablePods: 3 },
      { kind: 'pause' as const, seconds: 300 },
      { kind: 'setWeight' as const, weight: 100, canaryPods: 4, stablePods: 0, maxPods: 5, minAvailablePods: 3 },
    ],
  }));
  const body = requestBody({
    changes: [change],
    before: many('old'),
    after: a,
    base: 'main',
    plans,
    buildLink: 'https://ci.example.org/builds/{tag}',
    window: { open: false, opensAt: '2026-12-07T06:00:00.000Z', blockedBy: ['weekend freeze'] },
  });
  // What is not collapsed fits on a screen: two collapsed sections after it.
  const visible = body.slice(0, body.indexOf('<details>'));
  expect(visible.split('\n').length).toBeLessThan(40);
  expect(body).toContain('<details><summary>Rollout plan of each release (76)</summary>');
  expect(visible).toContain('| [`old`](https://ci.example.org/builds/old) | [`new`](https://ci.example.org/builds/new) |');
  expect(visible).toContain('```mermaid\nflowchart LR\n  testservers["testservers: 26 releases<br/>≥ 5m"]');
  expect(visible).toContain('  canaries --> production\n```');
  expect(visible).toMatch(/\| production \| 25 \| .* \| 0 \| 5m \|/);
  expect(visible).toContain('weekend freeze): after merging, Argo CD syncs automatically from 2026-12-07T06:00:00.000Z');
  expect(body.match(/<details><summary>Plan: /g)).toHaveLength(76);
  expect(body).toContain('<details><summary>Every image change (76 rows)</summary>');
  expect(body).toContain('| 1 | setWeight 25% | 1 | 3 |  |');
  expect(body.split('<details>').length).toBe(body.split('</details>').length);
});
