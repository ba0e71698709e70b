/** The schema data committed under validate/schemas/ is a faithful, current extraction. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRD_KINDS } from '../validate/schema.js';
import { CRD_DIR, CRD_FILES, build, extractCrd, stripDescriptions } from '../scripts/build-schemas.js';
import { PROJECT } from './support/cli.js';

const dir = join(PROJECT, 'validate/schemas');

test('regenerating validate/schemas from schemas/crds and kubernetes-models changes nothing', () => {
  const { files } = build();
  for (const [name, content] of files) {
    expect({ name, upToDate: readFileSync(join(dir, name), 'utf8') === content }).toEqual({ name, upToDate: true });
  }
  // SOURCES.md names the sha256 of each source as schemas/crds/SOURCES.md does.
  const upstreamSources = readFileSync(join(CRD_DIR, 'SOURCES.md'), 'utf8');
  for (const file of CRD_FILES) {
    const { sha256 } = extractCrd(file, readFileSync(join(CRD_DIR, file), 'utf8'));
    expect(upstreamSources).toContain(sha256);
    expect(files.get('SOURCES.md')).toContain(sha256);
  }
});

test('the CRD kinds the pass knows are the ones extracted', () => {
  const extracted = CRD_FILES.map((f) => extractCrd(f, readFileSync(join(CRD_DIR, f), 'utf8')));
  expect(Object.fromEntries(extracted.map((c) => [`${c.group}/${c.version} ${c.kind}`, c.kind]))).toEqual(CRD_KINDS);
});

test('only descriptions are stripped, not fields called "description"', () => {
  const schema = { description: 'doc', type: 'object', properties: { description: { type: 'string', description: 'doc' } }, items: { description: 'x', type: 'string' } };
  expect(stripDescriptions(schema)).toEqual({ type: 'object', properties: { description: { type: 'string' } }, items: { type: 'string' } });
});
