/**
 * YAML read fast, for the tests' look at rendered manifests (some 500 KB each) and envoy
 * bootstraps (some 300 KB): js-yaml with YAML 1.2's core schema reads them in a half to a tenth of
 * yaml's time, with the same result (config/yaml-stream.ts, test/yaml-stream.test.ts).
 */
import jsYaml from 'js-yaml';

export function loadYaml(text: string): any {
  return jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA });
}

/** Every document of a stream, empty ones left out. */
export function loadYamlAll(text: string): any[] {
  const out: any[] = [];
  jsYaml.loadAll(text, (doc) => {
    if (doc !== null && doc !== undefined) out.push(doc);
  }, { schema: jsYaml.CORE_SCHEMA });
  return out;
}
