import { Construct } from 'constructs';
import { IntOrString, KubeNetworkPolicy, type NetworkPolicyEgressRule } from 'cdk8s-plus-28/lib/imports/k8s.js';
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
  constructor(scope: Construct, id: string, props: ReleaseNetworkPolicyProps) {
    super(scope, id);
    const egress: NetworkPolicyEgressRule[] = props.egress.map((rule) => ({
      to: rule.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
      ports: rule.ports.map((p) => ({ protocol: p.protocol, port: IntOrString.fromNumber(p.port), ...(p.endPort ? { endPort: p.endPort } : {}) })),
    }));
    new KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        podSelector: { matchLabels: { ...props.podSelector } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ ports: [...new Set(props.ingressPorts)].sort((a, b) => a - b).map((port) => ({ protocol: 'TCP', port: IntOrString.fromNumber(port) })) }],
        egress,
      },
    });
  }
}
