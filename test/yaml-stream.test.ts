/**
 * readYamlStream reads manifests with js-yaml and falls back to yaml: on every kind of manifest
 * we render and on production's, both libraries must give the same objects, and where js-yaml
 * refuses a stream, yaml's answer and message are what the caller gets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { readYamlDocument, readYamlStream } from '../config/yaml-stream.js';
import { committedTree } from './support/cli.js';
import { PRODUCTION } from './programs/production.js';

const withYaml = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS() ?? null);

/** What yaml alone says: the values, or the first error with its line. */
function yamlAnswer(text: string): unknown {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const error = docs.flatMap((d) => d.errors)[0];
  return error ? { ok: false, error: { message: error.message.split('\n')[0], line: error.linePos?.[0]?.line } } : { ok: true, values: withYaml(text) };
}

test("our render's manifests (one release of each namespace, and the Argo CD files) and production's read as yaml reads them", () => {
  const dist = committedTree('dist');
  const seen = new Set<string>();
  const ours = [...dist].filter(([path]) => {
    if (!path.endsWith('.yaml')) return false;
    const namespace = path.split('/').slice(0, -2).join('/').replace(/^[a-z]+\//, '');
    if (seen.has(namespace)) return false;
    seen.add(namespace);
    return true;
  });
  expect(ours.length).toBeGreaterThan(8);
  // Production's mw-web, and its mw-debug, which repeats a key (helm's output): both libraries refuse it.
  const production = ['mw-web/main', 'mw-debug/pinkunicorn'].map((release) => [release, readFileSync(join(PRODUCTION, release, 'manifest.yaml'), 'utf8')] as const);
  for (const [path, text] of ours) expect({ path, ok: readYamlStream(text).ok }).toEqual({ path, ok: true });
  for (const [path, text] of [...ours, ...production]) expect({ path, read: readYamlStream(text) }).toEqual({ path, read: yamlAnswer(text) });
});

test("a stream js-yaml refuses gets yaml's answer: its values when yaml reads it, its first error and line when not", () => {
  // A local tag: js-yaml's core schema does not know it, yaml keeps the scalar.
  const tagged = 'kind: ConfigMap\ndata:\n  a: !local value\n';
  expect(readYamlStream(tagged)).toEqual({ ok: true, values: withYaml(tagged) });
  const broken = 'kind: ConfigMap\n---\nkind: Service\nspec: [unclosed\n';
  const stream = readYamlStream(broken);
  expect(stream.ok).toBe(false);
  const expected = parseAllDocuments(broken, { prettyErrors: true })[1].errors[0];
  expect(stream).toEqual({ ok: false, error: { message: expected.message.split('\n')[0], line: expected.linePos?.[0]?.line } });
  expect(readYamlStream('a: 1\na: 2\n').ok).toBe(false); // duplicate keys stay an error
  expect(readYamlStream('')).toEqual({ ok: true, values: [] });
});

test('every form of plain scalar reads as yaml reads it, so a string yaml writes unquoted stays a string', () => {
  // YAML 1.2 core: numbers, booleans and nulls in every spelling, and near misses that are strings.
  const forms = ['1', '-0', '+12', '010', '0o17', '0o8', '0x1F', '0xg', '.5', '1.', '-1.', '+.5', '1e3', '1E+3', '-.5e-3', '1.5E-3', '12e', 'e3',
    '+.inf', '-.Inf', '.NaN', '.nan', '~', 'null', 'Null', 'NULL', 'nUll', '', 'true', 'True', 'TRUE', 'tRUE', 'yes', 'no', 'on', 'off',
    '1_000', '0b101', '0xFF_FF', '0.1_5', '+0x1F', '-0o7', '2001-12-14', '1:20', '1,000', '"1"', "'true'", '!!str 5', '[1, 0b1, ~]', '{1e3: a}'];
  for (const form of forms) {
    const text = `v: ${form}\n`;
    expect({ form, value: (readYamlDocument(text) as { v: unknown }).v }).toEqual({ form, value: parse(text).v });
    expect({ form, stream: readYamlStream(text) }).toEqual({ form, stream: { ok: true, values: [parse(text)] } });
  }
  // Strings yaml writes plain (it reads them as strings) come back as the same strings.
  const labels = { a: '1_000', b: '0b101', c: '+0x1F', d: '-0o7', e: '0.1_5', f: 'yes' };
  const written = stringify(labels);
  expect(written).toContain('a: 1_000\n');
  expect(readYamlStream(written)).toEqual({ ok: true, values: [labels] });
});
