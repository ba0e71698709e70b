/**
 * YAML input files parsed with positions kept, so every error can name the file, the field
 * path and the line. Pure: text in, data (or a ConfigError) out.
 */
import { LineCounter, isCollection, isNode, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, fieldPath } from './errors.js';

export interface YamlSource {
  readonly file: string;
  readonly data: unknown;
  /** The 1-based line of the value at `path`, or of its nearest existing parent. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    // The first line of yaml's message is the sentence; the rest is a code excerpt.
    const message = problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError({ file, line }, `YAML syntax error: ${message}`);
  }
  if (doc.contents === null || (isNode(doc.contents) && (doc.contents as { value?: unknown }).value === null && !isCollection(doc.contents))) {
    throw new ConfigError({ file }, 'the file is empty');
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  return { file, data, lineOf: (path) => lineOf(doc, lineCounter, path) };
}

function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as Node | undefined;
    if (node && isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Parses `source.data` with a zod schema; the first problem (by line) becomes a ConfigError. */
export function parseWith<S extends z.ZodType>(source: YamlSource, schema: S): z.infer<S> {
  const result = schema.safeParse(source.data);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    return { path, line: source.lineOf(path), message: describeIssue(issue) };
  });
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new ConfigError({ file: source.file, field: fieldPath(first.path), line: first.line }, first.message + more);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return issue.message.startsWith('Invalid input: expected') && issue.input === undefined
        ? `is required (${issue.expected})`
        : `must be ${article(issue.expected)}`;
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
