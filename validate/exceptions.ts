/**
 * Declared policy exceptions.
 *
 * An object (or the pod template inside it) may carry the annotation
 *
 *   mw-gitops.wikimedia.org/policy-exceptions: "<rule>[:<container>]=<reason>; ..."
 *
 * Entries are separated by `;` or newlines. `<rule>` is a waivable rule id (validate/rules.ts) or
 * a group of them (`restricted-security-context`, `resources`);
 * `:<container>` limits the exception to one container of the pod template; `<reason>` is
 * required and is shown in the output. Constructs set it from the service profile, e.g.
 * `security-capabilities:mediawiki-main-app=php-fpm slowlog needs SYS_PTRACE`. Exceptions can
 * also come from the caller as ValidateOptions.policyExceptions.
 */
import { RULE_GROUPS, ruleInfo } from './rules.js';
import { asObj, formatPath, type PathPart } from './objects.js';
import type { PolicyException } from './types.js';
import { POLICY_EXCEPTIONS_ANNOTATION, type PolicyExceptionEntry } from '../config/policy-exceptions.js';

export type ParsedException = PolicyExceptionEntry;

export interface ExceptionProblem {
  readonly field: string;
  readonly message: string;
}

/** Parses the annotation on `meta`; problems are reported under rule `policy-exception`. */
export function parseExceptions(meta: unknown, metaPath: readonly PathPart[]): { exceptions: ParsedException[]; problems: ExceptionProblem[] } {
  const exceptions: ParsedException[] = [];
  const problems: ExceptionProblem[] = [];
  const value = asObj(asObj(meta).annotations)[POLICY_EXCEPTIONS_ANNOTATION];
  if (value === undefined) return { exceptions, problems };
  const field = formatPath([...metaPath, 'annotations', POLICY_EXCEPTIONS_ANNOTATION]);
  if (typeof value !== 'string') {
    problems.push({ field, message: `annotation ${POLICY_EXCEPTIONS_ANNOTATION} must be a string` });
    return { exceptions, problems };
  }
  for (const raw of value.split(/[;\n]/)) {
    const entry = raw.trim();
    if (!entry) continue;
    const eq = entry.indexOf('=');
    const target = (eq < 0 ? entry : entry.slice(0, eq)).trim();
    const reason = eq < 0 ? '' : entry.slice(eq + 1).trim();
    const [rule, container] = target.split(':').map((s) => s.trim());
    const problem = exceptionProblem(rule, reason);
    if (problem) problems.push({ field, message: `policy exception "${entry}" ${problem}` });
    else exceptions.push({ rule, container: container || undefined, reason });
  }
  return { exceptions, problems };
}

/** Why a declared exception is unusable, or undefined. */
export function exceptionProblem(rule: string, reason: string): string | undefined {
  if (rule in RULE_GROUPS) return reason ? undefined : 'gives no reason (write <rule>[:<container>]=<reason>)';
  const info = ruleInfo(rule);
  if (!info) return `names no known rule (${JSON.stringify(rule)})`;
  if (!info.waivable) return `names rule ${rule}, which cannot be waived`;
  if (!reason) return 'gives no reason (write <rule>[:<container>]=<reason>)';
  return undefined;
}

export function optionExceptionProblems(list: readonly PolicyException[]): string[] {
  const out: string[] = [];
  list.forEach((e, i) => {
    const problem = exceptionProblem(e.rule, (e.reason ?? '').trim());
    if (problem) out.push(`policyExceptions[${i}] ${problem}`);
  });
  return out;
}

/** The exceptions service profiles declare (`policyExceptions: {<rule or group>: <reason>}`), each for its namespace. */
export function profilePolicyExceptions(profiles: readonly { readonly namespace: string; readonly policyExceptions?: Readonly<Record<string, string>> }[]): PolicyException[] {
  return profiles.flatMap((p) => Object.entries(p.policyExceptions ?? {}).map(([rule, reason]) => ({ rule, reason, namespace: p.namespace })));
}
