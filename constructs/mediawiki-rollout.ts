import { Construct } from 'constructs';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { Rollout, RolloutSpecStrategyCanaryMaxSurge, RolloutSpecStrategyCanaryMaxUnavailable } from '../imports/rollout-argoproj.io.js';
import type { CanaryStep } from './canary-step.js';
import { setRawJson } from './raw-json.js';

export interface MediaWikiRolloutProps {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Pods are selected by these labels (app + release, as today). */
  readonly selector: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly template: IPodTemplateSpec;
  readonly steps: readonly CanaryStep[];
  /** Basic canary arithmetic (no traffic router): surge and unavailability while stepping. */
  readonly maxSurge: string;
  readonly maxUnavailable: string;
}

/**
 * An Argo Rollout with a canary strategy. Without a traffic router, a weight is a share of pods:
 * the release's Service selects old and new pods alike, so setWeight N sends about N% of requests
 * to the new version.
 */
export class MediaWikiRollout extends Construct {
  constructor(scope: Construct, id: string, props: MediaWikiRolloutProps) {
    super(scope, id);
    const rollout = new Rollout(this, 'Resource', {
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 1200,
        progressDeadlineAbort: true,
        selector: { matchLabels: { ...props.selector } },
        strategy: {
          canary: {
            maxSurge: percentOrCount(props.maxSurge, RolloutSpecStrategyCanaryMaxSurge),
            maxUnavailable: percentOrCount(props.maxUnavailable, RolloutSpecStrategyCanaryMaxUnavailable),
            // An aborted canary scales its pods away at once.
            abortScaleDownDelaySeconds: 0,
            steps: props.steps.map((s) => s._toKube()),
          },
        },
      },
    });
    // The generated Rollout types re-declare the whole pod spec; the pod is built once with the
    // core Kubernetes types (shared with the DaemonSet) and placed here as it is.
    setRawJson(rollout, ['spec', 'template'], props.template);
  }
}

function percentOrCount<T>(value: string, type: { fromString(v: string): T; fromNumber(v: number): T }): T {
  return value.endsWith('%') ? type.fromString(value) : type.fromNumber(Number(value));
}
