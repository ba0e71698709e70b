/**
 * Rule pod-security: every pod fits the Pod Security level its namespace enforces. The level is
 * the `pod-security.kubernetes.io/enforce` label the cluster's ApplicationSet gives the namespace
 * (a list element's `namespaceLabels`, which the Applications set as managed namespace
 * metadata). A pod that needs more than restricted (a hostPath, an added capability) in a
 * namespace that declares no level, or a lower one, is refused by Pod Security admission.
 * Clusters without an ApplicationSet in the input (a partial render) are not checked.
 */
import { POD_SECURITY_LABEL, highestLevel, isPodSecurityLevel, levelRank, podSecurityNeeds } from '../config/pod-security.js';
import { asArray, asObj, describe, formatPath, podSpecPath, podTemplates, str, type Located } from './objects.js';
import type { Finding } from './policy.js';

const ENFORCE = `${POD_SECURITY_LABEL}/enforce`;
const WORKLOAD_KINDS = new Set(['Rollout', 'Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Pod']);

interface Declared {
  readonly enforce: string | undefined;
  readonly by: string;
}

export function podSecurityFindings(objects: readonly Located[]): Map<Located, Finding[]> {
  const declared = new Map<string, Declared>();
  const clusters = new Set<string>();
  for (const l of objects) {
    if (l.kind !== 'ApplicationSet' || !l.apiVersion.startsWith('argoproj.io/')) continue;
    for (const generator of asArray(asObj(l.obj.spec).generators)) {
      for (const e of asArray(asObj(asObj(generator).list).elements)) {
        const element = asObj(e);
        const cluster = str(element.cluster);
        const namespace = str(element.namespace);
        if (!cluster || !namespace) continue;
        clusters.add(cluster);
        declared.set(`${cluster}\0${namespace}`, { enforce: str(asObj(element.namespaceLabels)[ENFORCE]), by: `${describe(l.ref)} (${l.ref.path})` });
      }
    }
  }
  const out = new Map<Located, Finding[]>();
  for (const l of objects) {
    if (!WORKLOAD_KINDS.has(l.kind) || !clusters.has(l.cluster)) continue;
    for (const t of podTemplates(l.obj)) {
      const needs = podSecurityNeeds(t.spec);
      const needed = highestLevel(needs.map((n) => n.level));
      if (needed === 'restricted') continue;
      const ns = declared.get(`${l.cluster}\0${l.ref.namespace}`);
      const enforce = ns?.enforce;
      const admitted = enforce !== undefined && isPodSecurityLevel(enforce) && levelRank(enforce) >= levelRank(needed);
      if (admitted) continue;
      const over = needs.filter((n) => enforce === undefined || !isPodSecurityLevel(enforce) || levelRank(n.level) > levelRank(enforce));
      const where = `namespace ${l.ref.namespace} of cluster ${l.cluster}`;
      const declaredText = !ns
        ? `no ApplicationSet declares ${where}`
        : enforce === undefined
          ? `${where} declares no ${ENFORCE} label (${ns.by})`
          : `${where} enforces ${JSON.stringify(enforce)} (${ns.by})`;
      const finding: Finding = {
        rule: 'pod-security',
        field: formatPath(podSpecPath(t)),
        template: t,
        message: `its pods need Pod Security level ${needed} (${over.map((n) => n.reason).join('; ')}), but ${declaredText}`,
      };
      out.set(l, [...(out.get(l) ?? []), finding]);
    }
  }
  return out;
}
