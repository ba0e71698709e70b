/**
 * Kubernetes Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/):
 * which level a pod needs, read from its spec the way Pod Security admission reads it. The render
 * labels each namespace with the lowest level that admits its pods; validate/ checks that every
 * pod fits the level its namespace enforces. Shared by both, so it lives beside the other shared
 * policy vocabulary (policy-exceptions.ts).
 */

export const POD_SECURITY_LEVELS = ['restricted', 'baseline', 'privileged'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

export const POD_SECURITY_LABEL = 'pod-security.kubernetes.io';

/** Capabilities the baseline level lets a container add (restricted: only NET_BIND_SERVICE). */
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
/** Volume types the restricted level allows. */
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/** Why a pod needs more than restricted: each finding with the lowest level that allows it. */
export interface PodSecurityNeed {
  readonly level: Exclude<PodSecurityLevel, 'restricted'>;
  readonly reason: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Everything in a pod spec that the restricted level refuses, with the level that admits it. */
export function podSecurityNeeds(podSpec: unknown): PodSecurityNeed[] {
  const spec = obj(podSpec);
  const needs: PodSecurityNeed[] = [];
  const privileged = (reason: string) => needs.push({ level: 'privileged', reason });
  const baseline = (reason: string) => needs.push({ level: 'baseline', reason });
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[key] === true) privileged(`${key}: true`);
  for (const v of list(spec.volumes)) {
    const volume = obj(v);
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (type === 'hostPath') privileged(`hostPath volume "${String(volume.name)}" (${String(obj(volume.hostPath).path)})`);
    else if (type && !RESTRICTED_VOLUMES.has(type)) baseline(`${type} volume "${String(volume.name)}"`);
  }
  const podContext = obj(spec.securityContext);
  const containers = [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)].map(obj);
  for (const c of containers) {
    const name = String(c.name);
    const sc = obj(c.securityContext);
    if (sc.privileged === true) privileged(`container "${name}" is privileged`);
    const caps = obj(sc.capabilities);
    for (const cap of list(caps.add).map(String)) {
      if (!BASELINE_CAPABILITIES.has(cap)) privileged(`container "${name}" adds capability ${cap}`);
      else if (cap !== 'NET_BIND_SERVICE') baseline(`container "${name}" adds capability ${cap}`);
    }
    if (list(c.ports).some((p) => typeof obj(p).hostPort === 'number' && obj(p).hostPort !== 0)) privileged(`container "${name}" uses a hostPort`);
    if (!list(caps.drop).map(String).includes('ALL')) baseline(`container "${name}" does not drop ALL capabilities`);
    if (sc.allowPrivilegeEscalation !== false) baseline(`container "${name}" does not set allowPrivilegeEscalation: false`);
    if ((sc.runAsNonRoot ?? podContext.runAsNonRoot) !== true) baseline(`container "${name}" does not set runAsNonRoot: true`);
    if ((sc.runAsUser ?? podContext.runAsUser) === 0) baseline(`container "${name}" runs as user 0`);
    const seccomp = obj(sc.seccompProfile).type ?? obj(podContext.seccompProfile).type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') baseline(`container "${name}" has no RuntimeDefault or Localhost seccompProfile`);
  }
  return needs;
}

/** The lowest level that admits every one of these pod specs. */
export function lowestAdmittingLevel(podSpecs: readonly unknown[]): PodSecurityLevel {
  return highestLevel(podSpecs.flatMap((s) => podSecurityNeeds(s).map((n) => n.level)));
}

export function highestLevel(levels: readonly PodSecurityLevel[]): PodSecurityLevel {
  return levels.reduce<PodSecurityLevel>((a, b) => (levelRank(b) > levelRank(a) ? b : a), 'restricted');
}

export function levelRank(level: PodSecurityLevel): number {
  return POD_SECURITY_LEVELS.indexOf(level);
}

export function isPodSecurityLevel(value: unknown): value is PodSecurityLevel {
  return (POD_SECURITY_LEVELS as readonly unknown[]).includes(value);
}

/**
 * The namespace labels of Pod Security admission: `enforce` at the level the pods need, `warn`
 * and `audit` at restricted, so every departure from restricted shows in kubectl's warnings and
 * the audit log while the pods are still admitted.
 */
export function podSecurityLabels(enforce: PodSecurityLevel): Record<string, string> {
  return {
    [`${POD_SECURITY_LABEL}/audit`]: 'restricted',
    [`${POD_SECURITY_LABEL}/enforce`]: enforce,
    [`${POD_SECURITY_LABEL}/warn`]: 'restricted',
  };
}
