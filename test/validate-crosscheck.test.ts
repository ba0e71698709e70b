/**
 * An independent check of every object of the default render: Kubernetes kinds with
 * kubernetes-models' own `.validate()`, Argo kinds with a plain ajv compile of the raw CRD
 * schemas from schemas/crds (no pruning, no strict-field walk, none of validate/'s code).
 * It must find nothing the validation pass let through; and where the pass rejects a broken
 * object, so does this check.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readYamlDocument } from '../config/yaml-stream.js';
import * as environments from '../environments/index.js';
import { parseInputs } from '../render/inputs.js';
import { SERVICES, SITES } from './support/fixtures.js';
import { defaultRender } from './support/default-render.js';
import { profilePolicyExceptions, validateRender } from '../validate/index.js';
import { CRD_DIR, CRD_FILES } from '../scripts/build-schemas.js';
import { PROJECT } from './support/cli.js';

const require = createRequire(import.meta.url);
type Obj = Record<string, any>;


/**
 * The verdicts come from validators compiled without ajv's code optimisation and stopping at the
 * first error: the same valid/invalid answer for the same schema, and a sixth of the compile time
 * of the ApplicationSet CRD (most of this file's time otherwise). An object they reject is
 * validated again with every error collected, for the message.
 */
const addFormats = (addFormatsModule as unknown as { default?: (a: Ajv) => Ajv }).default ?? (addFormatsModule as unknown as (a: Ajv) => Ajv);
const ajv = addFormats(new Ajv({ allErrors: false, strict: false, code: { optimize: false } }));
const ajvAllErrors = addFormats(new Ajv({ allErrors: true, strict: false, code: { optimize: false } }));

/** The raw openAPIV3Schema of each served version of each CRD, compiled on first use. */
const crdSchemas = new Map<string, Obj>();
for (const file of CRD_FILES) {
  const crd = readYamlDocument(readFileSync(join(CRD_DIR, file), 'utf8')) as Obj;
  for (const v of crd.spec.versions) crdSchemas.set(`${crd.spec.group}/${v.name} ${crd.spec.names.kind}`, v.schema.openAPIV3Schema);
}
const crdValidators = new Map<string, ValidateFunction>();
function crdValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = `${apiVersion} ${kind}`;
  const schema = crdSchemas.get(key);
  if (!schema) return undefined;
  if (!crdValidators.has(key)) crdValidators.set(key, ajv.compile(schema));
  return crdValidators.get(key);
}
/** Every error of an object the CRD schema rejects (compiled only when one is rejected). */
function crdErrors(apiVersion: string, kind: string, obj: Obj): string {
  const all = ajvAllErrors.compile(crdSchemas.get(`${apiVersion} ${kind}`)!);
  all(obj);
  return JSON.stringify(all.errors);
}

function kubernetesModel(apiVersion: string, kind: string): (new (data: unknown) => { validate(): void }) | undefined {
  const modulePath = apiVersion === 'v1' ? `kubernetes-models/v1/${kind}` : `kubernetes-models/${apiVersion}/${kind}`;
  try {
    return require(modulePath)[kind];
  } catch {
    return undefined;
  }
}

/** The independent verdict on one object: undefined when valid, else the errors; 'no schema' when neither applies. */
function independentCheck(obj: Obj): string | undefined | 'no schema' {
  const { apiVersion, kind } = obj;
  const crd = crdValidator(apiVersion, kind);
  if (crd) return crd(obj) ? undefined : crdErrors(apiVersion, kind, obj);
  const model = kubernetesModel(obj.apiVersion, obj.kind);
  if (!model) return 'no schema';
  try {
    new model(obj).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const inputs = parseInputs(
  {
    deployments: { file: 'deployments.yaml', text: readFileSync(join(PROJECT, 'environments/deployments.yaml'), 'utf8') },
    images: { file: 'images.yaml', text: readFileSync(join(PROJECT, 'environments/images.yaml'), 'utf8') },
    sites: SITES,
    services: SERVICES,
  },
  environments,
);
// The render of these inputs, shared with the other suites that read it (support/default-render.ts).
const render = await defaultRender();
const options = { registry: inputs.images.registry, policyExceptions: profilePolicyExceptions(inputs.profiles) };

test('every object of the default render passes the independent check, as it passes the validation pass', () => {
  const pass = validateRender(render, options);
  expect(pass.violations).toEqual([]);
  const failures: { path: string; kind: string; name: string; errors: string }[] = [];
  const unchecked = new Set<string>();
  let checked = 0;
  for (const file of render.files) {
    for (const obj of file.objects as Obj[]) {
      const verdict = independentCheck(obj);
      if (verdict === 'no schema') unchecked.add(`${obj.apiVersion} ${obj.kind}`);
      else if (verdict !== undefined) failures.push({ path: file.path, kind: obj.kind, name: obj.metadata?.name, errors: verdict });
      else checked++;
    }
  }
  expect(failures).toEqual([]);
  // What neither schema covers is exactly what the pass names as not schema-validated.
  expect([...unchecked].sort()).toEqual(pass.unvalidatedKinds);
  expect(checked + render.files.flatMap((f) => f.objects).filter((o) => unchecked.has(`${o.apiVersion} ${o.kind}`)).length).toBe(pass.checkedObjects);
  // Every kind of Argo object the render holds went through a raw CRD schema.
  expect([...crdValidators.keys()].sort()).toEqual(expect.arrayContaining(['argoproj.io/v1alpha1 ApplicationSet', 'argoproj.io/v1alpha1 Rollout']));
});

test('where the pass rejects a broken object on schema grounds, the independent check does too', () => {
  const file = render.files.find((f) => f.path === 'eqiad/mw-web/main/manifest.yaml')!;
  const breakages: [string, (objects: Obj[]) => void][] = [
    ['a string weight', (o) => (o.find((x) => x.kind === 'Rollout')!.spec.strategy.canary.steps.find((s: Obj) => 'setWeight' in s).setWeight = '10')],
    ['a string port', (o) => (o.find((x) => x.kind === 'Service')!.spec.ports[0].port = 'https')],
    ['an unknown protocol', (o) => (o.find((x) => x.kind === 'NetworkPolicy')!.spec.ingress[0].ports[0].protocol = 'ICMP')],
    ['a bad quantity in a Rollout pod', (o) => (o.find((x) => x.kind === 'Rollout')!.spec.template.spec.containers[0].resources.requests.cpu = 'lots')],
  ];
  for (const [name, breakIt] of breakages) {
    const objects = structuredClone(file.objects) as Obj[];
    breakIt(objects);
    // Schema violations are per object: validating the broken file alone is enough (and a
    // quarter of a whole-render pass).
    const pass = validateRender({ files: [{ path: file.path, objects }], tree: render.tree }, options);
    const schemaViolations = pass.violations.filter((v) => v.rule === 'schema');
    expect({ name, passRejects: schemaViolations.length > 0 }).toEqual({ name, passRejects: true });
    const rejectedByIndependent = objects.some((o) => {
      const verdict = independentCheck(o);
      return verdict !== undefined && verdict !== 'no schema';
    });
    // The Rollout's pod quantities are open in the CRD (preserve-unknown-fields): only the
    // Kubernetes schema, which the pass applies to pod templates, catches them.
    if (name !== 'a bad quantity in a Rollout pod') expect({ name, independentRejects: rejectedByIndependent }).toEqual({ name, independentRejects: true });
  }
});
