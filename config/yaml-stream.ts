/**
 * Rendered YAML read fast: the documents of a manifest stream, or one document (an envoy
 * bootstrap). js-yaml reads a manifest in about half the time yaml does; both read YAML 1.2's
 * core schema, so they agree on what a document means. Only a stream js-yaml refuses goes to
 * yaml, whose answer (and, for a broken stream, whose message with its line) is then the one
 * returned. Pure.
 */
import jsYaml from 'js-yaml';
import { parseAllDocuments, type Document } from 'yaml';

export type YamlStream = { readonly ok: true; readonly values: unknown[] } | { readonly ok: false; readonly error: { readonly message: string; readonly line?: number } };

/** Each document's value (null for an empty one), or the first error with its line. */
export function readYamlStream(text: string): YamlStream {
  try {
    const values: unknown[] = [];
    jsYaml.loadAll(text, (doc) => values.push(doc ?? null), { schema: jsYaml.CORE_SCHEMA });
    return { ok: true, values };
  } catch {
    return readWithYaml(text);
  }
}

/** One document (an envoy bootstrap) read with js-yaml on the core schema; throws js-yaml's error. */
export function readYamlDocument(text: string): unknown {
  return jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA });
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
