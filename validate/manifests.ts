/** Parsing rendered manifest files (multi-document YAML) into objects for validation. Pure. */
import { UserError } from '../config/errors.js';
import type { ObjectFile } from './types.js';
import { compareStrings } from '../config/compare.js';
import { readYamlStream } from '../config/yaml-stream.js';

/** Whether a tree path holds Kubernetes manifests (YAML), as opposed to releases.json or README.md. */
export function isManifestPath(path: string): boolean {
  return /\.ya?ml$/.test(path);
}

/**
 * The objects of every YAML file of a tree, in path order. `label` names the tree in errors
 * (e.g. the directory it was read from).
 */
export function parseManifests(tree: ReadonlyMap<string, string>, label: string): ObjectFile[] {
  const out: ObjectFile[] = [];
  for (const [path, text] of [...tree].sort(([a], [b]) => compareStrings(a, b))) {
    if (!isManifestPath(path)) continue;
    const objects: Record<string, unknown>[] = [];
    const stream = readYamlStream(text);
    if (!stream.ok) {
      const { message, line } = stream.error;
      throw new UserError(`${label}/${path}${line ? `:${line}` : ''}: invalid YAML: ${message}`);
    }
    stream.values.forEach((value, i) => {
      if (value === null || value === undefined) return; // an empty document
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw new UserError(`${label}/${path}: document ${i + 1} is not a mapping (a Kubernetes object)`);
      }
      objects.push(value as Record<string, unknown>);
    });
    out.push({ path, objects });
  }
  return out;
}
