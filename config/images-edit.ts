/**
 * Edits environments/images.yaml the way a reviewer wants a bot to: only the changed values move.
 *
 * The file is parsed with the yaml Document API to find the nodes, and the new values are spliced
 * into the original text at the nodes' source ranges, so comments, key order, quoting and the
 * formatting of every untouched line stay byte-identical. Every edit is checked by parsing the
 * result again and comparing it with the intended data; if a splice cannot be done safely (an
 * unusual layout such as a flow-style flavour), the Document API's own serializer is used for
 * that file instead, which still keeps comments and key order.
 *
 * Pure: text in, text out. Bad input throws UserError and returns nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, parse, parseDocument, type Document, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { ConfigError, UserError } from './errors.js';
import { WEB_DIGEST_KEY } from './images.js';
import { Digest, OciTag } from './names.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

export type FlavourKind = 'mw' | 'web';

/** One flavour whose tag or digests changed. */
export interface ImageChange {
  readonly flavour: string;
  readonly kind: FlavourKind;
  /** Tag before and after (equal when only a digest changed). */
  readonly from: string;
  readonly to: string;
  /** Digests pinned before and after, by key (mw_kind for mw flavours, `web` for web flavours); `{}` when none. */
  readonly digestsFrom: Readonly<Record<string, string>>;
  readonly digestsTo: Readonly<Record<string, string>>;
}

export interface ImagesEdit {
  /** The new file text; identical to the input when nothing changed. */
  readonly text: string;
  /** Empty when the file already had these values. */
  readonly changes: readonly ImageChange[];
}

export interface EditOptions {
  /** The file as the user knows it, for messages. @default 'environments/images.yaml' */
  readonly file?: string;
  /**
   * Which digest a `digest` argument pins for an mw flavour: its mw_kind (`image`, `debug-image`,
   * `cli-image`). A web flavour's single image is always pinned under `web` (config/images.ts).
   * @default 'image'
   */
  readonly digestKey?: string;
}

const SECTIONS: Readonly<Record<FlavourKind, string>> = { mw: 'mw_flavours', web: 'web_flavours' };

/** Names of the flavours the file defines, in file order. */
export function listFlavours(text: string, options: EditOptions = {}): { mw: string[]; web: string[] } {
  const file = load(text, options.file ?? DEFAULT_FILE);
  return { mw: flavourNames(file, 'mw'), web: flavourNames(file, 'web') };
}

export function validateTag(tag: string, what = 'tag'): void {
  if (!OciTag.safeParse(tag).success) {
    throw new UserError(
      `${what} ${JSON.stringify(tag)} is not a valid image tag: use at most 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'.`,
    );
  }
}

export function validateDigest(digest: string): void {
  if (!Digest.safeParse(digest).success) {
    throw new UserError(`digest ${JSON.stringify(digest)} is not a valid image digest: expected sha256: followed by 64 lowercase hex digits.`);
  }
}

/**
 * Sets one flavour's tag (and optionally pins a digest). The name is looked up in mw_flavours and
 * web_flavours. A new tag drops digests pinned for the old one, since they name other images.
 */
export function setFlavourTag(text: string, flavour: string, tag: string, digest?: string, options: EditOptions = {}): ImagesEdit {
  validateTag(tag);
  if (digest !== undefined) validateDigest(digest);
  const loaded = load(text, options.file ?? DEFAULT_FILE);
  const target = findFlavour(loaded, flavour);
  const digestKey = target.kind === 'web' ? WEB_DIGEST_KEY : (options.digestKey ?? 'image');
  if (digest !== undefined && target.kind === 'mw') checkDigestKey(loaded, digestKey);
  if (digest !== undefined && target.kind === 'web' && options.digestKey !== undefined && options.digestKey !== WEB_DIGEST_KEY) {
    throw new UserError(`${flavour} is a web flavour: its one image is pinned under digests.${WEB_DIGEST_KEY}; a digest kind applies to mw flavours only.`);
  }
  return applyEdits(text, loaded, [{ ...target, tag, digest: digest === undefined ? undefined : { key: digestKey, value: digest } }]);
}

/** Sets every flavour's tag to `<build>-<flavour>`, as the image build names them. */
export function setBuild(text: string, build: string, options: EditOptions = {}): ImagesEdit {
  validateTag(build, 'build');
  const loaded = load(text, options.file ?? DEFAULT_FILE);
  const targets: FlavourTarget[] = [];
  for (const kind of ['mw', 'web'] as const) {
    for (const name of flavourNames(loaded, kind)) targets.push(findFlavour(loaded, name, kind));
  }
  if (targets.length === 0) throw new UserError(`${loaded.source.file} defines no flavours under mw_flavours or web_flavours.`);
  const edits = targets.map((t) => {
    const tag = `${build}-${t.name}`;
    validateTag(tag, `build ${JSON.stringify(build)} gives tag`);
    return { ...t, tag, digest: undefined };
  });
  return applyEdits(text, loaded, edits);
}

