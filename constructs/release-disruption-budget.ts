import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { kubeObject } from './kube-object.js';
import type { PercentOrCount } from './percent-or-count.js';

export interface ReleaseDisruptionBudgetProps {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  /** How many pods a drain may take at once, e.g. 6% (today's rolling-update unavailability); never 0. */
  readonly maxUnavailable: PercentOrCount;
}

/** Keeps node drains from taking more than the release's share of pods at once. */
export class ReleaseDisruptionBudget extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: ReleaseDisruptionBudgetProps) {
    super(scope, id);
    if (props.maxUnavailable.isZero) {
      throw new Error(`'maxUnavailable' (${props.maxUnavailable.toKube()}) must let a node drain evict at least one pod`);
    }
    this.apiObject = kubeObject<IPodDisruptionBudget>(this, 'Resource', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: { maxUnavailable: props.maxUnavailable.toKube(), selector: { matchLabels: { ...props.selector } } },
    });
  }
}
