/**
 * Schema and strict-field checks.
 *
 * - Kubernetes kinds: kubernetes-models' compiled validators (all errors, not only the first),
 *   plus the API server's name and label syntax rules, which OpenAPI does not carry.
 * - Argo Rollouts / Argo CD kinds: the CRD's openAPIV3Schema (validate/schemas/crds/, extracted
 *   from schemas/crds/) compiled with ajv. To keep compile time low the schema is first
 *   pruned to the properties the objects at hand actually use (a property no object has cannot
 *   produce an error; `required` is kept whole), and compiled validators are cached by pruned
 *   schema, so one synth compiles each kind once.
 * - Strict fields: every object is walked against its schema's structure and each field the
 *   schema does not define is reported, as `kubectl apply --validate=strict` would.
 *
 * Schema data is loaded lazily, only for the kinds present.
 */
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { asObj, formatPath, isObj, labelsOf, podTemplates, type Located, type Obj, type PathPart } from './objects.js';

const require = createRequire(import.meta.url);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type SchemaNode = { [key: string]: Json };

/** Argo kinds validated against the CRDs in validate/schemas/crds (see SOURCES.md there). */
export const CRD_KINDS: Readonly<Record<string, string>> = {
  'argoproj.io/v1alpha1 Rollout': 'Rollout',
  'argoproj.io/v1alpha1 AnalysisTemplate': 'AnalysisTemplate',
  'argoproj.io/v1alpha1 ClusterAnalysisTemplate': 'ClusterAnalysisTemplate',
  'argoproj.io/v1alpha1 Application': 'Application',
  'argoproj.io/v1alpha1 ApplicationSet': 'ApplicationSet',
  'argoproj.io/v1alpha1 AppProject': 'AppProject',
};

const OBJECT_META = 'apimachinery/apis/meta/v1/ObjectMeta';

interface K8sFields {
  readonly source: string;
  readonly kinds: Record<string, string>;
  readonly definitions: Record<string, SchemaNode>;
}

let fieldsCache: K8sFields | undefined;
function k8sFields(): K8sFields {
  return (fieldsCache ??= require('./schemas/k8s-fields.json') as K8sFields);
}

const crdCache = new Map<string, SchemaNode>();
function crdSchema(name: string): SchemaNode {
  let s = crdCache.get(name);
  if (!s) {
    s = require(`./schemas/crds/${name}.json`) as SchemaNode;
    crdCache.set(name, s);
  }
  return s;
}

/** A finding of this module, before it is turned into a Violation. */
export interface SchemaFinding {
  readonly rule: 'schema' | 'unknown-field';
  readonly field?: string;
  readonly message: string;
}

export type SchemaSource = 'kubernetes' | 'crd' | 'none';

export function schemaKey(apiVersion: string, kind: string): string {
  return `${apiVersion} ${kind}`;
}

/** Which schema validates objects of this apiVersion and kind. */
export function schemaSourceOf(apiVersion: string, kind: string): SchemaSource {
  const key = schemaKey(apiVersion, kind);
  if (key in CRD_KINDS) return 'crd';
  if (key in k8sFields().kinds) return 'kubernetes';
  return 'none';
}

// ---------------------------------------------------------------------------------------------
// ajv errors -> findings

/** Turns an instancePath (`/spec/ports/0`) into path parts, using the data to tell list indexes from keys. */
function pointerToPath(root: unknown, pointer: string): PathPart[] {
  if (!pointer) return [];
  const out: PathPart[] = [];
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(key)) {
      out.push(Number(key));
      cur = cur[Number(key)];
    } else {
      out.push(key);
      cur = isObj(cur) ? cur[key] : undefined;
    }
  }
  return out;
}

interface LooseError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
  readonly schemaPath: string;
}

