/**
 * The normalized deployments model every shape of deployments.yaml becomes (scap's semantics).
 */
export const STAGES = ['testservers', 'canaries', 'production'] as const;
export type Stage = (typeof STAGES)[number];

export const DEFAULT_CLUSTERS = ['eqiad', 'codfw'] as const;
export const DEFAULT_MW_KIND = 'image';

/** Where a value came from in deployments.yaml, so later checks can point at it. */
export type FieldPath = readonly (string | number)[];

/** One release of one namespace in one cluster. */
export interface ReleaseSpec {
  readonly cluster: string;
  readonly namespace: string;
  readonly release: string;
  readonly stage: Stage;
  readonly deploy: boolean;
  readonly mwKind: string;
  readonly mwFlavour: string;
  readonly webFlavour: string;
  /** Supervision scope (deployment_targets[].scope); undefined in the older shapes. */
  readonly scope?: string;
  readonly dir?: string;
  /** Field paths in deployments.yaml for error messages. */
  readonly origin: {
    readonly release: FieldPath;
    readonly mwFlavour: FieldPath;
    readonly webFlavour: FieldPath;
    readonly mwKind: FieldPath;
    readonly clusters: FieldPath;
  };
}

export type SupervisionCheck =
  | { readonly kind: 'logstash'; readonly threshold: number; readonly scope?: string; readonly stage?: Stage }
  | { readonly kind: 'commands'; readonly commands: readonly string[] };

export interface SupervisionRule {
  readonly scope: string;
  readonly stages: Readonly<Partial<Record<Stage, readonly SupervisionCheck[]>>>;
}

export interface Deployments {
  readonly file: string;
  /** Which of the three shapes the file had. */
  readonly shape: 'legacy' | 'releases' | 'targets';
  readonly releases: readonly ReleaseSpec[];
  readonly supervisionRules: readonly SupervisionRule[];
  /** The line of a field path in the file, for errors found after parsing. */
  lineOf(path: FieldPath): number | undefined;
}

export function stageIndex(stage: Stage): number {
  return STAGES.indexOf(stage);
}
