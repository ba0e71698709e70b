import type { ApiObject } from 'cdk8s';

/**
 * Sets `value` at `path` of the object's final JSON, after its generated binding has converted
 * its props. (A cdk8s JsonPatch would be run through the binding's converter again, which drops
 * int-or-string ports and quantities of core types it does not know.) Used where a CRD embeds
 * a core Kubernetes type built with the core bindings: the Rollout's pod template and the
 * analysis Job spec. Keys are sorted as cdk8s sorts the rest of the object.
 */
export function setRawJson(object: ApiObject, path: readonly (string | number)[], value: unknown): void {
  const typed = object.toJson.bind(object);
  object.toJson = () => {
    const json = typed();
    let node: Record<string | number, unknown> = json;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    node[path[path.length - 1]] = sortKeys(value);
    return json;
  };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