// ---------------------------------------------------------------------------------------------

const DEFAULT_FILE = 'environments/images.yaml';

interface FlavourTarget {
  readonly name: string;
  readonly kind: FlavourKind;
  readonly pair: Pair<Scalar, YAMLMap>;
}

interface FlavourEdit extends FlavourTarget {
  readonly tag: string;
  readonly digest: { readonly key: string; readonly value: string } | undefined;
}

/** The file parsed twice over: nodes to splice into, and config's loader for errors and line numbers. */
interface Loaded {
  readonly doc: Document.Parsed;
  readonly source: YamlSource;
}

function load(text: string, file: string): Loaded {
  // Syntax errors and empty files are reported exactly as synth reports them.
  const source = parseYamlSource(file, text);
  const doc = parseDocument(text, { uniqueKeys: true });
  if (!isMap(doc.contents)) throw new ConfigError({ file }, 'expected a mapping with registry, mw_kinds, mw_flavours and web_flavours.');
  return { doc, source };
}

function section({ doc, source }: Loaded, kind: FlavourKind): YAMLMap | undefined {
  const node = doc.get(SECTIONS[kind], true);
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return undefined;
  if (!isMap(node)) {
    throw new ConfigError({ file: source.file, field: SECTIONS[kind], line: source.lineOf([SECTIONS[kind]]) }, 'expected a mapping of flavour names.');
  }
  return node;
}

function flavourNames(loaded: Loaded, kind: FlavourKind): string[] {
  const map = section(loaded, kind);
  return map ? map.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key)) : [];
}

function findFlavour(loaded: Loaded, name: string, only?: FlavourKind): FlavourTarget {
  const { file } = loaded.source;
  const found: FlavourTarget[] = [];
  for (const kind of only ? [only] : (['mw', 'web'] as const)) {
    const map = section(loaded, kind);
    const pair = map?.items.find((p) => isScalar(p.key) && String(p.key.value) === name);
    if (!pair) continue;
    if (!isMap(pair.value)) {
      throw new ConfigError({ file, field: `${SECTIONS[kind]}.${name}`, line: loaded.source.lineOf([SECTIONS[kind], name]) }, 'expected a mapping with a tag.');
    }
    found.push({ name, kind, pair: pair as Pair<Scalar, YAMLMap> });
  }
  if (found.length === 0) {
    const mw = flavourNames(loaded, 'mw');
    const web = flavourNames(loaded, 'web');
    throw new UserError(
      `flavour ${JSON.stringify(name)} is not defined in ${file}; known flavours: ` +
        `mw_flavours: ${mw.join(', ') || '(none)'}; web_flavours: ${web.join(', ') || '(none)'}.`,
    );
  }
  if (found.length > 1) {
    throw new UserError(`flavour ${JSON.stringify(name)} is defined in both mw_flavours and web_flavours of ${file}; rename one of them.`);
  }
  return found[0];
}

function checkDigestKey({ doc, source }: Loaded, key: string): void {
  const kinds = doc.get('mw_kinds', true);
  if (!isMap(kinds)) return;
  const known = kinds.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key));
  if (!known.includes(key)) {
    throw new UserError(`digest kind ${JSON.stringify(key)} is not an mw_kind in ${source.file}; known kinds: ${known.join(', ')}.`);
  }
}

function getPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
}

function stringRecord(node: unknown): Record<string, string> {
  if (!isMap(node)) return {};
  const out: Record<string, string> = {};
  for (const p of node.items) {
    if (isScalar(p.key) && isScalar(p.value) && p.value.value !== null) out[String(p.key.value)] = String(p.value.value);
  }
  return out;
}

