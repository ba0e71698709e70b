/**
 * Regenerates the committed schema data in validate/schemas/ (what validate/ reads at run time):
 *
 *   npx tsx scripts/build-schemas.ts [--check]
 *
 * - crds/<Kind>.json: `spec.versions[0].schema.openAPIV3Schema` of each CRD in schemas/crds/,
 *   as compact JSON with the `description` keywords removed (nothing else changed).
 * - k8s-fields.json: the field structure (names, nesting, arrays, maps) of every Kubernetes kind
 *   that kubernetes-models ships, read from its type declarations. Value checks (types, enums,
 *   required) come from kubernetes-models' own compiled validators at run time; this file only
 *   lets the strict-field walk tell a typo from a real field.
 * - SOURCES.md: provenance with the sha256 of each source.
 *
 * `--check` writes nothing and exits 1 when a committed file differs from a fresh extraction.
 * Dev-time only: it needs `typescript` (a devDependency); nothing at run time imports this file.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { readYamlDocument } from '../config/yaml-stream.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The upstream CRD files (copied verbatim; schemas/crds/SOURCES.md names their origin). */
export const CRD_DIR = join(repoRoot, 'schemas', 'crds');
/** Where validate/ reads the extracted schema data. */
const OUT_DIR = join(repoRoot, 'validate', 'schemas');

/** The CRD files this project validates against, by the kind they define. */
export const CRD_FILES = [
  'argo-rollouts-rollout-crd.yaml',
  'argo-rollouts-analysis-template-crd.yaml',
  'argo-rollouts-cluster-analysis-template-crd.yaml',
  'argo-cd-application-crd.yaml',
  'argo-cd-applicationset-crd.yaml',
  'argo-cd-appproject-crd.yaml',
] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type SchemaNode = { [key: string]: Json };

/** Schema keywords whose value is a map of name -> subschema. */
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs'];
/** Schema keywords whose value is one subschema. */
const SCHEMA_ONE = ['items', 'additionalProperties', 'not', 'additionalItems'];
/** Schema keywords whose value is a list of subschemas. */
const SCHEMA_LIST = ['allOf', 'anyOf', 'oneOf'];

/** Removes `description` keywords (documentation only) from a schema, recursively. */
export function stripDescriptions(node: Json): Json {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description') continue;
    if (SCHEMA_MAPS.includes(key) && value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripDescriptions(v)]));
    } else if (SCHEMA_ONE.includes(key)) {
      out[key] = stripDescriptions(value);
    } else if (SCHEMA_LIST.includes(key) && Array.isArray(value)) {
      out[key] = value.map(stripDescriptions);
    } else {
      out[key] = value;
    }
  }
  return out;
}

export interface CrdExtract {
  readonly file: string;
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly scope: string;
  readonly sha256: string;
  readonly size: number;
  readonly json: string;
}

export function extractCrd(file: string, text: string): CrdExtract {
  const doc = readYamlDocument(text) as {
    spec: { group: string; scope: string; names: { kind: string }; versions: { name: string; served: boolean; storage: boolean; schema: { openAPIV3Schema: Json } }[] };
  };
  const versions = doc.spec.versions.filter((v) => v.served);
  if (versions.length !== 1) throw new Error(`${file}: expected exactly one served version, found ${versions.length}`);
  const [version] = versions;
  return {
    file,
    group: doc.spec.group,
    kind: doc.spec.names.kind,
    version: version.name,
    scope: doc.spec.scope,
    sha256: createHash('sha256').update(text).digest('hex'),
    size: Buffer.byteLength(text),
    json: JSON.stringify(stripDescriptions(version.schema.openAPIV3Schema)) + '\n',
  };
}

// ---------------------------------------------------------------------------------------------
// Kubernetes field structure from kubernetes-models' type declarations.

/** A field's structure: `{}` a scalar, `$ref` a definition, `items` an array, `additionalProperties` a map. */
export type FieldNode =
  | { $ref: string }
  | { items: FieldNode }
  | { additionalProperties: FieldNode }
  | { 'x-kubernetes-preserve-unknown-fields': true }
  | Record<string, never>;

export interface K8sFields {
  readonly source: string;
  /** `<apiVersion> <kind>` -> definition name. */
  readonly kinds: Record<string, string>;
  readonly definitions: Record<string, { properties: Record<string, FieldNode> } | { 'x-kubernetes-preserve-unknown-fields': true }>;
}

