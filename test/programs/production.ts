/** The vendored production renders (test/fixtures/production) and the ConfigMap files they hold. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import jsYaml from 'js-yaml';
import { YAML_CORE } from '../../config/yaml-stream.js';
import { PROJECT } from '../support/cli.js';

export const PRODUCTION = join(PROJECT, 'test/fixtures/production');

export interface ProductionRelease {
  readonly namespace: string;
  readonly release: string;
  /** `<ns>/<release>/manifest.yaml`, relative to PRODUCTION. */
  readonly file: string;
  readonly objects: readonly Record<string, any>[];
}

/** Every vendored release, in namespace and release order (parses 11 files, 6 MB). */
export function productionReleases(): ProductionRelease[] {
  return readdirSync(PRODUCTION)
    .filter((n) => n.startsWith('mw-'))
    .sort()
    .flatMap((namespace) => readdirSync(join(PRODUCTION, namespace)).sort().map((release) => productionRelease(namespace, release)));
}

/** One vendored release. */
export function productionRelease(namespace: string, release: string): ProductionRelease {
  const file = `${namespace}/${release}/manifest.yaml`;
  // js-yaml reads these half-megabyte files four times as fast as yaml. `json: true` lets a
  // repeated key (helm's mw-debug render has one) keep its last value, as yaml's toJS does.
  const objects: Record<string, any>[] = [];
  jsYaml.loadAll(readFileSync(join(PRODUCTION, file), 'utf8'), (doc) => doc && objects.push(doc as Record<string, any>), { schema: YAML_CORE, json: true });
  return { namespace, release, file, objects };
}

/** The value of ConfigMap data key `key` (the first ConfigMap whose name matches `name`). */
export function configMapEntry(release: ProductionRelease, name: RegExp, key: string): string {
  const cm = release.objects.find((o) => o.kind === 'ConfigMap' && name.test(o.metadata.name) && typeof o.data?.[key] === 'string');
  if (!cm) throw new Error(`${release.file}: no ConfigMap ${name} with key ${key}`);
  return cm.data[key];
}
