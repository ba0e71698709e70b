import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

/**
 * A core Kubernetes object, typed by kubernetes-models' interfaces (a type-only import: nothing of
 * it loads at run time) and rendered by cdk8s as it is: int-or-string ports and quantities are the
 * plain numbers and strings Kubernetes reads.
 */
export function kubeObject<T extends { apiVersion: string; kind: string }>(scope: Construct, id: string, object: T): ApiObject {
  return new ApiObject(scope, id, object as unknown as ConstructorParameters<typeof ApiObject>[2]);
}
