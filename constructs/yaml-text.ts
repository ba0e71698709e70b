/**
 * YAML text for config files that repeat large list items across releases (envoy's listeners and
 * clusters: the same ~150 mesh entries in every release). Emitting YAML node by node dominates a
 * render, so each item of the named lists is emitted once per distinct content and spliced in:
 * the text is byte-identical to emitting the whole value at once.
 */
import { stringify } from 'yaml';

const OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;
const itemTexts = new Map<string, string>();

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
    const line = new RegExp(`^( *)([^\\n]*?): ${marker}\\n`, 'm');
    const match = line.exec(text);
    if (!match) throw new Error(`yamlTextWithSharedItems: ${marker} not found in the emitted text`);
    // A block sequence under a mapping key sits two spaces deeper than the key.
    const indent = `${match[1]}  `;
    const items = list.map((item) => itemText(item, indent)).join('');
    text = text.slice(0, match.index) + `${match[1]}${match[2]}:\n${items}` + text.slice(match.index + match[0].length);
  }
  return text;
}

function itemText(item: unknown, indent: string): string {
  const key = `${indent.length}:${JSON.stringify(item)}`;
  let text = itemTexts.get(key);
  if (text === undefined) {
    text = yamlText([item]).replace(/^(?=.)/gm, indent);
    itemTexts.set(key, text);
  }
  return text;
}