/** Plans the value changes, then writes them as splices (or, failing that, via the serializer). */
function applyEdits(text: string, { doc, source }: Loaded, edits: readonly FlavourEdit[]): ImagesEdit {
  const { file } = source;
  const expected = doc.toJS() as Record<string, Record<string, Record<string, unknown>>>;
  const changes: ImageChange[] = [];
  const planned: { edit: FlavourEdit; from: string; digestsFrom: Record<string, string>; digestsTo: Record<string, string> }[] = [];

  for (const edit of edits) {
    const flavourMap = edit.pair.value!;
    const tagPair = getPair(flavourMap, 'tag');
    const field = `${SECTIONS[edit.kind]}.${edit.name}.tag`;
    if (!tagPair || !isScalar(tagPair.value) || tagPair.value.value === null) {
      throw new ConfigError({ file, field, line: source.lineOf([SECTIONS[edit.kind], edit.name]) }, 'the flavour has no tag to replace.');
    }
    const from = String(tagPair.value.value);
    const digestsFrom = stringRecord(getPair(flavourMap, 'digests')?.value);
    let digestsTo: Record<string, string>;
    if (from !== edit.tag) digestsTo = edit.digest ? { [edit.digest.key]: edit.digest.value } : {};
    else digestsTo = edit.digest ? { ...digestsFrom, [edit.digest.key]: edit.digest.value } : digestsFrom;
    if (from === edit.tag && isDeepStrictEqual(digestsFrom, digestsTo)) continue;
    changes.push({ flavour: edit.name, kind: edit.kind, from, to: edit.tag, digestsFrom, digestsTo });
    planned.push({ edit, from, digestsFrom, digestsTo });
    const entry = expected[SECTIONS[edit.kind]][edit.name];
    entry.tag = edit.tag;
    if (Object.keys(digestsTo).length === 0) delete entry.digests;
    else entry.digests = digestsTo;
  }
  if (changes.length === 0) return { text, changes };

  const check = (candidate: string): boolean => {
    try {
      return isDeepStrictEqual(parse(candidate), expected);
    } catch {
      return false;
    }
  };

  const spliced = trySplice(text, planned);
  if (spliced !== undefined && check(spliced)) return { text: spliced, changes };

  // Fallback: let the Document API write the file. Comments and key order survive; spacing of
  // flow collections may be normalized.
  for (const { edit, digestsTo } of planned) {
    const path = [SECTIONS[edit.kind], edit.name];
    doc.setIn([...path, 'tag'], edit.tag);
    if (Object.keys(digestsTo).length === 0) doc.deleteIn([...path, 'digests']);
    else doc.setIn([...path, 'digests'], doc.createNode(digestsTo));
  }
  const serialized = doc.toString({ lineWidth: 0 });
  if (!check(serialized)) throw new Error(`internal error: editing ${file} did not give the intended values`);
  return { text: serialized, changes };
}

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Splices the planned values into the text; undefined when the layout is not one it handles. */
function trySplice(
  text: string,
  planned: readonly { edit: FlavourEdit; digestsFrom: Record<string, string>; digestsTo: Record<string, string> }[],
): string | undefined {
  const splices: Splice[] = [];
  for (const { edit, digestsFrom, digestsTo } of planned) {
    const flavourMap = edit.pair.value!;
    const tagPair = getPair(flavourMap, 'tag')!;
    const tagNode = tagPair.value as Scalar;
    if (!tagNode.range) return undefined;
    const digestsChange = !isDeepStrictEqual(digestsFrom, digestsTo);
    if (flavourMap.flow && digestsChange) {
      // `{tag: …, digests: {…}}` on one line: write the mapping again in the same compact style,
      // keeping the other entries' source text.
      const rewritten = rewriteFlowFlavour(text, flavourMap, edit.tag, digestsTo);
      if (!rewritten) return undefined;
      splices.push(rewritten);
      continue;
    }
    splices.push({ start: tagNode.range[0], end: tagNode.range[1], text: scalarText(edit.tag, tagNode) });

    if (!digestsChange) continue;
    const digestsPair = getPair(flavourMap, 'digests');
    const keys = Object.keys(digestsTo);
    if (keys.length === 0) {
      // Remove the whole `digests:` entry (it pinned the old tag's images).
      if (!digestsPair) return undefined;
      const removal = removeLines(text, digestsPair);
      if (!removal) return undefined;
      splices.push(removal);
      continue;
    }
    if (!digestsPair) {
      const insertion = insertDigestsBlock(text, edit.pair, tagPair, digestsTo);
      if (!insertion) return undefined;
      splices.push(insertion);
      continue;
    }
    const digestsMap = digestsPair.value;
    if (!isMap(digestsMap) || !digestsMap.range) return undefined;
    if (digestsMap.flow) {
      // A one-line `{image: "sha256:…"}`: write it again in the same compact style.
      splices.push({ start: digestsMap.range[0], end: digestsMap.range[1], text: compactDigests(digestsTo) });
      continue;
    }
    // Block map: replace values in place, drop keys that go, append keys that come.
    let lastEnd: number | undefined;
    let column: number | undefined;
    for (const item of digestsMap.items) {
      if (!isScalar(item.key) || !item.key.range) return undefined;
      const key = String(item.key.value);
      column ??= item.key.range[0] - lineStart(text, item.key.range[0]);
      const valueNode = item.value;
      if (!isScalar(valueNode) || !valueNode.range) return undefined;
      lastEnd = afterLine(text, valueNode.range[2]);
      if (!(key in digestsTo)) {
        const removal = removeLines(text, item);
        if (!removal) return undefined;
        splices.push(removal);
      } else if (digestsTo[key] !== String(valueNode.value)) {
        splices.push({ start: valueNode.range[0], end: valueNode.range[1], text: scalarText(digestsTo[key], valueNode) });
      }
    }
    const added = keys.filter((k) => !(k in digestsFrom));
    if (added.length > 0) {
      if (lastEnd === undefined || column === undefined) return undefined;
      const pad = ' '.repeat(column);
      const prefix = lastEnd > 0 && text[lastEnd - 1] !== '\n' ? '\n' : '';
      splices.push({ start: lastEnd, end: lastEnd, text: prefix + added.map((k) => `${pad}${k}: ${JSON.stringify(digestsTo[k])}\n`).join('') });
    }
  }
  splices.sort((a, b) => b.start - a.start);
  for (let i = 1; i < splices.length; i++) if (splices[i].end > splices[i - 1].start) return undefined;
  let out = text;
  for (const s of splices) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

function compactDigests(digests: Record<string, string>): string {
  return `{${Object.entries(digests).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}`;
}

function rewriteFlowFlavour(text: string, map: YAMLMap, tag: string, digests: Record<string, string>): Splice | undefined {
  if (!map.range) return undefined;
  const parts: string[] = [];
  let sawDigests = false;
  for (const pair of map.items) {
    const key = pair.key as Scalar | null;
    const value = pair.value as Scalar | null;
    if (!isScalar(key) || !key.range || !value?.range) return undefined;
    const name = String(key.value);
    const keyText = text.slice(key.range[0], key.range[1]);
    if (name === 'tag') parts.push(`${keyText}: ${scalarText(tag, value)}`);
    else if (name === 'digests') {
      sawDigests = true;
      if (Object.keys(digests).length > 0) parts.push(`${keyText}: ${compactDigests(digests)}`);
    } else parts.push(text.slice(key.range[0], value.range[1]));
  }
  if (!sawDigests && Object.keys(digests).length > 0) parts.push(`digests: ${compactDigests(digests)}`);
  return { start: map.range[0], end: map.range[1], text: `{${parts.join(', ')}}` };
}

/** The new value written in the old scalar's quoting style, quoted when plain would change its type. */
function scalarText(value: string, old: Scalar): string {
  if (old.type === 'QUOTE_SINGLE') return `'${value}'`;
  if (old.type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  let plainIsString = false;
  try {
    plainIsString = parse(`v: ${value}`)?.v === value;
  } catch {
    plainIsString = false;
  }
  return plainIsString ? value : JSON.stringify(value);
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

/** The position just after the line that contains `pos - 1` (the end of a node's range). */
function afterLine(text: string, pos: number): number {
  if (pos > 0 && text[pos - 1] === '\n') return pos;
  const nl = text.indexOf('\n', pos);
  return nl === -1 ? text.length : nl + 1;
}

/** Removes a block-map pair: the lines from its key through the end of its value. */
function removeLines(text: string, pair: Pair): Splice | undefined {
  const key = pair.key as { range?: [number, number, number] } | null;
  const value = pair.value as { range?: [number, number, number] } | null;
  if (!key?.range || !value?.range) return undefined;
  const start = lineStart(text, key.range[0]);
  if (text.slice(start, key.range[0]).trim() !== '') return undefined;
  return { start, end: afterLine(text, value.range[2]), text: '' };
}

/** Inserts a `digests:` block after the tag line, indented like the tag. */
function insertDigestsBlock(text: string, flavourPair: Pair, tagPair: Pair, digests: Record<string, string>): Splice | undefined {
  const tagKey = tagPair.key as Scalar;
  const tagValue = tagPair.value as Scalar;
  const flavourKey = flavourPair.key as Scalar;
  if (!tagKey.range || !tagValue.range || !flavourKey.range) return undefined;
  const column = tagKey.range[0] - lineStart(text, tagKey.range[0]);
  const parentColumn = flavourKey.range[0] - lineStart(text, flavourKey.range[0]);
  if (text.slice(lineStart(text, tagKey.range[0]), tagKey.range[0]).trim() !== '') return undefined;
  const step = column > parentColumn ? column - parentColumn : 2;
  const at = afterLine(text, tagValue.range[2]);
  const pad = ' '.repeat(column);
  const inner = ' '.repeat(column + step);
  const prefix = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
  const lines = Object.entries(digests).map(([k, v]) => `${inner}${k}: ${JSON.stringify(v)}\n`);
  return { start: at, end: at, text: `${prefix}${pad}digests:\n${lines.join('')}` };
}
