/**
 * Rendered YAML read fast: the documents of a manifest stream, or one document (an envoy
 * bootstrap). js-yaml reads a manifest in about half the time yaml does. It reads with
 * YAML_CORE, YAML 1.2's core schema exactly as yaml resolves it, so the two agree on what a
 * document means. Only a stream js-yaml refuses goes to yaml, whose answer (and, for a broken
 * stream, whose message with its line) is then the one returned. Pure.
 */
import jsYaml from 'js-yaml';
import { parseAllDocuments, type Document } from 'yaml';

/**
 * A plain scalar that one of `forms` matches becomes that form's value. (js-yaml keeps one type
 * per tag, so each tag's forms live in one type.)
 */
function implicitScalar(tag: string, forms: readonly (readonly [RegExp, (text: string) => unknown])[]): jsYaml.Type {
  const formOf = (text: string | null) => (text === null ? undefined : forms.find(([test]) => test.test(text)));
  return new jsYaml.Type(`tag:yaml.org,2002:${tag}`, {
    kind: 'scalar',
    resolve: (text: string | null) => formOf(text) !== undefined,
    construct: (text: string) => formOf(text)![1](text),
  });
}

/**
 * YAML 1.2's core schema with the rules yaml applies (what writes our manifests). js-yaml's own
 * CORE_SCHEMA reads more as numbers: `1_000`, `0b101`, `+0x1F` and `-0o7` are numbers there and
 * strings here, and yaml writes such strings unquoted; `-.5e-3` is the other way round.
 */
export const YAML_CORE = jsYaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    implicitScalar('null', [[/^(?:~|[Nn]ull|NULL)$/, () => null]]),
    implicitScalar('bool', [[/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (text) => text[0] === 't' || text[0] === 'T']]),
    implicitScalar('int', [
      [/^0o[0-7]+$/, (text) => parseInt(text.slice(2), 8)],
      [/^[-+]?[0-9]+$/, (text) => parseInt(text, 10)],
      [/^0x[0-9a-fA-F]+$/, (text) => parseInt(text.slice(2), 16)],
    ]),
    implicitScalar('float', [
      [/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/, (text) => (text.slice(-3).toLowerCase() === 'nan' ? NaN : text[0] === '-' ? -Infinity : Infinity)],
      [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, (text) => parseFloat(text)],
      [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, (text) => parseFloat(text)],
    ]),
  ],
});

export type YamlStream = { readonly ok: true; readonly values: unknown[] } | { readonly ok: false; readonly error: { readonly message: string; readonly line?: number } };

/** Each document's value (null for an empty one), or the first error with its line. */
export function readYamlStream(text: string): YamlStream {
  try {
    const values: unknown[] = [];
    jsYaml.loadAll(text, (doc) => values.push(doc ?? null), { schema: YAML_CORE });
    return { ok: true, values };
  } catch {
    return readWithYaml(text);
  }
}

/** One document (an envoy bootstrap) read with js-yaml on the core schema; throws js-yaml's error. */
export function readYamlDocument(text: string): unknown {
  return jsYaml.load(text, { schema: YAML_CORE });
}

function readWithYaml(text: string): YamlStream {
  const docs = parseAllDocuments(text, { prettyErrors: true }) as Document[] | unknown;
  if (!Array.isArray(docs)) return { ok: false, error: { message: 'not a YAML document stream' } };
  const values: unknown[] = [];
  for (const doc of docs as Document[]) {
    const error = doc.errors[0];
    if (error) return { ok: false, error: { message: error.message.split('\n')[0], line: error.linePos?.[0]?.line } };
    values.push(doc.toJS() ?? null);
  }
  return { ok: true, values };
}
