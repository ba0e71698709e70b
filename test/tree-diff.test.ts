/**
 * The pure comparison behind `diff` and `publish`: no fs, no git.
 */
import { isTreePath } from '../render/tree.js';
import { parseImageRef } from '../config/image-ref.js';
import { fileChanges, gitBlobId, imageChangeText, releaseOfPath } from '../changes/tree-changes.js';
import { containerImages, diffTrees, formatTreeDiff, isEmptyDiff, parseManifest, parseManifestKinds, summarizeTreeDiff } from '../changes/tree-diff.js';
import { defaultConfig, fixtureTree } from './support/fake-render.js';
import { committedTree } from './support/cli.js';

test('gitBlobId matches git hash-object', () => {
  // `printf 'hello\n' | git hash-object --stdin` and the empty blob
  expect(gitBlobId('hello\n')).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  expect(gitBlobId('')).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  // UTF-8 bytes, not UTF-16 code units, are hashed
  expect(gitBlobId('é')).toBe(gitBlobId(Buffer.from('é', 'utf8')));
});

test('fileChanges deletes only what the tree owns', () => {
  const current = new Map([
    ['eqiad/mw-web/main/manifest.yaml', 'a'],
    ['eqiad/mw-web/old/manifest.yaml', 'x'],
    ['argocd/eqiad/applicationset.yaml', 'a'],
    ['docs/runbook.md', 'keep'],
    ['.github/CODEOWNERS', 'keep'],
    ['releases.json', '1'],
  ]);
  const next = new Map([
    ['eqiad/mw-web/main/manifest.yaml', 'b'],
    ['argocd/eqiad/applicationset.yaml', 'a'],
    ['codfw/mw-web/main/manifest.yaml', 'new'],
    ['releases.json', '2'],
  ]);
  const changes = fileChanges(current, next, (p) => isTreePath(p, ['eqiad', 'codfw']));
  expect(changes).toEqual({
    added: ['codfw/mw-web/main/manifest.yaml'],
    modified: ['eqiad/mw-web/main/manifest.yaml', 'releases.json'],
    deleted: ['eqiad/mw-web/old/manifest.yaml'],
  });
});

test('releaseOfPath recognises release manifests only', () => {
  expect(releaseOfPath('eqiad/mw-web/canary/manifest.yaml')).toEqual({ cluster: 'eqiad', namespace: 'mw-web', release: 'canary' });
  expect(releaseOfPath('argocd/eqiad/x/manifest.yaml')).toBeNull();
  expect(releaseOfPath('argocd/eqiad/applicationset.yaml')).toBeNull();
  expect(releaseOfPath('releases.json')).toBeNull();
  expect(releaseOfPath('eqiad/mw-web/manifest.yaml')).toBeNull();
});

test('parseImageRef and imageChangeText handle tags, digests and registry ports', () => {
  expect(parseImageRef('registry:5000/restricted/mw:2025-04-01-x@sha256:abc')).toEqual({
    registry: 'registry:5000',
    repository: 'restricted/mw',
    tag: '2025-04-01-x',
    digest: 'sha256:abc',
  });
  expect(parseImageRef('registry:5000/restricted/mw')).toEqual({ registry: 'registry:5000', repository: 'restricted/mw', tag: undefined, digest: undefined });
  expect(imageChangeText('registry:5000/r/mw:1', 'registry:5000/r/mw:2')).toBe('registry:5000/r/mw 1 -> 2');
  expect(imageChangeText('r/mw:old', 'r/mw:new')).toBe('r/mw old -> new');
  expect(imageChangeText('r/mw:1', 'r/mw-debug:1')).toBe('r/mw:1 -> r/mw-debug:1');
});

const ROLLOUT = (image: string, replicas = 8) => `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: mw-web-main
spec:
  replicas: ${replicas}
  template:
    spec:
      initContainers:
        - name: init
          image: init:1
      containers:
        - name: httpd
          image: httpd:1
        - name: app
          image: ${image}
`;
const CONFIGMAP = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;

test('diffTrees groups by release: objects added, removed, changed, and image moves called out', () => {
  const before = new Map([
    ['eqiad/mw-web/main/manifest.yaml', `${CONFIGMAP('php-aaa')}---\n${ROLLOUT('mw:old')}`],
    ['eqiad/mw-web/gone/manifest.yaml', CONFIGMAP('x')],
    ['eqiad/mw-web/same/manifest.yaml', CONFIGMAP('same')],
    ['releases.json', '{}'],
  ]);
  const after = new Map([
    ['eqiad/mw-web/main/manifest.yaml', `${CONFIGMAP('php-bbb')}---\n${ROLLOUT('mw:new')}`],
    ['eqiad/mw-web/same/manifest.yaml', CONFIGMAP('same')],
    ['codfw/mw-web/main/manifest.yaml', `${CONFIGMAP('c')}---\n${ROLLOUT('mw:new')}`],
    ['releases.json', '{"x":1}'],
    ['README.md', '# new'],
  ]);

  const diff = diffTrees(before, after);

  expect(diff.releases.map((r) => [`${r.cluster}/${r.namespace}/${r.release}`, r.status])).toEqual([
    ['codfw/mw-web/main', 'added'],
    ['eqiad/mw-web/gone', 'removed'],
    ['eqiad/mw-web/main', 'changed'],
  ]);
  const main = diff.releases[2];
  expect(main.objects).toEqual({ added: ['ConfigMap/php-bbb'], removed: ['ConfigMap/php-aaa'], changed: ['Rollout/mw-web-main'] });
  expect(main.images).toEqual([{ object: 'Rollout/mw-web-main', container: 'app', from: 'mw:old', to: 'mw:new' }]);
  expect(diff.releases[0].objects.added).toEqual(['ConfigMap/c', 'Rollout/mw-web-main']);
  expect(diff.releases[1].objects.removed).toEqual(['ConfigMap/x']);
  expect(diff.files).toEqual([
    { path: 'README.md', status: 'added' },
    { path: 'releases.json', status: 'changed' },
  ]);
  expect(summarizeTreeDiff(diff)).toBe('3 releases in codfw, eqiad (1 added, 1 removed, 1 changed), 1 image change; 2 other files');
  expect(formatTreeDiff(diff)).toBe(`+ codfw/mw-web/main (added: 2 objects)
    ConfigMap/c
    Rollout/mw-web-main
- eqiad/mw-web/gone (removed: 1 object)
    ConfigMap/x
~ eqiad/mw-web/main
    + ConfigMap/php-bbb
    - ConfigMap/php-aaa
    ~ Rollout/mw-web-main
        image app: mw old -> new
other files:
  + README.md
  ~ releases.json
3 releases in codfw, eqiad (1 added, 1 removed, 1 changed), 1 image change; 2 other files
`);
});