/** Findings from ajv errors: one per problem, anyOf/oneOf alternatives folded into one message. */
export function findingsFromErrors(root: unknown, errors: readonly LooseError[], prefix: readonly PathPart[] = []): SchemaFinding[] {
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const folded = new Set<LooseError>();
  const altTypes = new Map<LooseError, string[]>();
  for (const alt of alternatives) {
    const types: string[] = [];
    for (const e of errors) {
      if (e === alt || e.instancePath !== alt.instancePath) continue;
      if (!['type', 'format', 'enum', 'pattern'].includes(e.keyword)) continue;
      folded.add(e);
      if (e.keyword === 'type') types.push(...[e.params.type].flat().map(String));
      if (e.keyword === 'format') types.push(`a valid ${String(e.params.format)}`);
      if (e.keyword === 'pattern') types.push(`a string matching ${String(e.params.pattern)}`);
    }
    altTypes.set(alt, [...new Set(types)]);
  }
  // A value of the wrong type also fails its enum or format: the type error says it all.
  const typed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  for (const e of errors) if ((e.keyword === 'enum' || e.keyword === 'format' || e.keyword === 'pattern') && typed.has(e.instancePath)) folded.add(e);
  const out: SchemaFinding[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (folded.has(e)) continue;
    let path = [...prefix, ...pointerToPath(root, e.instancePath)];
    let message: string;
    switch (e.keyword) {
      case 'required':
        path = [...path, String(e.params.missingProperty)];
        message = 'is required';
        break;
      case 'enum':
        message = `must be one of ${asArrayOf(e.params.allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'type':
        message = `must be ${[e.params.type].flat().join(' or ')}`;
        break;
      case 'anyOf':
      case 'oneOf': {
        const types = altTypes.get(e) ?? [];
        message = types.length ? `must be ${types.join(' or ')}` : `must match ${e.keyword === 'oneOf' ? 'exactly one' : 'one'} of the allowed forms`;
        break;
      }
      default:
        message = e.message ?? `fails ${e.keyword}`;
    }
    const field = formatPath(path);
    const key = `${field}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ rule: 'schema', field: field || undefined, message: `${field || 'object'} ${message}` });
  }
  return out;
}

function getAt(root: unknown, path: readonly PathPart[]): unknown {
  let cur = root;
  for (const p of path) cur = Array.isArray(cur) && typeof p === 'number' ? cur[p] : isObj(cur) ? cur[p] : undefined;
  return cur;
}

function asArrayOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

// ---------------------------------------------------------------------------------------------
// Kubernetes kinds

type ModelClass = new (data: unknown) => { validate(): void };
const modelCache = new Map<string, ModelClass>();
const kmRequire = createRequire(require.resolve('kubernetes-models'));

function modelClass(modulePath: string, exportName: string, req: NodeRequire): ModelClass {
  const key = `${modulePath}#${exportName}`;
  let cls = modelCache.get(key);
  if (!cls) {
    const mod = req(modulePath) as Record<string, ModelClass>;
    cls = mod[exportName];
    if (typeof cls !== 'function') throw new Error(`${modulePath} exports no ${exportName}`);
    modelCache.set(key, cls);
  }
  return cls;
}

function runModel(cls: ModelClass, data: unknown): LooseError[] {
  try {
    new cls(data).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: LooseError[] }).errors;
    if (Array.isArray(errors)) return errors;
    throw err;
  }
}

function validateKubernetes(l: Located): SchemaFinding[] {
  const def = k8sFields().kinds[schemaKey(l.apiVersion, l.kind)];
  const cls = modelClass(`kubernetes-models/${def}`, l.kind, require);
  return findingsFromErrors(l.obj, runModel(cls, l.obj));
}

function validateObjectMeta(meta: unknown, prefix: readonly PathPart[]): SchemaFinding[] {
  const cls = modelClass('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta', 'ObjectMeta', kmRequire);
  return findingsFromErrors(meta, runModel(cls, meta), prefix);
}

// ---------------------------------------------------------------------------------------------
// The API server's syntax rules for names and labels (not in OpenAPI).

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kinds whose names must be DNS-1035 labels (Service) or DNS-1123 labels (Namespace); others are subdomains. */
function nameProblem(kind: string, name: string): string | undefined {
  if (kind === 'Service') {
    return name.length <= 63 && DNS1035_LABEL.test(name) ? undefined : 'must be a DNS-1035 label (at most 63 characters: lower-case letters, digits and "-", starting with a letter)';
  }
  if (kind === 'Namespace') {
    return name.length <= 63 && DNS1123_LABEL.test(name) ? undefined : 'must be a DNS-1123 label (at most 63 characters: lower-case letters, digits and "-")';
  }
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name) ? undefined : 'must be a DNS-1123 subdomain (at most 253 characters: lower-case letters, digits, "-" and ".")';
}

