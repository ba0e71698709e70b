import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IService } from 'kubernetes-models/v1/Service';
import { kubeObject } from './kube-object.js';

export interface NodePortServiceProps {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  /** The NodePort; the Service port and the pod's container port are the same number, as today. */
  readonly port: number;
  /** The container port name or number traffic goes to. */
  readonly targetPort: string | number;
  readonly portName: string;
  /**
   * Local: a node only sends what it receives to the pod on that node (mw-experimental).
   * @default - Cluster for both
   */
  readonly trafficPolicy?: 'Local' | 'Cluster';
}

/** A NodePort Service: LVS sends traffic to this port on every node. */
export class NodePortService extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: NodePortServiceProps) {
    super(scope, id);
    const local = props.trafficPolicy === 'Local';
    this.apiObject = kubeObject<IService>(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        type: 'NodePort',
        selector: { ...props.selector },
        ports: [
          {
            name: props.portName,
            protocol: 'TCP',
            port: props.port,
            nodePort: props.port,
            targetPort: props.targetPort,
          },
        ],
        ...(local ? { externalTrafficPolicy: 'Local' as const, internalTrafficPolicy: 'Local' as const } : {}),
      },
    });
  }
}
