import { Construct } from 'constructs';
import { IntOrString, KubeDaemonSet, type PodTemplateSpec } from 'cdk8s-plus-28/lib/imports/k8s.js';

export interface MediaWikiDaemonSetProps {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  readonly template: PodTemplateSpec;
}

/**
 * Exactly one pod on each eligible node (mw-experimental): Argo Rollouts has no DaemonSet
 * support, so this workload updates node by node without canary steps.
 */
export class MediaWikiDaemonSet extends Construct {
  constructor(scope: Construct, id: string, props: MediaWikiDaemonSetProps) {
    super(scope, id);
    new KubeDaemonSet(this, 'Resource', {
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        selector: { matchLabels: { ...props.selector } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: IntOrString.fromNumber(1) } },
        template: props.template,
      },
    });
  }
}