function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return 'has a prefix that is not a DNS-1123 subdomain';
  if (name.length > 63 || !LABEL_NAME.test(name)) return 'is not a valid label or annotation name (at most 63 characters: alphanumerics, "-", "_", ".")';
  return undefined;
}

function metadataSyntax(meta: Obj, kind: string, prefix: readonly PathPart[], requireName: boolean): SchemaFinding[] {
  const out: SchemaFinding[] = [];
  const name = meta.name;
  if (typeof name === 'string') {
    const problem = nameProblem(kind, name);
    if (problem) out.push({ rule: 'schema', field: formatPath([...prefix, 'name']), message: `${formatPath([...prefix, 'name'])} ${JSON.stringify(name)} ${problem}` });
  } else if (requireName && meta.generateName === undefined) {
    out.push({ rule: 'schema', field: formatPath([...prefix, 'name']), message: `${formatPath([...prefix, 'name'])} is required` });
  }
  const labels = labelsOf(meta);
  for (const [k, v] of Object.entries(labels)) {
    const field = formatPath([...prefix, 'labels', k]);
    const keyProblem = labelKeyProblem(k);
    if (keyProblem) out.push({ rule: 'schema', field, message: `label key ${JSON.stringify(k)} ${keyProblem}` });
    if (v.length > 63 || !LABEL_VALUE.test(v)) out.push({ rule: 'schema', field, message: `${field} value ${JSON.stringify(v)} is not a valid label value (at most 63 characters: alphanumerics, "-", "_", ".", starting and ending alphanumeric)` });
  }
  for (const k of Object.keys(asObj(meta.annotations))) {
    const keyProblem = labelKeyProblem(k);
    if (keyProblem) out.push({ rule: 'schema', field: formatPath([...prefix, 'annotations', k]), message: `annotation key ${JSON.stringify(k)} ${keyProblem}` });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CRD kinds: prune, convert OpenAPI extensions, compile once, validate.

const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'] as const;

/**
 * The schema restricted to what `instances` use, with Kubernetes' OpenAPI extensions turned into
 * JSON Schema ajv understands: `x-kubernetes-int-or-string` -> integer or string, `nullable` ->
 * null allowed. A property that no instance has is dropped: it cannot produce an error.
 */
export function pruneForInstances(node: SchemaNode, instances: readonly unknown[]): SchemaNode {
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' || key.startsWith('x-kubernetes-') || key === 'nullable') continue;
    if (key === 'properties' || key === 'items' || key === 'additionalProperties' || key === 'not' || (SCHEMA_LISTS as readonly string[]).includes(key)) continue;
    out[key] = value;
  }
  const objects = instances.filter(isObj);
  const props = isObj(node.properties) ? (node.properties as Record<string, SchemaNode>) : undefined;
  if (props) {
    const kept: Record<string, SchemaNode> = {};
    for (const name of Object.keys(props)) {
      const values = objects.filter((o) => name in o).map((o) => o[name]);
      if (values.length) kept[name] = pruneForInstances(props[name], values);
    }
    out.properties = kept;
  }
  if (isObj(node.items)) {
    const elements = instances.filter(Array.isArray).flat();
    out.items = pruneForInstances(node.items as SchemaNode, elements);
  }
  if (isObj(node.additionalProperties)) {
    const known = new Set(props ? Object.keys(props) : []);
    const values = objects.flatMap((o) => Object.entries(o).filter(([k]) => !known.has(k)).map(([, v]) => v));
    out.additionalProperties = pruneForInstances(node.additionalProperties as SchemaNode, values);
  } else if (node.additionalProperties !== undefined) {
    out.additionalProperties = node.additionalProperties;
  }
  if (isObj(node.not)) out.not = pruneForInstances(node.not as SchemaNode, instances);
  for (const key of SCHEMA_LISTS) {
    const list = node[key];
    if (Array.isArray(list)) out[key] = list.map((b) => pruneForInstances(b as SchemaNode, instances));
  }
  if (node['x-kubernetes-int-or-string'] === true && !out.anyOf && !out.oneOf) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

let ajvInstance: Ajv | undefined;
function ajv(): Ajv {
  if (!ajvInstance) {
    // No code optimisation pass: it doubles compile time and the validators run on a few hundred objects.
    ajvInstance = new Ajv({ allErrors: true, strict: false, verbose: false, code: { optimize: false } });
    // ajv-formats is CommonJS: under NodeNext its default import is the module object.
    const mod = addFormatsModule as unknown as { default?: (ajv: Ajv) => Ajv };
    const addFormats = mod.default ?? (addFormatsModule as unknown as (ajv: Ajv) => Ajv);
    addFormats(ajvInstance);
  }
  return ajvInstance;
}

const compiled = new Map<string, ValidateFunction>();

/** Statistics for measurement (bench, tests): how many CRD validators were compiled and how long it took. */
export const compileStats = { compiled: 0, cacheHits: 0, ms: 0 };

function compileCached(schema: SchemaNode): ValidateFunction {
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) {
    compileStats.cacheHits++;
    return cached;
  }
  const t0 = performance.now();
  const fn = ajv().compile(schema);
  compileStats.ms += performance.now() - t0;
  compileStats.compiled++;
  compiled.set(key, fn);
  return fn;
}

/** Root schema of a CRD kind, with `metadata` validated separately as ObjectMeta. */
function crdRoot(name: string): SchemaNode {
  const root = crdSchema(name);
  const props = { ...(root.properties as Record<string, SchemaNode>) };
  delete props.metadata;
  return { ...root, properties: props };
}

function validateCrdGroup(name: string, group: readonly Located[]): Map<Located, SchemaFinding[]> {
  const root = crdRoot(name);
  const fn = compileCached(pruneForInstances(root, group.map((l) => l.obj)));
  const out = new Map<Located, SchemaFinding[]>();
  for (const l of group) {
    const findings: SchemaFinding[] = [];
    if (!fn(l.obj) && fn.errors) findings.push(...findingsFromErrors(l.obj, fn.errors as ErrorObject[]));
    if (l.obj.metadata !== undefined) findings.push(...validateObjectMeta(l.obj.metadata, ['metadata']));
    out.set(l, findings);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Strict fields

function resolveRef(node: SchemaNode): SchemaNode {
  let cur = node;
  for (let i = 0; i < 8 && typeof cur.$ref === 'string'; i++) {
    const def = k8sFields().definitions[cur.$ref];
    if (!def) throw new Error(`unknown definition ${cur.$ref}`);
    cur = def;
  }
  return cur;
}

const OBJECT_META_NODE: SchemaNode = { $ref: OBJECT_META };

const propertiesCache = new WeakMap<SchemaNode, Map<string, SchemaNode>>();

/** Property schemas of a node, including those its allOf/anyOf/oneOf branches declare. */
function propertiesOf(node: SchemaNode): Map<string, SchemaNode> {
  const cached = propertiesCache.get(node);
  if (cached) return cached;
  const out = new Map<string, SchemaNode>();
  propertiesCache.set(node, out);
  const add = (n: SchemaNode): void => {
    const r = resolveRef(n);
    if (isObj(r.properties)) for (const [k, v] of Object.entries(r.properties)) if (!out.has(k)) out.set(k, v as SchemaNode);
    for (const key of SCHEMA_LISTS) if (Array.isArray(r[key])) for (const b of r[key] as SchemaNode[]) add(b);
  };
  add(node);
  return out;
}

function flag(node: SchemaNode, name: string): boolean {
  if (node[name] === true) return true;
  return SCHEMA_LISTS.some((key) => Array.isArray(node[key]) && (node[key] as SchemaNode[]).some((b) => flag(resolveRef(b), name)));
}

/** Appends the path of every field of `value` that `node` does not define. */
export function unknownFields(value: unknown, schema: SchemaNode, path: PathPart[], out: PathPart[][]): void {
  const node = resolveRef(schema);
  if (Array.isArray(value)) {
    if (isObj(node.items)) value.forEach((v, i) => unknownFields(v, node.items as SchemaNode, [...path, i], out));
    return;
  }
  if (!isObj(value)) return;
  const props = propertiesOf(node);
  const embedded = flag(node, 'x-kubernetes-embedded-resource');
  const preserve = flag(node, 'x-kubernetes-preserve-unknown-fields');
  const additional = node.additionalProperties;
  const objectNode = props.size > 0 || additional !== undefined || node.type === 'object' || embedded || preserve;
  if (!objectNode) return; // a scalar node: a type error, reported by the schema check
  for (const [key, v] of Object.entries(value)) {
    const sub = props.get(key);
    if (sub) unknownFields(v, sub, [...path, key], out);
    else if (embedded && (key === 'apiVersion' || key === 'kind')) continue;
    else if (embedded && key === 'metadata') unknownFields(v, OBJECT_META_NODE, [...path, key], out);
    else if (isObj(additional)) unknownFields(v, additional as SchemaNode, [...path, key], out);
    else if (additional === true || preserve) continue;
    else out.push([...path, key]);
  }
}

const strictRoots = new Map<string, SchemaNode>();

/** A CRD's root schema for the strict walk: `metadata` is the standard ObjectMeta, as the API server treats it. */
function crdStrictRoot(name: string): SchemaNode {
  let root = strictRoots.get(name);
  if (!root) {
    const schema = crdSchema(name);
    root = { ...schema, properties: { ...(schema.properties as Record<string, SchemaNode>), metadata: OBJECT_META_NODE } };
    strictRoots.set(name, root);
  }
  return root;
}

function strictFindings(l: Located, root: SchemaNode): SchemaFinding[] {
  const paths: PathPart[][] = [];
  unknownFields(l.obj, root, [], paths);
  return paths.map((p) => {
    const field = formatPath(p);
    return { rule: 'unknown-field' as const, field, message: `unknown field ${JSON.stringify(field)}` };
  });
}

// ---------------------------------------------------------------------------------------------

export interface SchemaPassResult {
  readonly findings: Map<Located, SchemaFinding[]>;
  /** `<apiVersion> <kind>` of objects no schema covers. */
  readonly unvalidated: Set<string>;
}

/** Schema and strict-field findings for every object. */
export function schemaPass(objects: readonly Located[]): SchemaPassResult {
  const findings = new Map<Located, SchemaFinding[]>();
  const unvalidated = new Set<string>();
  const crdGroups = new Map<string, Located[]>();
  for (const l of objects) {
    const own: SchemaFinding[] = [];
    findings.set(l, own);
    if (!l.apiVersion || !l.kind) {
      own.push({ rule: 'schema', message: `object has no ${!l.apiVersion ? 'apiVersion' : 'kind'}` });
      continue;
    }
    const meta = l.obj.metadata;
    if (isObj(meta)) own.push(...metadataSyntax(meta, l.kind, ['metadata'], true));
    else own.push({ rule: 'schema', field: 'metadata', message: 'metadata is required' });
    const source = schemaSourceOf(l.apiVersion, l.kind);
    if (source === 'kubernetes') {
      own.push(...validateKubernetes(l));
      own.push(...strictFindings(l, { $ref: k8sFields().kinds[schemaKey(l.apiVersion, l.kind)] }));
    } else if (source === 'crd') {
      const name = CRD_KINDS[schemaKey(l.apiVersion, l.kind)];
      const group = crdGroups.get(name) ?? [];
      group.push(l);
      crdGroups.set(name, group);
      own.push(...strictFindings(l, crdStrictRoot(name)));
    } else {
      unvalidated.add(schemaKey(l.apiVersion, l.kind));
    }
    // Pod templates inside custom resources (a Rollout's spec.template, an analysis Job's template)
    // also go through the Kubernetes schema, which checks what the CRD leaves open (quantities).
    if (source === 'crd') {
      for (const t of podTemplates(l.obj)) {
        const cls = modelClass('kubernetes-models/v1/PodTemplateSpec', 'PodTemplateSpec', require);
        const template = getAt(l.obj, t.path);
        own.push(...findingsFromErrors(template, runModel(cls, template), t.path));
      }
    }
    for (const t of podTemplates(l.obj)) if (t.path.length) own.push(...metadataSyntax(t.metadata, 'Pod', [...t.path, 'metadata'], false));
  }
  for (const [name, group] of crdGroups) {
    for (const [l, f] of validateCrdGroup(name, group)) findings.get(l)!.unshift(...f);
  }
  return { findings, unvalidated };
}
