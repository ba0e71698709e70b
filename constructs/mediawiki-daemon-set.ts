import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { kubeObject } from './kube-object.js';
import { PercentOrCount } from './percent-or-count.js';

export interface MediaWikiDaemonSetProps {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  readonly template: IPodTemplateSpec;
  /**
   * Nodes whose pod may be down at once during an update.
   * @default 1
   */
  readonly maxUnavailable?: PercentOrCount;
}

/**
 * Exactly one pod on each eligible node (mw-experimental): Argo Rollouts has no DaemonSet
 * support, so this workload updates node by node without canary steps.
 */
export class MediaWikiDaemonSet extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: MediaWikiDaemonSetProps) {
    super(scope, id);
    const maxUnavailable = props.maxUnavailable ?? PercentOrCount.count(1);
    if (maxUnavailable.isZero) throw new Error("'maxUnavailable' cannot be zero: the update would never start");
    this.apiObject = kubeObject<IDaemonSet>(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        selector: { matchLabels: { ...props.selector } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: maxUnavailable.toKube() } },
        template: props.template,
      },
    });
  }
}
