/**
 * The catalogue of rules the validation pass checks: one id, one line of doc each.
 * docs/validate.md lists the same rules; a test keeps the two in step.
 */
import type { RuleInfo } from './types.js';

export const RULES = [
  { id: 'schema', waivable: false, doc: 'Every object matches its schema: Kubernetes kinds the Kubernetes OpenAPI (kubernetes-models), Argo Rollouts and Argo CD kinds their CRD.' },
  { id: 'unknown-field', waivable: false, doc: 'No field the schema does not define (what the API server\'s strict field validation rejects).' },
  { id: 'policy-exception', waivable: false, doc: 'Declared policy exceptions name a known, waivable rule and give a reason.' },
  { id: 'resources-requests', waivable: true, doc: 'Every container requests cpu and memory.' },
  { id: 'resources-memory-limit', waivable: true, doc: 'Every container has a memory limit.' },
  { id: 'probes', waivable: true, doc: 'Every serving container (one with ports) of a long-running workload has a readiness and a liveness probe.' },
  { id: 'security-run-as-non-root', waivable: true, doc: 'Every container runs as non-root (runAsNonRoot: true at pod or container level, never runAsUser 0).' },
  { id: 'security-privilege-escalation', waivable: true, doc: 'Every container sets allowPrivilegeEscalation: false and is not privileged.' },
  { id: 'security-capabilities', waivable: true, doc: 'Every container drops ALL capabilities and adds none but NET_BIND_SERVICE.' },
  { id: 'security-seccomp', waivable: true, doc: 'Every container runs with seccompProfile RuntimeDefault (or Localhost), set at pod or container level.' },
  { id: 'host-path', waivable: true, doc: 'hostPath volumes only from the allow-list, in the namespaces it names, mounted read-only where it says so.' },
  { id: 'grace-period', waivable: true, doc: 'A long-running pod\'s terminationGracePeriodSeconds is at least its longest drain (preStop sleep, envoy DRAIN_TIME_S) plus its longest request timeout (php-fpm request_terminate_timeout).' },
  { id: 'disruption-budget', waivable: false, doc: 'A PodDisruptionBudget lets a node drain evict at least one pod (no maxUnavailable 0, no minAvailable 100%).' },
  { id: 'image-registry', waivable: true, doc: 'Every image comes from the configured registry.' },
  { id: 'image-tag', waivable: true, doc: 'Every image is pinned by a tag other than `latest` or by a digest.' },
  { id: 'node-port-unique', waivable: false, doc: 'A NodePort is used by one Service only in each cluster.' },
  { id: 'workload-selector', waivable: false, doc: 'A workload\'s selector matches the labels of its own pod template.' },
  { id: 'ref-service-selector', waivable: true, doc: 'A Service\'s selector matches the pod template of a workload in the same cluster and namespace.' },
  { id: 'ref-analysis-template', waivable: false, doc: 'Analysis templates a Rollout uses exist in the same cluster and namespace (cluster-scoped ones in the cluster).' },
  { id: 'ref-configmap', waivable: true, doc: 'ConfigMaps a pod mounts or reads (volumes, envFrom, env) exist in the same cluster and namespace, unless optional.' },
  { id: 'ref-secret', waivable: true, doc: 'Secrets a pod mounts or reads exist in the same cluster and namespace (a cert-manager Certificate\'s secretName counts), unless optional.' },
  { id: 'pod-security', waivable: false, doc: 'Every pod fits the Pod Security level its namespace enforces (the pod-security.kubernetes.io/enforce label the cluster\'s ApplicationSet sets): hostPath volumes and capabilities beyond baseline need privileged.' },
  { id: 'ref-app-path', waivable: false, doc: 'Applications and ApplicationSet list elements point at paths that exist in the rendered tree.' },
] as const satisfies readonly RuleInfo[];

export type RuleId = (typeof RULES)[number]['id'];

/**
 * Names that declared exceptions may use for several rules at once: a profile's reason for
 * leaving the restricted security context covers the four security-* rules.
 */
export const RULE_GROUPS: Readonly<Record<string, readonly RuleId[]>> = {
  'restricted-security-context': ['security-run-as-non-root', 'security-privilege-escalation', 'security-capabilities', 'security-seccomp'],
  resources: ['resources-requests', 'resources-memory-limit'],
};

/** Whether an exception declared for `declared` (a rule id or a group) covers rule `rule`. */
export function exceptionCovers(declared: string, rule: string): boolean {
  return declared === rule || (RULE_GROUPS[declared]?.includes(rule as RuleId) ?? false);
}

const byId: ReadonlyMap<string, RuleInfo> = new Map(RULES.map((r) => [r.id, r]));

export function ruleInfo(id: string): RuleInfo | undefined {
  return byId.get(id);
}

/** Position of a rule in RULES, for stable ordering of violations. */
export function ruleOrder(id: string): number {
  const i = RULES.findIndex((r) => r.id === id);
  return i < 0 ? RULES.length : i;
}