export function extractK8sFields(): K8sFields {
  const require = createRequire(join(repoRoot, 'package.json'));
  const pkgJson = require.resolve('kubernetes-models/package.json');
  const pkgDir = dirname(pkgJson);
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const nodeModules = resolve(pkgDir, '..');

  // Every <group>/<version>/<Kind>.d.ts of the package.
  const roots: string[] = [];
  for (const group of readdirSync(pkgDir, { withFileTypes: true })) {
    if (!group.isDirectory() || group.name.startsWith('_') || group.name === 'node_modules') continue;
    const groupDir = join(pkgDir, group.name);
    const versionDirs = group.name === 'v1' ? [groupDir] : readdirSync(groupDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(groupDir, d.name));
    for (const dir of versionDirs) {
      for (const f of readdirSync(dir)) if (f.endsWith('.d.ts') && f !== 'index.d.ts') roots.push(join(dir, f));
    }
  }
  roots.sort();
  const program = ts.createProgram(roots, {
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    ignoreDeprecations: '6.0',
  } as ts.CompilerOptions);
  const checker = program.getTypeChecker();

  const definitions: Record<string, K8sFields['definitions'][string]> = {};
  const kinds: Record<string, string> = {};

  const defName = (decl: ts.Declaration): string => {
    const file = decl.getSourceFile().fileName;
    let rel = relative(nodeModules, file).split('\\').join('/').replace(/\.d\.ts$/, '');
    rel = rel.replace(/^kubernetes-models\/node_modules\//, '');
    rel = rel.replace(/^kubernetes-models\//, '');
    rel = rel.replace(/^@kubernetes-models\//, '');
    return rel;
  };

  const nodeFor = (type: ts.Type): FieldNode => {
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return { 'x-kubernetes-preserve-unknown-fields': true };
    if (type.isUnion()) {
      const members = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
      const objects = members.filter((t) => t.flags & ts.TypeFlags.Object);
      if (objects.length === 0) return {};
      if (objects.length === 1) return nodeFor(objects[0]);
      throw new Error(`union of object types: ${checker.typeToString(type)}`);
    }
    if (!(type.flags & ts.TypeFlags.Object)) return {};
    if (checker.isArrayType(type)) return { items: nodeFor(checker.getTypeArguments(type as ts.TypeReference)[0]) };
    const index = type.getStringIndexType();
    const props = type.getProperties();
    if (index && props.length === 0) return { additionalProperties: nodeFor(index) };
    const decl = type.getSymbol()?.declarations?.[0];
    if (!decl) throw new Error(`anonymous object type: ${checker.typeToString(type)}`);
    const name = defName(decl);
    if (!(name in definitions)) {
      if (props.length === 0) {
        definitions[name] = { 'x-kubernetes-preserve-unknown-fields': true };
      } else {
        const properties: Record<string, FieldNode> = {};
        definitions[name] = { properties };
        for (const p of [...props].sort((a, b) => (a.name < b.name ? -1 : 1))) {
          properties[p.name] = nodeFor(checker.getTypeOfSymbolAtLocation(p, decl));
        }
      }
    }
    return { $ref: name };
  };

  for (const file of roots) {
    const sf = program.getSourceFile(file);
    if (!sf) throw new Error(`not loaded: ${file}`);
    for (const stmt of sf.statements) {
      if (!ts.isInterfaceDeclaration(stmt)) continue;
      const type = checker.getTypeAtLocation(stmt);
      const apiVersion = type.getProperty('apiVersion');
      const kind = type.getProperty('kind');
      if (!apiVersion || !kind) continue;
      const av = checker.getTypeOfSymbolAtLocation(apiVersion, stmt);
      const k = checker.getTypeOfSymbolAtLocation(kind, stmt);
      if (!av.isStringLiteral() || !k.isStringLiteral()) continue;
      if (k.value.endsWith('List') && type.getProperty('items')) continue;
      const ref = nodeFor(type) as { $ref: string };
      kinds[`${av.value} ${k.value}`] = ref.$ref;
    }
  }
  const sortedDefs = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : 1)));
  const sortedKinds = Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { source: `kubernetes-models@${version}`, kinds: sortedKinds, definitions: sortedDefs };
}

// ---------------------------------------------------------------------------------------------

export function renderSources(crds: readonly CrdExtract[], fields: K8sFields): string {
  const rows = crds.map((c) => `| crds/${c.kind}.json | ${c.file} | ${c.group}/${c.version} ${c.kind} (${c.scope}) | ${c.size} | ${c.sha256} |`);
  return [
    '# Sources of the schema data in this folder',
    '',
    'Generated by `npx tsx scripts/build-schemas.ts` (do not edit by hand; `--check` verifies).',
    '',
    '## CRD schemas',
    '',
    'Each `crds/<Kind>.json` is `spec.versions[0].schema.openAPIV3Schema` (the only served version) of',
    'the CRD file in `schemas/crds/` named below, as compact JSON with every `description`',
    'keyword removed. Nothing else is changed. `schemas/crds/SOURCES.md` names the upstream',
    'projects, versions and commits of those files.',
    '',
    '| file here | source (schemas/crds/) | defines | source size (bytes) | source sha256 |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '## Kubernetes field structure',
    '',
    `\`k8s-fields.json\` lists, for every kind that ${fields.source} ships (${Object.keys(fields.kinds).length} kinds,`,
    `${Object.keys(fields.definitions).length} definitions), the fields each object may carry: read from the package's`,
    'type declarations, which it generates from the Kubernetes OpenAPI definitions. A node is `{}` for a',
    'scalar, `{"$ref": name}`, `{"items": node}` for a list, `{"additionalProperties": node}` for a map,',
    'or `x-kubernetes-preserve-unknown-fields` where any content is allowed (RawExtension, JSON).',
    'Value checks (types, enums, required fields) use the package\'s own compiled validators at run time.',
    '',
  ].join('\n');
}

export interface BuildOutput {
  readonly files: ReadonlyMap<string, string>;
}

export function build(crdDir: string = CRD_DIR): BuildOutput {
  const crds = CRD_FILES.map((f) => extractCrd(f, readFileSync(join(crdDir, f), 'utf8')));
  const fields = extractK8sFields();
  const files = new Map<string, string>();
  for (const c of crds) files.set(`crds/${c.kind}.json`, c.json);
  files.set('k8s-fields.json', JSON.stringify(fields) + '\n');
  files.set('SOURCES.md', renderSources(crds, fields));
  return { files };
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const { files } = build();
  let stale = 0;
  for (const [name, content] of files) {
    const target = join(OUT_DIR, name);
    const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
    if (current === content) continue;
    if (check) {
      process.stderr.write(`build: ${relative(repoRoot, target)} is out of date\n`);
      stale++;
    } else {
      writeFileSync(target, content);
      process.stdout.write(`wrote ${relative(repoRoot, target)} (${Buffer.byteLength(content)} bytes)\n`);
    }
  }
  return stale ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
