import { Construct } from 'constructs';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { kubeObject } from './kube-object.js';

export interface MediaWikiDaemonSetProps {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  readonly template: IPodTemplateSpec;
}

/**
 * Exactly one pod on each eligible node (mw-experimental): Argo Rollouts has no DaemonSet
 * support, so this workload updates node by node without canary steps.
 */
export class MediaWikiDaemonSet extends Construct {
  constructor(scope: Construct, id: string, props: MediaWikiDaemonSetProps) {
    super(scope, id);
    kubeObject<IDaemonSet>(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        selector: { matchLabels: { ...props.selector } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: props.template,
      },
    });
  }
}
