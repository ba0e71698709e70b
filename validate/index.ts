/**
 * The validation pass over rendered objects: schema, strict fields, policy and references.
 * Pure: objects in, violations out (schema data is read from this folder on first use).
 *
 * `synth` runs it before writing anything; `mw-gitops validate` runs it on a rendered tree.
 * docs/validate.md documents the rules, the exceptions mechanism and the output.
 */
import { UserError } from '../config/errors.js';
import { optionExceptionProblems, parseExceptions, type ParsedException } from './exceptions.js';
import { describe, locate, podTemplates, type Located } from './objects.js';
import { DEFAULT_HOST_PATH_ALLOW_LIST, policyFindings, type Finding } from './policy.js';
import { crossObjectFindings } from './refs.js';
import { RULES, exceptionCovers, ruleOrder } from './rules.js';
import { schemaPass } from './schema.js';
import type { ObjectFile, PolicyException, ValidateOptions, ValidationResult, Violation, Waiver } from './types.js';
import { compareStrings } from '../config/compare.js';

export type * from './types.js';
export { RULES } from './rules.js';
export { DEFAULT_HOST_PATH_ALLOW_LIST } from './policy.js';
export { POLICY_EXCEPTIONS_ANNOTATION, policyExceptionsAnnotation } from '../config/policy-exceptions.js';
export { profilePolicyExceptions } from './exceptions.js';
export { RULE_GROUPS } from './rules.js';
export { parseManifests } from './manifests.js';

/** Validates every object of every file; lists all violations, not only the first. */
export function validateObjects(files: readonly ObjectFile[], options: ValidateOptions): ValidationResult {
  const registries = typeof options.registry === 'string' ? [options.registry] : [...options.registry];
  if (!registries.length || registries.some((r) => !r)) throw new UserError('validate: no image registry given (images.yaml `registry`).');
  const optionExceptions = options.policyExceptions ?? [];
  const problems = optionExceptionProblems(optionExceptions);
  if (problems.length) throw new UserError(`validate: ${problems.join('; ')}.`);
  const hostPathAllowList = options.hostPathAllowList ?? DEFAULT_HOST_PATH_ALLOW_LIST;

  const located: Located[] = [];
  files.forEach((file, fi) => file.objects.forEach((obj, di) => located.push(locate(file.path, obj, fi, di))));
  const treePaths = new Set<string>([...files.map((f) => f.path), ...(options.treePaths ?? [])]);

  const { findings: schemaFindings, unvalidated } = schemaPass(located);
  const cross = crossObjectFindings(located, treePaths);

  const violations: (Violation & { order: [number, number, number] })[] = [];
  const waived: (Waiver & { order: [number, number, number] })[] = [];
  for (const l of located) {
    const name = describe(l.ref);
    const push = (rule: string, field: string | undefined, message: string): void => {
      violations.push({ rule, object: l.ref, ...(field ? { field } : {}), message: `${name}: ${message}`, order: [l.fileIndex, l.docIndex, ruleOrder(rule)] });
    };
    for (const f of schemaFindings.get(l) ?? []) push(f.rule, f.field, f.message);

    // Exceptions declared on the object and on its pod templates.
    const objectExceptions = parseExceptions(l.obj.metadata, ['metadata']);
    for (const p of objectExceptions.problems) push('policy-exception', p.field, p.message);
    const templateExceptions = new Map<string, ParsedException[]>();
    for (const t of podTemplates(l.obj)) {
      if (!t.path.length) continue; // a Pod: its metadata is the object's
      const parsed = parseExceptions(t.metadata, [...t.path, 'metadata']);
      for (const p of parsed.problems) push('policy-exception', p.field, p.message);
      templateExceptions.set(t.path.join('/'), parsed.exceptions);
    }

    const policy = policyFindings(l.obj, { registries, hostPathAllowList, namespace: l.ref.namespace });
    for (const f of [...policy, ...(cross.get(l) ?? [])]) {
      const waiver = findException(f, l, objectExceptions.exceptions, f.template ? (templateExceptions.get(f.template.path.join('/')) ?? []) : [], optionExceptions);
      if (waiver) {
        waived.push({ rule: f.rule, object: l.ref, ...(f.field ? { field: f.field } : {}), message: `${name}: ${f.message}`, reason: waiver.reason, source: waiver.source, order: [l.fileIndex, l.docIndex, ruleOrder(f.rule)] });
      } else {
        push(f.rule, f.field, f.message);
      }
    }
  }

  const byPosition = (a: Ordered, b: Ordered): number =>
    compareStrings(a.object.path, b.object.path) || cmp(a.order[0], b.order[0]) || cmp(a.order[1], b.order[1]) || cmp(a.order[2], b.order[2]) || compareStrings(a.field ?? '', b.field ?? '') || compareStrings(a.message, b.message);
  violations.sort(byPosition);
  waived.sort(byPosition);
  return {
    violations: violations.map(({ order: _order, ...v }) => v),
    checkedObjects: located.length,
    rules: RULES,
    unvalidatedKinds: [...unvalidated].sort(compareStrings),
    waived: waived.map(({ order: _order, ...w }) => w),
  };
}

