import { createHash } from 'node:crypto';
import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { kubeObject } from './kube-object.js';

export interface HashedConfigMapProps {
  /** The name before the hash suffix, e.g. `mediawiki-main-httpd-sites-config`. */
  readonly baseName: string;
  readonly data: Readonly<Record<string, string>>;
  /**
   * Labels of the ConfigMap.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A ConfigMap named by a hash of its content, so a config change produces a new name, changes
 * the pod template and rolls through the canary like an image change (and rolls back with it).
 */
export class HashedConfigMap extends Construct {
  readonly name: string;
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: HashedConfigMapProps) {
    super(scope, id);
    const keys = Object.keys(props.data).sort();
    const hash = createHash('sha256');
    for (const key of keys) hash.update(`${key}\0${props.data[key]}\0`);
    this.name = `${props.baseName}-${hash.digest('hex').slice(0, 10)}`;
    this.apiObject = kubeObject<IConfigMap>(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: this.name, labels: { ...props.labels } },
      data: Object.fromEntries(keys.map((k) => [k, props.data[k]])),
    });
  }
}
