/**
 * The publish commit message, from old/new releases.json and file changes: pure.
 */
import type { ReleasesIndex } from '../render/releases-index.js';
import { imageMoves, publishMessage } from '../changes/publish-message.js';
import { readPublishedIndex as parseReleasesIndex } from '../changes/releases-index.js';
import { fileChanges, gitBlobId } from '../changes/tree-changes.js';
import { isTreePath } from '../render/tree.js';
import { defaultConfig, fixtureTree, type FixtureConfig } from './support/fake-render.js';

function indexOf(tree: Map<string, string>): ReleasesIndex {
  return JSON.parse(tree.get('releases.json')!) as ReleasesIndex;
}

/** The message publish would write going from one fixture render to another. */
function messageFor(from: FixtureConfig | null, to: FixtureConfig, extra: { subject?: string } = {}) {
  const before = from ? fixtureTree(from) : new Map<string, string>();
  const after = fixtureTree(to);
  const ids = (t: Map<string, string>) => new Map([...t].map(([p, c]) => [p, gitBlobId(c)]));
  const clusters = [...new Set([...to.clusters, ...(from?.clusters ?? [])])];
  const files = fileChanges(ids(before), ids(after), (p) => isTreePath(p, clusters));
  return publishMessage({
    before: from ? indexOf(before) : null,
    after: indexOf(after),
    files,
    source: { commit: 'abc123', repository: 'https://git.example.org/sre/mw-gitops.git' },
    ...extra,
  });
}

test('the first publish lists every release', () => {
  const msg = messageFor(null, defaultConfig());
  expect(msg.subject).toBe('Publish 9 releases in eqiad, codfw, staging');
  expect(msg.body).toContain('Releases (9):\n  eqiad/mw-api-ext: main\n  eqiad/mw-web: canary, main, next\n');
});

test('a flavour roll names the flavour, the new tag, how many releases and where; the body lists old -> new', () => {
  const config = defaultConfig();
  const msg = messageFor(config, { ...config, mwTags: { ...config.mwTags, 'publish-83': '2025-04-01-000000-publish-83' } });
  expect(msg.message).toBe(`Roll publish-83 to 2025-04-01-000000-publish-83: 6 releases in eqiad, codfw

Images:
  app (publish-83): docker-registry.discovery.wmnet/restricted/mediawiki-multiversion 2025-03-04-105954-publish-83 -> 2025-04-01-000000-publish-83
    eqiad/mw-api-ext: main
    eqiad/mw-web: canary, main
    codfw/mw-api-ext: main
    codfw/mw-web: canary, main

Other files: releases.json

Files: 0 added, 7 modified, 0 deleted

Source-Commit: abc123
Source-Repository: https://git.example.org/sre/mw-gitops.git
`);
});

test('two flavours rolling at once are both named', () => {
  const config = defaultConfig();
  const msg = messageFor(config, { ...config, mwTags: { 'publish-83': 'T83', 'publish-next': 'TNEXT' } });
  expect(msg.subject).toBe('Roll publish-83 to T83, publish-next to TNEXT: 9 releases in eqiad, codfw, staging');
});

test('added and removed releases are named in the subject and listed in the body', () => {
  const config = defaultConfig();
  const without = { ...config, releases: config.releases.filter((r) => !(r.cluster === 'codfw' && r.release === 'canary')) };
  expect(messageFor(config, without).subject).toBe('Remove codfw/mw-web/canary');
  expect(messageFor(without, config).subject).toBe('Add codfw/mw-web/canary');
  const fewer = { ...config, releases: config.releases.filter((r) => r.release !== 'canary') };
  const msg = messageFor(config, fewer);
  expect(msg.subject).toBe('Remove 2 releases in eqiad, codfw');
  expect(msg.body).toContain('Removed releases (2):\n  eqiad/mw-web: canary\n  codfw/mw-web: canary');
});

test('a digest-only move shows the digest; a mw_kind switch shows both full references', () => {
  const base = indexOf(fixtureTree());
  const after = (f: (app: string) => string): ReleasesIndex => ({
    ...base,
    releases: base.releases.map((r) => (r.release === 'main' && r.cluster === 'eqiad' && r.namespace === 'mw-web' ? { ...r, images: { ...r.images, app: f(r.images.app) } } : r)),
  });
  const files = { added: [], modified: ['eqiad/mw-web/main/manifest.yaml', 'releases.json'], deleted: [] };
  const digest = publishMessage({ before: base, after: after((a) => `${a}@sha256:0123456789abcdef0123`), files });
  expect(digest.subject).toBe('Roll publish-83 to 2025-03-04-105954-publish-83@sha256:0123456789ab: 1 release in eqiad');
  const kind = publishMessage({ before: base, after: after((a) => a.replace('multiversion', 'multiversion-debug')), files });
  expect(kind.body).toContain('mediawiki-multiversion:2025-03-04-105954-publish-83 -> docker-registry.discovery.wmnet/restricted/mediawiki-multiversion-debug:');
});

test('--message replaces the subject; the generated one opens the body; trailers stay last', () => {
  const config = defaultConfig();
  const msg = messageFor(config, { ...config, webTags: { webserver: 'W2' } }, { subject: '  Emergency\nrollback  ' });
  expect(msg.subject).toBe('Emergency rollback');
  expect(msg.message.startsWith('Emergency rollback\n\nRoll webserver to W2: 9 releases in eqiad, codfw, staging\n')).toBe(true);
  expect(msg.message.endsWith('\n\nSource-Commit: abc123\nSource-Repository: https://git.example.org/sre/mw-gitops.git\n')).toBe(true);
});

test('changes that move no image are "update"; index-only changes name the files', () => {
  const base = indexOf(fixtureTree());
  const same = publishMessage({
    before: base,
    after: base,
    files: { added: [], modified: ['eqiad/mw-web/main/manifest.yaml'], deleted: [] },
  });
  expect(same.subject).toBe('Update eqiad/mw-web/main');
  const readme = publishMessage({ before: base, after: base, files: { added: [], modified: ['README.md'], deleted: [] } });
  expect(readme.subject).toBe('Update README.md');
  expect(readme.message).not.toContain('Source-');
});

test('imageMoves groups releases by identical move', () => {
  const config = defaultConfig();
  const moves = imageMoves(indexOf(fixtureTree(config)), indexOf(fixtureTree({ ...config, webTags: { webserver: 'W2' } })));
  expect(moves).toHaveLength(1);
  expect(moves[0].role).toBe('httpd');
  expect(moves[0].releases).toHaveLength(9);
  expect(imageMoves(null, indexOf(fixtureTree(config)))).toEqual([]);
});

test('parseReleasesIndex tolerates what an old deployment repository may hold', () => {
  expect(parseReleasesIndex(undefined)).toBeNull();
  expect(parseReleasesIndex('not json')).toBeNull();
  expect(parseReleasesIndex('{"foo": 1}')).toBeNull();
  const idx = parseReleasesIndex('{"releases": [{"cluster": "eqiad", "namespace": "n", "release": "r"}, 7]}');
  expect(idx?.clusters).toEqual(['eqiad']);
  expect(idx?.releases).toHaveLength(1);
});
