import { RolloutSpecStrategyCanaryStepsPauseDuration, type RolloutSpecStrategyCanarySteps } from '../imports/rollout-argoproj.io.js';

/** An argument for an analysis: a literal, or the pod-template hash of the stable or new pods. */
export type AnalysisArg = { readonly name: string; readonly value: string } | { readonly name: string; readonly podTemplateHash: 'Stable' | 'Latest' };

/** An Argo Rollouts canary step. Build with the static factories; they validate their input. */
export class CanaryStep {
  /** Scale the new ReplicaSet to `weight` percent of the replicas (basic canary: by pod count). */
  static setWeight(weight: number): CanaryStep {
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
      throw new Error(`'setWeight' (${weight}) must be an integer between 0 and 100`);
    }
    return new CanaryStep({ setWeight: weight });
  }

  /** Wait `duration` (e.g. "5m"), or until promoted when no duration is given. */
  static pause(duration?: string): CanaryStep {
    if (duration !== undefined && !/^[0-9]+(s|m|h)$/.test(duration)) {
      throw new Error(`'pause' duration (${duration}) must look like 30s, 5m or 1h`);
    }
    return new CanaryStep({ pause: duration === undefined ? {} : { duration: RolloutSpecStrategyCanaryStepsPauseDuration.fromString(duration) } });
  }

  /** Run these AnalysisTemplates and wait for them; a failure aborts the rollout. */
  static analysis(templateNames: readonly string[], args: readonly AnalysisArg[] = []): CanaryStep {
    if (templateNames.length === 0) throw new Error("'analysis' needs at least one template");
    return new CanaryStep({
      analysis: {
        templates: templateNames.map((templateName) => ({ templateName })),
        ...(args.length
          ? { args: args.map((a) => ('podTemplateHash' in a ? { name: a.name, valueFrom: { podTemplateHashValue: a.podTemplateHash } } : { ...a })) }
          : {}),
      },
    });
  }

  private constructor(private readonly step: RolloutSpecStrategyCanarySteps) {}

  /** @internal */
  _toKube(): RolloutSpecStrategyCanarySteps {
    return this.step;
  }
}

