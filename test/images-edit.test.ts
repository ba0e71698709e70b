import { parse } from 'yaml';
import { UserError } from '../config/errors.js';
import { listFlavours, setBuild, setFlavourTag } from '../config/images-edit.js';

const A = 'sha256:' + 'a'.repeat(64);
const B = 'sha256:' + 'b'.repeat(64);
const C = 'sha256:' + 'c'.repeat(64);

const IMAGES = `# Images the bot edits. Keep this comment.
registry: docker-registry.discovery.wmnet
mw_kinds:                       # mw_kind -> repository
  image: restricted/mediawiki-multiversion
  debug-image: restricted/mediawiki-multiversion-debug
  cli-image: restricted/mediawiki-multiversion-cli
web_repository: restricted/mediawiki-webserver

mw_flavours:
  publish-83:
    # Train image, rebuilt weekly.
    tag: 2025-03-04-105954-publish-83   # from the build report
  publish-81:
    tag: "2025-02-01-000000-publish-81"
    digests: {image: "${A}"}
  publish-74:
    tag: '2025-01-01-000000-publish-74'
    digests:
      image: "${A}"
      debug-image: "${B}"
    # note about what follows
web_flavours:
  webserver-bookworm:
    # httpd
    tag: 2025-03-04-105954-webserver-bookworm
`;

