/**
 * Reading rendered objects: where an object lives (cluster, namespace), what it is called, and
 * where its pod templates are. Pure helpers shared by the schema, policy and reference checks.
 */
import type { ObjectRef } from './types.js';

export type Obj = Record<string, unknown>;
export type PathPart = string | number;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asObj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `a.b[2].c`; keys that are not plain identifiers are bracketed: `labels["app.kubernetes.io/name"]`. */
export function formatPath(path: readonly PathPart[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** One object of the input, with where it came from. */
export interface Located {
  readonly obj: Obj;
  readonly ref: ObjectRef;
  /** First path segment of the file: the cluster (or `argocd`). */
  readonly cluster: string;
  /** Position of the file in the input and of the object in its file, for stable ordering. */
  readonly fileIndex: number;
  readonly docIndex: number;
  readonly apiVersion: string;
  readonly kind: string;
}

export function locate(path: string, obj: Obj, fileIndex: number, docIndex: number): Located {
  const meta = asObj(obj.metadata);
  const segments = path.split('/');
  // dist layout: <cluster>/<namespace>/<release>/manifest.yaml; objects normally carry their namespace.
  const pathNamespace = segments.length >= 4 ? segments[1] : '';
  const kind = str(obj.kind) ?? '';
  const namespace = str(meta.namespace) ?? (CLUSTER_SCOPED.has(kind) ? '' : pathNamespace);
  return {
    obj,
    ref: { path, kind: kind || '(no kind)', name: str(meta.name) ?? '(no name)', namespace },
    cluster: segments[0],
    fileIndex,
    docIndex,
    apiVersion: str(obj.apiVersion) ?? '',
    kind,
  };
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterAnalysisTemplate', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);

/** `Rollout mw-web/mediawiki-main`, `Namespace mw-web`. */
export function describe(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** A pod template inside an object. */
export interface PodTemplate {
  /** Path of the template (the object with `metadata` and `spec`), or of the pod spec's parent for a Pod. */
  readonly path: readonly PathPart[];
  readonly metadata: Obj;
  readonly spec: Obj;
  /** Long-running pods serve traffic and need probes; Job pods run to completion. */
  readonly longRunning: boolean;
}

const TEMPLATE_KINDS = new Set(['Rollout', 'Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

/** The pod templates an object carries (workloads, Jobs, CronJobs, Pods, analysis Job metrics). */
export function podTemplates(obj: Obj): PodTemplate[] {
  const kind = str(obj.kind) ?? '';
  const spec = asObj(obj.spec);
  const out: PodTemplate[] = [];
  const fromTemplate = (template: unknown, path: PathPart[], longRunning: boolean): void => {
    if (!isObj(template)) return;
    out.push({ path, metadata: asObj(template.metadata), spec: asObj(template.spec), longRunning });
  };
  if (TEMPLATE_KINDS.has(kind)) fromTemplate(spec.template, ['spec', 'template'], true);
  else if (kind === 'Job') fromTemplate(spec.template, ['spec', 'template'], false);
  else if (kind === 'CronJob') fromTemplate(asObj(asObj(spec.jobTemplate).spec).template, ['spec', 'jobTemplate', 'spec', 'template'], false);
  else if (kind === 'Pod') {
    const restart = str(spec.restartPolicy) ?? 'Always';
    out.push({ path: [], metadata: asObj(obj.metadata), spec, longRunning: restart === 'Always' });
  } else if (kind === 'AnalysisTemplate' || kind === 'ClusterAnalysisTemplate') {
    asArray(spec.metrics).forEach((metric, i) => {
      const job = asObj(asObj(asObj(metric).provider).job);
      fromTemplate(asObj(job.spec).template, ['spec', 'metrics', i, 'provider', 'job', 'spec', 'template'], false);
    });
  }
  return out;
}

export interface ContainerAt {
  readonly container: Obj;
  readonly name: string;
  /** Path of the container inside the object. */
  readonly path: readonly PathPart[];
  readonly init: boolean;
}

/** Containers, init containers and ephemeral containers of a pod template. */
export function containersOf(t: PodTemplate): ContainerAt[] {
  const base: PathPart[] = t.path.length ? [...t.path, 'spec'] : ['spec'];
  const out: ContainerAt[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    asArray(t.spec[field]).forEach((c, i) => {
      const container = asObj(c);
      out.push({ container, name: str(container.name) ?? `#${i}`, path: [...base, field, i], init: field !== 'containers' });
    });
  }
  return out;
}

/** Path of the pod spec of a template inside the object. */
export function podSpecPath(t: PodTemplate): PathPart[] {
  return t.path.length ? [...t.path, 'spec'] : ['spec'];
}

/** Labels as a plain string map. */
export function labelsOf(meta: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asObj(meta.labels))) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Whether every key=value of the selector is among the labels (an empty selector matches nothing). */
export function selects(selector: Record<string, unknown>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}
