/** Small builders every container of the project uses: env lists, resources, the restricted security context. */
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { ILifecycle } from 'kubernetes-models/v1/Lifecycle';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { Resources } from '../config/profile.js';

/** Literal environment variables, in the order given. */
export function envList(values: Readonly<Record<string, string>>): IEnvVar[] {
  return Object.entries(values).map(([name, value]) => ({ name, value }));
}

/** An environment variable read from the pod's own metadata (downward API). */
export function envFromPodField(name: string, fieldPath: string): IEnvVar {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

/** A profile's requests and limits as a container's resources (omitted limits stay unlimited). */
export function resourceRequirements(r: Resources): IResourceRequirements {
  const quantities = (q: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined));
  return { requests: quantities(r.requests), ...(r.limits ? { limits: quantities(r.limits) } : {}) };
}

/**
 * The restricted Pod Security Standard for one container. `addCapabilities` is for a departure a
 * service documents (with a policy-exception annotation naming the container).
 */
export function restrictedSecurityContext(addCapabilities: readonly string[] = []): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'], ...(addCapabilities.length ? { add: [...addCapabilities] } : {}) },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A preStop hook that keeps the container up while the pod's endpoints drain. */
export function preStopSleep(seconds: number): ILifecycle {
  return { preStop: { exec: { command: ['/bin/sleep', String(seconds)] } } };
}
