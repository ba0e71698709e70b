/**
 * Types of the validation pass (validate/index.ts). Pure data: what goes in, what comes out.
 */

/** One manifest file of a rendered tree and the objects it holds, in document order. */
export interface ObjectFile {
  /** Relative POSIX path in the tree, e.g. `eqiad/mw-web/main/manifest.yaml`; the first segment is the cluster. */
  readonly path: string;
  readonly objects: readonly Record<string, unknown>[];
}

/** The object a violation is about. */
export interface ObjectRef {
  readonly path: string;
  readonly kind: string;
  readonly name: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
}

export interface Violation {
  /** A rule id from RULES (validate/rules.ts). */
  readonly rule: string;
  readonly object: ObjectRef;
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].imagePullPolcy`. */
  readonly field?: string;
  /** One sentence naming the object, e.g. `Rollout mw-web/mediawiki-main: ...`. */
  readonly message: string;
}

export interface RuleInfo {
  readonly id: string;
  /** One line: what the rule demands. */
  readonly doc: string;
  /** Whether a declared policy exception may waive it. */
  readonly waivable: boolean;
}

/**
 * A declared exception: the named rule does not apply to the matching objects (and containers).
 * Every field except `rule` and `reason` narrows the match; an absent field matches everything.
 */
export interface PolicyException {
  readonly rule: string;
  /** Why; required, shown in the output. */
  readonly reason: string;
  readonly cluster?: string;
  readonly namespace?: string;
  readonly kind?: string;
  readonly name?: string;
  /** Only this container of a pod template. */
  readonly container?: string;
}

/** A finding that a declared exception waived: listed, not counted as a violation. */
export interface Waiver {
  readonly rule: string;
  readonly object: ObjectRef;
  readonly field?: string;
  readonly message: string;
  readonly reason: string;
  /** Where the exception was declared: `annotation` on the object or pod template, or `options`. */
  readonly source: 'annotation' | 'options';
}

/** A hostPath that pods may mount. */
export interface HostPathAllowance {
  readonly path: string;
  /** Namespaces allowed to mount it; absent: any namespace. */
  readonly namespaces?: readonly string[];
  /** Every mount of it must be readOnly. */
  readonly readOnly: boolean;
}

export interface ValidateOptions {
  /** The registry every image must come from (images.yaml `registry`), or a list of allowed ones. */
  readonly registry: string | readonly string[];
  /** Exceptions declared outside the objects (e.g. from service profiles). */
  readonly policyExceptions?: readonly PolicyException[];
  /** The hostPath allow-list; default DEFAULT_HOST_PATH_ALLOW_LIST. */
  readonly hostPathAllowList?: readonly HostPathAllowance[];
  /**
   * Every file path of the tree (manifests, releases.json, README.md...), for the check that
   * Applications point at paths that exist. The paths of `files` always count.
   */
  readonly treePaths?: readonly string[];
}

export interface ValidationResult {
  /** Sorted by file path, object position in the file, rule, field. Empty: the tree is valid. */
  readonly violations: readonly Violation[];
  readonly checkedObjects: number;
  /** Every rule this pass checked. */
  readonly rules: readonly RuleInfo[];
  /** `<apiVersion> <kind>` of objects for which no schema is at hand (not schema-validated), sorted. */
  readonly unvalidatedKinds: readonly string[];
  /** Findings waived by declared exceptions. */
  readonly waived: readonly Waiver[];
}
