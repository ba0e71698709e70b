/**
 * The policy-exception annotation: constructs write it on the objects they build, validate/
 * reads it back. Its grammar and meaning are documented in validate/exceptions.ts.
 */

export const POLICY_EXCEPTIONS_ANNOTATION = 'mw-gitops.wikimedia.org/policy-exceptions';

/** One declared exception: a rule (or rule group), optionally one container, and why. */
export interface PolicyExceptionEntry {
  readonly rule: string;
  readonly container?: string;
  readonly reason: string;
}

/** Builds the annotation value for a list of exceptions (what constructs put on an object). */
export function policyExceptionsAnnotation(entries: readonly PolicyExceptionEntry[]): Record<string, string> {
  const value = entries.map((e) => `${e.rule}${e.container ? `:${e.container}` : ''}=${e.reason.replace(/[;\n]/g, ',')}`).join('; ');
  return { [POLICY_EXCEPTIONS_ANNOTATION]: value };
}
