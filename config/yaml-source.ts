/**
 * YAML input files parsed with positions kept, so every error can name the file, the field
 * path and the line. Pure: text in, data (or a ConfigError) out.
 */
import { LineCounter, isCollection, isMap, isNode, isScalar, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, fieldPath } from './errors.js';

/** Input files larger than this are refused before they are parsed (README, "The inputs"). */
export const MAX_INPUT_BYTES = 5 * 1024 * 1024;

/** How often YAML aliases may be expanded in one file; more is refused as an alias bomb. */
export const MAX_ALIAS_COUNT = 100;

export interface YamlSource {
  readonly file: string;
  readonly data: unknown;
  /** The 1-based line of the value at `path`, or of its nearest existing parent. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/** An input file's bytes as text: UTF-8 only, so a stray byte cannot turn into a different name. */
export function decodeInput(file: string, bytes: Uint8Array): string {
  checkSize(file, bytes.byteLength);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError({ file, line: firstInvalidLine(bytes) }, 'not valid UTF-8; input files must be UTF-8 text');
  }
}

/** A newline byte never occurs inside a UTF-8 sequence, so lines decode on their own. */
function firstInvalidLine(bytes: Uint8Array): number | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end === -1 ? bytes.length : end;
    try {
      decoder.decode(bytes.subarray(start, stop));
    } catch {
      return line;
    }
    start = stop + 1;
  }
  return undefined;
}

function checkSize(file: string, bytes: number): void {
  if (bytes > MAX_INPUT_BYTES) {
    throw new ConfigError({ file }, `the file has ${bytes} bytes; input files may have at most ${MAX_INPUT_BYTES} bytes (${MAX_INPUT_BYTES / 2 ** 20} MB)`);
  }
}

export function parseYamlSource(file: string, text: string): YamlSource {
  checkSize(file, Buffer.byteLength(text, 'utf8'));
  const lineCounter = new LineCounter();
  // stringKeys: a key is the name as written (`1e3` stays "1e3", not the number 1000).
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, stringKeys: true });
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
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws a ReferenceError for an alias bomb or an alias it cannot resolve.
    if (!(err instanceof ReferenceError)) throw err;
    const problem = /Excessive alias count/.test(err.message)
      ? `YAML aliases expand too far (more than ${MAX_ALIAS_COUNT} expansions); write the values out instead of nesting aliases`
      : `YAML alias error: ${err.message}`;
    throw new ConfigError({ file }, problem);
  }
  return { file, data, lineOf: (path) => lineOf(doc, lineCounter, path) };
}

/** A mapping entry is on the line of its key (a block value starts on the next line). */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const parent = depth > 0 ? doc.getIn(path.slice(0, depth - 1) as unknown[], true) : undefined;
    const pair = isMap(parent) ? parent.items.find((item) => isScalar(item.key) && item.key.value === path[depth - 1]) : undefined;
    const node = (pair?.key ?? doc.getIn(path.slice(0, depth) as unknown[], true)) as Node | undefined;
    if (node && isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Parses `source.data` with a zod schema; the first problem (by line) becomes a ConfigError. */
export function parseWith<S extends z.ZodType>(source: YamlSource, schema: S): z.infer<S> {
  const result = schema.safeParse(source.data);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((issue) => narrowUnion(issue, source.data)).map((issue) => {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    return { path, line: source.lineOf(path), message: describeIssue(issue, source.data) };
  });
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new ConfigError({ file: source.file, field: fieldPath(first.path), line: first.line }, first.message + more);
}

/**
 * zod reports a value that fits no branch of a union as "Invalid input". When the value's keys
 * pick exactly one branch (`{logstash_check: …}` or `{commands: …}`), report that branch's
 * problems instead, so `threshold: "150"` is reported at threshold.
 */
function narrowUnion(issue: z.core.$ZodIssue, data: unknown): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const offKeys = (sub: z.core.$ZodIssue) =>
    sub.path.length <= 1 && (sub.code === 'unrecognized_keys' || (sub.code === 'invalid_type' && sub.path.length === 1 && !valueAt(data, [...issue.path, ...sub.path]).present));
  const fitting = issue.errors.filter((branch) => !branch.some(offKeys));
  // Not a mapping at all: every branch says so the same way.
  const [first] = issue.errors[0];
  if (first.code === 'invalid_type' && first.path.length === 0 && issue.errors.every((b) => b[0].code === 'invalid_type' && b[0].path.length === 0 && b[0].expected === first.expected)) {
    return [{ ...first, path: issue.path }];
  }
  if (fitting.length !== 1) return [{ ...issue, message: `must have the fields of one form: ${issue.errors.map((b) => formOf(b, issue.path, data)).join(' or ')}` }];
  return fitting[0].flatMap((sub) => narrowUnion({ ...sub, path: [...issue.path, ...sub.path] } as z.core.$ZodIssue, data));
}

/** The keys one union branch wanted: those it missed and those it accepted. */
function formOf(branch: z.core.$ZodIssue[], at: readonly PropertyKey[], data: unknown): string {
  const unknown = new Set(branch.flatMap((sub) => (sub.code === 'unrecognized_keys' && sub.path.length === 0 ? sub.keys : [])));
  const missing = branch.flatMap((sub) => (sub.code === 'invalid_type' && sub.path.length === 1 ? [String(sub.path[0])] : []));
  const { value } = valueAt(data, at);
  const accepted = value !== null && typeof value === 'object' ? Object.keys(value).filter((k) => !unknown.has(k)) : [];
  return `{${[...new Set([...accepted, ...missing])].join(', ')}}`;
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_key':
      return issue.issues[0]?.message ?? issue.message;
    case 'invalid_type': {
      const found = valueAt(data, issue.path);
      const expected = TYPE_NAMES.get(issue.expected) ?? issue.expected;
      return found.present ? `must be ${article(expected)}, not ${describeValue(found.value)}` : `is required (${expected})`;
    }
    default:
      return issue.message;
  }
}

/** zod's type names as a YAML user reads them. */
const TYPE_NAMES: ReadonlyMap<string, string> = new Map([
  ['array', 'list'],
  ['object', 'mapping'],
  ['record', 'mapping'],
  ['int', 'integer'],
]);

function valueAt(data: unknown, path: readonly PropertyKey[]): { present: boolean; value?: unknown } {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return { present: false };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { present: true, value };
}

function describeValue(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `the ${typeof value} ${String(value)}`;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