/** The text with exactly one substring replaced, everything else byte-identical. */
function replacedOnce(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

test('setting an mw flavour tag changes only that value; the comment above it and every other byte stay', () => {
  const { text, changes } = setFlavourTag(IMAGES, 'publish-83', '2025-03-11-120000-publish-83');
  expect(text).toBe(replacedOnce(IMAGES, 'tag: 2025-03-04-105954-publish-83 ', 'tag: 2025-03-11-120000-publish-83 '));
  expect(text).toContain('    # Train image, rebuilt weekly.\n    tag: 2025-03-11-120000-publish-83   # from the build report\n');
  expect(changes).toEqual([
    { flavour: 'publish-83', kind: 'mw', from: '2025-03-04-105954-publish-83', to: '2025-03-11-120000-publish-83', digestsFrom: {}, digestsTo: {} },
  ]);
});

test('a web flavour is found in web_flavours', () => {
  const { text, changes } = setFlavourTag(IMAGES, 'webserver-bookworm', 'next');
  expect(text).toBe(replacedOnce(IMAGES, 'tag: 2025-03-04-105954-webserver-bookworm', 'tag: next'));
  expect(changes[0]).toMatchObject({ flavour: 'webserver-bookworm', kind: 'web', to: 'next' });
});

test('the tag already there is a no-op: same text, no changes', () => {
  const result = setFlavourTag(IMAGES, 'publish-83', '2025-03-04-105954-publish-83');
  expect(result.text).toBe(IMAGES);
  expect(result.changes).toEqual([]);
});

test('quoting style of the old value is kept', () => {
  const double = setFlavourTag(IMAGES, 'publish-81', 'new-81');
  expect(double.text).toContain('    tag: "new-81"\n');
  const single = setFlavourTag(IMAGES, 'publish-74', 'new-74');
  expect(single.text).toContain("    tag: 'new-74'\n");
});

test('a tag that plain YAML would read as a number is quoted', () => {
  const { text } = setFlavourTag(IMAGES, 'publish-83', '1.10');
  expect(parse(text).mw_flavours['publish-83'].tag).toBe('1.10');
  expect(text).toContain('tag: "1.10"   # from the build report');
});

test('a new tag drops digests pinned for the old one (one-line and block forms)', () => {
  const flow = setFlavourTag(IMAGES, 'publish-81', 'new-81');
  expect(flow.text).toBe(
    replacedOnce(
      replacedOnce(IMAGES, '"2025-02-01-000000-publish-81"', '"new-81"'),
      `    digests: {image: "${A}"}\n`,
      '',
    ),
  );
  expect(flow.changes[0]).toMatchObject({ digestsFrom: { image: A }, digestsTo: {} });

  const block = setFlavourTag(IMAGES, 'publish-74', 'new-74');
  expect(block.text).toBe(
    replacedOnce(
      replacedOnce(IMAGES, "'2025-01-01-000000-publish-74'", "'new-74'"),
      `    digests:\n      image: "${A}"\n      debug-image: "${B}"\n`,
      '',
    ),
  );
  expect(block.text).toContain('    # note about what follows\nweb_flavours:');
});

test('a digest is pinned next to a new tag, indented like the tag', () => {
  const { text, changes } = setFlavourTag(IMAGES, 'publish-83', 'new-83', C);
  expect(text).toBe(
    replacedOnce(
      IMAGES,
      '    tag: 2025-03-04-105954-publish-83   # from the build report\n',
      `    tag: new-83   # from the build report\n    digests:\n      image: "${C}"\n`,
    ),
  );
  expect(changes[0]).toMatchObject({ digestsFrom: {}, digestsTo: { image: C } });
});

test('a digest for the same tag replaces only that kind and keeps the others', () => {
  const { text, changes } = setFlavourTag(IMAGES, 'publish-74', '2025-01-01-000000-publish-74', C, { digestKey: 'debug-image' });
  expect(text).toBe(replacedOnce(IMAGES, `debug-image: "${B}"`, `debug-image: "${C}"`));
  expect(changes[0]).toMatchObject({ from: '2025-01-01-000000-publish-74', to: '2025-01-01-000000-publish-74', digestsTo: { image: A, 'debug-image': C } });

  const added = setFlavourTag(IMAGES, 'publish-74', '2025-01-01-000000-publish-74', C, { digestKey: 'cli-image' });
  expect(added.text).toBe(replacedOnce(IMAGES, `      debug-image: "${B}"\n`, `      debug-image: "${B}"\n      cli-image: "${C}"\n`));

  const flow = setFlavourTag(IMAGES, 'publish-81', '2025-02-01-000000-publish-81', C, { digestKey: 'cli-image' });
  expect(flow.text).toBe(replacedOnce(IMAGES, `{image: "${A}"}`, `{image: "${A}", cli-image: "${C}"}`));
});

test('a web flavour pins its digest under digests.web, as the renderer reads it', () => {
  const { text } = setFlavourTag(IMAGES, 'webserver-bookworm', 'w2', C);
  expect(parse(text).web_flavours['webserver-bookworm']).toEqual({ tag: 'w2', digests: { web: C } });
  expect(() => setFlavourTag(IMAGES, 'webserver-bookworm', 'w2', C, { digestKey: 'image' })).toThrow(/web flavour/);
});

test('a flow-style flavour is rewritten on its own line', () => {
  const text = `mw_flavours:\n  x: {tag: old, digests: {image: "${A}"}}  # one line\n  y: {tag: keep}\n`;
  const result = setFlavourTag(text, 'x', 'new');
  expect(result.text).toBe(`mw_flavours:\n  x: {tag: new}  # one line\n  y: {tag: keep}\n`);
  expect(setFlavourTag(text, 'y', 'other').text).toBe(`mw_flavours:\n  x: {tag: old, digests: {image: "${A}"}}  # one line\n  y: {tag: other}\n`);
});

test('--build sets every flavour to <build>-<flavour>', () => {
  const { text, changes } = setBuild(IMAGES, '2025-04-01-000000');
  const data = parse(text);
  expect(data.mw_flavours['publish-83'].tag).toBe('2025-04-01-000000-publish-83');
  expect(data.mw_flavours['publish-81']).toEqual({ tag: '2025-04-01-000000-publish-81' });
  expect(data.web_flavours['webserver-bookworm'].tag).toBe('2025-04-01-000000-webserver-bookworm');
  expect(changes.map((c) => `${c.kind}:${c.flavour}`)).toEqual(['mw:publish-83', 'mw:publish-81', 'mw:publish-74', 'web:webserver-bookworm']);
  expect(text).toContain('# Images the bot edits. Keep this comment.\n');
  expect(text).toContain('    # Train image, rebuilt weekly.\n    tag: 2025-04-01-000000-publish-83   # from the build report\n');
  // Idempotent.
  expect(setBuild(text, '2025-04-01-000000')).toEqual({ text, changes: [] });
});

test('unknown flavours, bad tags and bad digests are user errors naming what to fix', () => {
  expect(() => setFlavourTag(IMAGES, 'publish-99', 'x')).toThrow(UserError);
  expect(() => setFlavourTag(IMAGES, 'publish-99', 'x')).toThrow(
    'flavour "publish-99" is not defined in environments/images.yaml; known flavours: mw_flavours: publish-83, publish-81, publish-74; web_flavours: webserver-bookworm.',
  );
  expect(() => setFlavourTag(IMAGES, 'publish-99', 'x', undefined, { file: 'cfg/images.yaml' })).toThrow('cfg/images.yaml');
  for (const bad of ['', '-leading-dash', '.dot', 'has space', 'a/b', 'x'.repeat(129), 'tag:colon']) {
    expect(() => setFlavourTag(IMAGES, 'publish-83', bad)).toThrow(/is not a valid image tag/);
  }
  expect(() => setFlavourTag(IMAGES, 'publish-83', 'ok', 'sha256:ABC')).toThrow(/is not a valid image digest/);
  expect(() => setFlavourTag(IMAGES, 'publish-83', 'ok', 'md5:' + 'a'.repeat(32))).toThrow(UserError);
  expect(() => setFlavourTag(IMAGES, 'publish-83', 'ok', C, { digestKey: 'nope' })).toThrow(/known kinds: image, debug-image, cli-image/);
  expect(() => setBuild(IMAGES, 'x'.repeat(120))).toThrow(/is not a valid image tag/);
  expect(() => setFlavourTag('a: [', 'publish-83', 'ok')).toThrow(/environments\/images.yaml:\d+: YAML syntax error/);
});

test('listFlavours reports names in file order', () => {
  expect(listFlavours(IMAGES)).toEqual({ mw: ['publish-83', 'publish-81', 'publish-74'], web: ['webserver-bookworm'] });
});