test('a change that is not an image is reported as a changed object without image lines', () => {
  const before = new Map([['eqiad/mw-web/main/manifest.yaml', ROLLOUT('mw:1', 8)]]);
  const after = new Map([['eqiad/mw-web/main/manifest.yaml', ROLLOUT('mw:1', 9)]]);
  const [release] = diffTrees(before, after).releases;
  expect(release.objects.changed).toEqual(['Rollout/mw-web-main']);
  expect(release.images).toEqual([]);
});

test('key order and formatting alone are not changes', () => {
  const a = 'kind: ConfigMap\nmetadata:\n  name: x\ndata: {a: "1", b: "2"}\n';
  const b = 'metadata:\n  name: x\nkind: ConfigMap\ndata:\n  b: "2"\n  a: "1"\n';
  const [release] = diffTrees(new Map([['e/n/r/manifest.yaml', a]]), new Map([['e/n/r/manifest.yaml', b]])).releases;
  expect(release.status).toBe('changed'); // the bytes differ
  expect(release.objects).toEqual({ added: [], removed: [], changed: [] });
});

test('an unparsable manifest is still reported, with the parse error', () => {
  const [release] = diffTrees(new Map([['e/n/r/manifest.yaml', 'a: [']]), new Map([['e/n/r/manifest.yaml', CONFIGMAP('x')]]))
    .releases;
  expect(release.status).toBe('changed');
  expect(release.error).toBeTruthy();
});

test('parseManifest keys objects by Kind/name, numbering repeats and skipping empty documents', () => {
  const objects = parseManifest(`${CONFIGMAP('a')}---\n${CONFIGMAP('a')}---\n`);
  expect([...objects.keys()]).toEqual(['ConfigMap/a', 'ConfigMap/a#2']);
});

test('containerImages finds containers and init containers of any pod template', () => {
  const [obj] = parseManifest(ROLLOUT('mw:1')).values();
  expect([...containerImages(obj)]).toEqual([
    ['init (initContainers)', 'init:1'],
    ['httpd', 'httpd:1'],
    ['app', 'mw:1'],
  ]);
});

test('identical trees have an empty diff; a flavour move touches only its releases', () => {
  const config = defaultConfig();
  expect(isEmptyDiff(diffTrees(fixtureTree(config), fixtureTree(config)))).toBe(true);
  const moved = fixtureTree({ ...config, mwTags: { ...config.mwTags, 'publish-next': 'NEW' } });
  const diff = diffTrees(fixtureTree(config), moved);
  expect(diff.releases.map((r) => `${r.cluster}/${r.namespace}/${r.release}`)).toEqual([
    'codfw/mw-web/next',
    'eqiad/mw-web/next',
    'staging/mw-web/main',
  ]);
  expect(diff.releases.every((r) => r.images.length === 1 && r.images[0].to?.endsWith(':NEW'))).toBe(true);
  expect(diff.files).toEqual([{ path: 'releases.json', status: 'changed' }]);
});

describe('parseManifestKinds reads only the documents of the asked kinds, as a full parse would', () => {
  const kinds = new Set(['Rollout', 'AnalysisTemplate']);
  const full = (text: string) => [...parseManifest(text).values()].filter((o) => kinds.has(String(o.kind)));

  test('on every committed manifest', () => {
    const manifests = [...committedTree('dist')].filter(([path]) => path.endsWith('/manifest.yaml'));
    expect(manifests.length).toBeGreaterThan(10);
    for (const [path, text] of manifests) expect({ path, objects: parseManifestKinds(text, kinds) }).toEqual({ path, objects: full(text) });
  });

  test('a quoted kind, a kind line inside a block scalar and a flow document are parsed, not guessed', () => {
    const text = [
      'kind: "Rollout"\nmetadata: {name: quoted}',
      '---\nkind: ConfigMap\nmetadata: {name: holds-text}\ndata:\n  x: |\n    kind: Rollout\n---\nkind: AnalysisTemplate\nmetadata: {name: gate}',
      '---\nkind: Service\nmetadata: {name: web}\n--- {"kind": "Rollout", "metadata": {"name": "flow"}}',
    ].join('\n');
    expect(parseManifestKinds(text, kinds).map((o) => (o.metadata as { name: string }).name)).toEqual(['quoted', 'gate', 'flow']);
    expect(parseManifestKinds(text, kinds)).toEqual(full(text));
  });
});
