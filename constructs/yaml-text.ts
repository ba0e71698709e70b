/**
 * YAML text for values that repeat large parts across releases: envoy's listeners and clusters
 * (the same ~150 mesh entries in every release), the ConfigMaps' files (883 values in a render
 * of the project, 53 distinct) and the NetworkPolicies' egress rules (1827, 49 distinct).
 * Emitting YAML node by node dominates a render, so each repeated part is emitted once per
 * distinct content and spliced in: the text is byte-identical to emitting the whole value at once
 * (with lineWidth 0 nothing is folded, and a block's indentation is relative, so a part emitted
 * alone and indented reads the same).
 */
import { stringify } from 'yaml';

const OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;
const itemTexts = new Map<string, string>();
/** ConfigMap file name -> file content -> its emitted entry. */
const entryTexts = new Map<string, Map<string, string>>();

/** The YAML of `value`, as `stringify` writes it. */
export function yamlText(value: unknown): string {
  return stringify(value, OPTIONS);
}

/**
 * The YAML of `value`, whose lists at `listPaths` (dot-separated keys) are emitted item by item
 * through a cache shared by every call.
 */
export function yamlTextWithSharedItems(value: Record<string, unknown>, listPaths: readonly string[]): string {
  const lists = new Map<string, unknown[]>();
  const marked = { ...value };
  for (const path of listPaths) {
    // Copy only the maps on the way to the list; the caller's value stays as it is.
    const keys = path.split('.');
    let parent: Record<string, unknown> = marked;
    for (const key of keys.slice(0, -1)) parent = parent[key] = { ...(parent[key] as Record<string, unknown>) };
    const list = parent[keys.at(-1)!];
    if (!Array.isArray(list) || list.length === 0) continue;
    const marker = `MW_GITOPS_LIST_${lists.size}`;
    lists.set(marker, list);
    parent[keys.at(-1)!] = marker;
  }
  let text = yamlText(marked);
  for (const [marker, list] of lists) {
    // The marker's line, `<spaces><key>: <marker>`, found by plain search (a regex over the
    // whole text was a tenth of a render).
    const at = text.indexOf(`: ${marker}\n`);
    if (at < 0) throw new Error(`yamlTextWithSharedItems: ${marker} not found in the emitted text`);
    const start = text.lastIndexOf('\n', at) + 1;
    const keyLine = text.slice(start, at);
    // A block sequence under a mapping key sits two spaces deeper than the key.
    const indent = `${/^ */.exec(keyLine)![0]}  `;
    const items = list.map((item) => itemText(item, indent)).join('');
    text = `${text.slice(0, start)}${keyLine}:\n${items}${text.slice(at + marker.length + 3)}`;
  }
  return text;
}

function itemText(item: unknown, indent: string): string {
  const key = `${indent.length}:${JSON.stringify(item)}`;
  let text = itemTexts.get(key);
  if (text === undefined) {
    text = indented(yamlText([item]), indent);
    itemTexts.set(key, text);
  }
  return text;
}

/**
 * The YAML of `value` with its top-level mapping `key` (a ConfigMap's `data`) emitted through a
 * cache shared by every call.
 */
export function yamlTextWithSharedMap(value: Record<string, unknown>, key: string): string {
  const map = value[key];
  if (map === null || typeof map !== 'object' || Array.isArray(map) || Object.keys(map).length === 0) return yamlText(value);
  const line = `${key}: MW_GITOPS_MAP\n`;
  const text = yamlText({ ...value, [key]: 'MW_GITOPS_MAP' });
  // A top-level key starts a line at column 0; the key appears once.
  const at = text.startsWith(line) ? 0 : text.indexOf(`\n${line}`) + 1;
  if (!text.startsWith(line, at)) throw new Error(`yamlTextWithSharedMap: ${key} not found in the emitted text`);
  return `${text.slice(0, at)}${key}:\n${mapText(map)}${text.slice(at + line.length)}`;
}

/** A mapping's entries, each emitted once per distinct key and string value, indented under its key. */
function mapText(map: object): string {
  const entries = Object.entries(map);
  if (!entries.every(([, value]) => typeof value === 'string')) return indented(yamlText(map), '  ');
  return entries.map(([key, value]) => entryText(key, value as string)).join('');
}

function entryText(key: string, value: string): string {
  let byValue = entryTexts.get(key);
  if (byValue === undefined) entryTexts.set(key, (byValue = new Map()));
  let text = byValue.get(value);
  if (text === undefined) {
    text = indented(yamlText({ [key]: value }), '  ');
    byValue.set(value, text);
  }
  return text;
}

function indented(text: string, indent: string): string {
  return text.replace(/^(?=.)/gm, indent);
}
