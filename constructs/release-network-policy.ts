import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyEgressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import { kubeObject } from './kube-object.js';
import type { EgressRule } from '../config/profile.js';
import type { ResolvedRelease } from './resolved-release.js';

export interface ReleaseNetworkPolicyProps {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly podSelector: Readonly<Record<string, string>>;
  /** Every port a container of the pod listens on. */
  readonly ingressPorts: readonly number[];
  readonly egress: readonly EgressRule[];
}

/** Ingress only on the pod's own ports; egress only where the rules say. */
export class ReleaseNetworkPolicy extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: ReleaseNetworkPolicyProps) {
    super(scope, id);
    const egress: INetworkPolicyEgressRule[] = props.egress.map((rule) => ({
      to: peers(rule),
      // No ports: every port to those peers.
      ...(rule.ports ? { ports: rule.ports.map((p) => ({ protocol: p.protocol, port: p.port, ...(p.endPort ? { endPort: p.endPort } : {}) })) } : {}),
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

function peers(rule: EgressRule): INetworkPolicyPeer[] {
  if (rule.pods) {
    return [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': rule.pods.namespace } }, podSelector: { matchLabels: { ...rule.pods.labels } } }];
  }
  return (rule.cidrs ?? []).map((cidr) => ({ ipBlock: { cidr } }));
}

/**
 * A release's egress: its profile's destinations, the upstream of each service-mesh listener it
 * uses (envoy connects to them from the pod), and the OpenTelemetry collector when it traces.
 */
export function releaseEgress(release: ResolvedRelease): EgressRule[] {
  const mesh = new Map<string, EgressRule>();
  for (const l of release.meshListeners) {
    const key = `${l.upstream.ips.join(',')}:${l.upstream.port}`;
    const known = mesh.get(key);
    if (known) known.description += `, ${l.name}`;
    else mesh.set(key, { description: `service mesh: ${l.name}`, cidrs: [...l.upstream.ips], ports: [{ protocol: 'TCP', port: l.upstream.port }] });
  }
  const { otelCollector } = release.platform;
  const tracing: EgressRule[] =
    release.profile.mesh.tracingSampling === undefined
      ? []
      : [{ description: 'OpenTelemetry collector (traces)', pods: { namespace: otelCollector.namespace, labels: otelCollector.podLabels }, ports: [{ protocol: 'TCP', port: otelCollector.port }] }];
  // An in-pod mcrouter also reaches the other datacenter's memcached over TLS on 11214.
  const mcrouter: EgressRule[] = release.profile.sidecars.mcrouter
    ? [{ description: 'in-pod mcrouter: the other datacenter\'s memcached over TLS', cidrs: ['10.0.0.0/8'], ports: [{ protocol: 'TCP', port: 11214 }] }]
    : [];
  return [...release.profile.egress, ...mesh.values(), ...tracing, ...mcrouter];
}
