import { Construct } from 'constructs';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { kubeObject } from './kube-object.js';

export interface ReleaseDisruptionBudgetProps {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  /** A count or a percentage, e.g. "6%" (today's rolling-update unavailability). */
  readonly maxUnavailable: string;
}

/** Keeps node drains from taking more than the release's share of pods at once. */
export class ReleaseDisruptionBudget extends Construct {
  constructor(scope: Construct, id: string, props: ReleaseDisruptionBudgetProps) {
    super(scope, id);
    const value = props.maxUnavailable.endsWith('%') ? props.maxUnavailable : Number(props.maxUnavailable);
    kubeObject<IPodDisruptionBudget>(this, 'Resource', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: { maxUnavailable: value, selector: { matchLabels: { ...props.selector } } },
    });
  }
}
