import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyEgressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule';
import { kubeObject } from './kube-object.js';
import type { EgressRule } from '../config/profile.js';

export interface ReleaseNetworkPolicyProps {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly podSelector: Readonly<Record<string, string>>;
  /** Every port a container of the pod listens on. */
  readonly ingressPorts: readonly number[];
  readonly egress: readonly EgressRule[];
}

/** Ingress only on the pod's own ports; egress only where the profile says. */
export class ReleaseNetworkPolicy extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: ReleaseNetworkPolicyProps) {
    super(scope, id);
    const egress: INetworkPolicyEgressRule[] = props.egress.map((rule) => ({
      to: rule.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
      ports: rule.ports.map((p) => ({ protocol: p.protocol, port: p.port, ...(p.endPort ? { endPort: p.endPort } : {}) })),
    }));
    this.apiObject = kubeObject<INetworkPolicy>(this, 'Resource', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        podSelector: { matchLabels: { ...props.podSelector } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ ports: [...new Set(props.ingressPorts)].sort((a, b) => a - b).map((port) => ({ protocol: 'TCP', port })) }],
        egress,
      },
    });
  }
}
