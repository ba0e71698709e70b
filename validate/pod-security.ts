/**
 * Rule pod-security: every pod fits the Pod Security level its namespace enforces. The level is
 * the `pod-security.kubernetes.io/enforce` label the cluster's ApplicationSet gives the namespace
 * (a list element's `namespaceLabels`, which the Applications set as managed namespace
 * metadata). A pod that needs more than restricted (a hostPath, an added capability) in a
 * namespace that declares no level, or a lower one, is refused by Pod Security admission.
 * Namespaces no ApplicationSet element names (a partial render) are not checked.
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

/** Lower is stricter; no label or an unknown value counts as the strictest (it admits nothing we can rely on). */
function strictness(enforce: string | undefined): number {
  return enforce !== undefined && isPodSecurityLevel(enforce) ? levelRank(enforce) : -1;
}

export function podSecurityFindings(objects: readonly Located[]): Map<Located, Finding[]> {
  const declared = new Map<string, Declared>();
  for (const l of objects) {
    if (l.kind !== 'ApplicationSet' || !l.apiVersion.startsWith('argoproj.io/')) continue;
    for (const generator of asArray(asObj(l.obj.spec).generators)) {
      for (const e of asArray(asObj(asObj(generator).list).elements)) {
        const element = asObj(e);
        const cluster = str(element.cluster);
        const namespace = str(element.namespace);
        if (!cluster || !namespace) continue;
        // Several Applications label the same namespace: the strictest of their levels is the one to count on.
        const key = `${cluster}\0${namespace}`;
        const enforce = str(asObj(element.namespaceLabels)[ENFORCE]);
        const before = declared.get(key);
        if (!before || strictness(enforce) < strictness(before.enforce)) declared.set(key, { enforce, by: `${describe(l.ref)} (${l.ref.path})` });
      }
    }
  }
  const out = new Map<Located, Finding[]>();
  for (const l of objects) {
    const ns = declared.get(`${l.cluster}\0${l.ref.namespace}`);
    if (!WORKLOAD_KINDS.has(l.kind) || !ns) continue;
    for (const t of podTemplates(l.obj)) {
      const needs = podSecurityNeeds(t.spec);
      const needed = highestLevel(needs.map((n) => n.level));
      if (needed === 'restricted') continue;
      const enforce = ns.enforce;
      const admitted = enforce !== undefined && isPodSecurityLevel(enforce) && levelRank(enforce) >= levelRank(needed);
      if (admitted) continue;
      const over = needs.filter((n) => enforce === undefined || !isPodSecurityLevel(enforce) || levelRank(n.level) > levelRank(enforce));
      const where = `namespace ${l.ref.namespace} of cluster ${l.cluster}`;
      const declaredText = enforce === undefined ? `${where} declares no ${ENFORCE} label (${ns.by})` : `${where} enforces ${JSON.stringify(enforce)} (${ns.by})`;
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