interface Ordered {
  readonly object: { readonly path: string };
  readonly order: readonly [number, number, number];
  readonly field?: string;
  readonly message: string;
}

const cmp = (a: number, b: number): number => a - b;

function findException(
  f: Finding,
  l: Located,
  onObject: readonly ParsedException[],
  onTemplate: readonly ParsedException[],
  fromOptions: readonly PolicyException[],
): { reason: string; source: 'annotation' | 'options' } | undefined {
  const matches = (e: { rule: string; container?: string }): boolean => exceptionCovers(e.rule, f.rule) && (e.container === undefined || e.container === f.container);
  const annotated = [...onTemplate, ...onObject].find(matches);
  if (annotated) return { reason: annotated.reason, source: 'annotation' };
  const option = fromOptions.find(
    (e) =>
      matches(e) &&
      (e.cluster === undefined || e.cluster === l.cluster) &&
      (e.namespace === undefined || e.namespace === l.ref.namespace) &&
      (e.kind === undefined || e.kind === l.kind) &&
      (e.name === undefined || e.name === l.ref.name),
  );
  return option ? { reason: option.reason, source: 'options' } : undefined;
}

/** A render (renderProject's result) or a tree read from disk: its manifest objects and every path. */
export interface RenderedObjects {
  readonly files: readonly ObjectFile[];
  readonly tree: ReadonlyMap<string, string>;
}

/** validateObjects over a whole render; every path of the tree counts for Argo CD path checks. */
export function validateRender(render: RenderedObjects, options: ValidateOptions): ValidationResult {
  return validateObjects(render.files, { ...options, treePaths: [...render.tree.keys(), ...(options.treePaths ?? [])] });
}

// ---------------------------------------------------------------------------------------------
// Output

/** The human report: a summary line, then the violations grouped per object. */
export function formatReport(result: ValidationResult): string {
  const lines: string[] = [];
  const groups = groupByObject(result.violations);
  lines.push(
    `Checked ${result.checkedObjects} object${result.checkedObjects === 1 ? '' : 's'} against ${result.rules.length} rules: ` +
      (result.violations.length ? `${result.violations.length} violation${result.violations.length === 1 ? '' : 's'} in ${groups.length} object${groups.length === 1 ? '' : 's'}.` : 'no violations.'),
  );
  if (result.unvalidatedKinds.length) lines.push(`Not schema-validated (no schema at hand): ${result.unvalidatedKinds.join(', ')}.`);
  if (result.waived.length) lines.push(`Waived by declared exceptions: ${result.waived.length} finding${result.waived.length === 1 ? '' : 's'} (${summarizeWaivers(result.waived)}).`);
  for (const g of groups) {
    lines.push('');
    lines.push(`${g.object.path}: ${describe(g.object)}`);
    const prefix = `${describe(g.object)}: `;
    for (const v of g.violations) lines.push(`  [${v.rule}] ${v.message.startsWith(prefix) ? v.message.slice(prefix.length) : v.message}`);
  }
  return lines.join('\n') + '\n';
}

function summarizeWaivers(waived: readonly Waiver[]): string {
  const counts = new Map<string, number>();
  for (const w of waived) counts.set(w.rule, (counts.get(w.rule) ?? 0) + 1);
  return [...counts].map(([rule, n]) => `${rule} ×${n}`).join(', ');
}

export interface ViolationGroup {
  readonly object: Violation['object'];
  readonly violations: readonly Violation[];
}

export function groupByObject(violations: readonly Violation[]): ViolationGroup[] {
  const groups: { object: Violation['object']; violations: Violation[] }[] = [];
  const byKey = new Map<string, { object: Violation['object']; violations: Violation[] }>();
  for (const v of violations) {
    const key = `${v.object.path}\0${v.object.kind}\0${v.object.namespace}\0${v.object.name}`;
    let g = byKey.get(key);
    if (!g) {
      g = { object: v.object, violations: [] };
      byKey.set(key, g);
      groups.push(g);
    }
    g.violations.push(v);
  }
  return groups;
}

/** The `--json` shape: one object for CI annotations. */
export function reportJson(result: ValidationResult): {
  ok: boolean;
  checkedObjects: number;
  rules: ValidationResult['rules'];
  violations: ValidationResult['violations'];
  unvalidatedKinds: ValidationResult['unvalidatedKinds'];
  waived: ValidationResult['waived'];
} {
  return {
    ok: result.violations.length === 0,
    checkedObjects: result.checkedObjects,
    rules: result.rules,
    violations: result.violations,
    unvalidatedKinds: result.unvalidatedKinds,
    waived: result.waived,
  };
}
