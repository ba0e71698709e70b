import { Construct } from 'constructs';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { Rollout, RolloutSpecStrategyCanaryMaxSurge, RolloutSpecStrategyCanaryMaxUnavailable } from '../imports/rollout-argoproj.io.js';
import type { CanaryStep } from './canary-step.js';
import { PercentOrCount } from './percent-or-count.js';
import { setRawJson } from './raw-json.js';

export interface MediaWikiRolloutProps {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Pods are selected by these labels (app + release, as today). */
  readonly selector: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly template: IPodTemplateSpec;
  readonly steps: readonly CanaryStep[];
  /**
   * Pods above the replicas while stepping (basic canary arithmetic, no traffic router).
   * @default 25%
   */
  readonly maxSurge?: PercentOrCount;
  /**
   * Pods below the replicas while stepping.
   * @default 25%
   */
  readonly maxUnavailable?: PercentOrCount;
  /**
   * Seconds a step may make no progress before the rollout counts as failed.
   * @default 1200
   */
  readonly progressDeadlineSeconds?: number;
  /**
   * Abort (and scale the canary away) when the progress deadline passes.
   * @default true
   */
  readonly progressDeadlineAbort?: boolean;
  /**
   * Recent revisions a rollback goes straight back to, skipping the canary steps and analysis
   * (Argo Rollouts' `rollbackWindow`): a revert to what was fully promoted moments ago is
   * immediate instead of replaying every pause.
   * @default 3
   */
  readonly rollbackWindowRevisions?: number;
  /**
   * Old ReplicaSets kept for rollbacks.
   * @default 5
   */
  readonly revisionHistoryLimit?: number;
}

/**
 * An Argo Rollout with a canary strategy. Without a traffic router, a weight is a share of pods:
 * the release's Service selects old and new pods alike, so setWeight N sends about N% of requests
 * to the new version.
 */
export class MediaWikiRollout extends Construct {
  readonly apiObject: Rollout;

  constructor(scope: Construct, id: string, props: MediaWikiRolloutProps) {
    super(scope, id);
    const maxSurge = props.maxSurge ?? PercentOrCount.percent(25);
    const maxUnavailable = props.maxUnavailable ?? PercentOrCount.percent(25);
    if (maxSurge.isZero && maxUnavailable.isZero) throw new Error("'maxSurge' and 'maxUnavailable' cannot be both zero");
    const revisionHistoryLimit = props.revisionHistoryLimit ?? 5;
    const rollbackWindowRevisions = props.rollbackWindowRevisions ?? 3;
    if (!Number.isInteger(rollbackWindowRevisions) || rollbackWindowRevisions < 1 || rollbackWindowRevisions > revisionHistoryLimit) {
      // A revision outside the kept history has no ReplicaSet left to go back to.
      throw new Error(`'rollbackWindowRevisions' (${rollbackWindowRevisions}) must be a whole number from 1 to 'revisionHistoryLimit' (${revisionHistoryLimit})`);
    }
    this.apiObject = new Rollout(this, 'Resource', {
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit,
        rollbackWindow: { revisions: rollbackWindowRevisions },
        progressDeadlineSeconds: props.progressDeadlineSeconds ?? 1200,
        progressDeadlineAbort: props.progressDeadlineAbort ?? true,
        selector: { matchLabels: { ...props.selector } },
        strategy: {
          canary: {
            maxSurge: intOrString(maxSurge, RolloutSpecStrategyCanaryMaxSurge),
            maxUnavailable: intOrString(maxUnavailable, RolloutSpecStrategyCanaryMaxUnavailable),
            // No abortScaleDownDelaySeconds: without trafficRouting Argo Rollouts ignores it and
            // scales an aborted canary away at once.
            steps: props.steps.map((s) => s._toKube()),
          },
        },
      },
    });
    // The generated Rollout types re-declare the whole pod spec; the pod is built once with the
    // core Kubernetes types (shared with the DaemonSet) and placed here as it is.
    setRawJson(this.apiObject, ['spec', 'template'], props.template);
  }
}

function intOrString<T>(value: PercentOrCount, type: { fromString(v: string): T; fromNumber(v: number): T }): T {
  const kube = value.toKube();
  return typeof kube === 'string' ? type.fromString(kube) : type.fromNumber(kube);
}
