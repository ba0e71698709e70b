/**
 * Rules across objects: NodePorts unique per cluster, workload selectors, and references that
 * must resolve (Service selectors, analysis templates, ConfigMaps and Secrets, Argo CD paths).
 * Cluster = first path segment of the object's file; namespace = the object's namespace.
 */
import { asArray, asObj, containersOf, describe, formatPath, isObj, labelsOf, podSpecPath, podTemplates, selects, str, type Located, type Obj } from './objects.js';
import type { Finding } from './policy.js';
import { podSecurityFindings } from './pod-security.js';

const WORKLOAD_KINDS = new Set(['Rollout', 'Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

interface Scope {
  readonly podLabels: Record<string, string>[];
  readonly configMaps: Set<string>;
  readonly secrets: Set<string>;
  readonly analysisTemplates: Set<string>;
}

const scopeKey = (cluster: string, namespace: string): string => `${cluster}\0${namespace}`;

export function crossObjectFindings(objects: readonly Located[], treePaths: ReadonlySet<string>): Map<Located, Finding[]> {
  const out = new Map<Located, Finding[]>();
  const add = (l: Located, f: Finding): void => {
    const list = out.get(l) ?? [];
    list.push(f);
    out.set(l, list);
  };

  // Index what exists.
  const scopes = new Map<string, Scope>();
  const scope = (cluster: string, namespace: string): Scope => {
    const key = scopeKey(cluster, namespace);
    let s = scopes.get(key);
    if (!s) {
      s = { podLabels: [], configMaps: new Set(), secrets: new Set(), analysisTemplates: new Set() };
      scopes.set(key, s);
    }
    return s;
  };
  const clusterAnalysisTemplates = new Map<string, Set<string>>();
  for (const l of objects) {
    const s = scope(l.cluster, l.ref.namespace);
    const spec = asObj(l.obj.spec);
    if (WORKLOAD_KINDS.has(l.kind) || l.kind === 'Pod') for (const t of podTemplates(l.obj)) s.podLabels.push(labelsOf(t.metadata));
    if (l.kind === 'ConfigMap') s.configMaps.add(l.ref.name);
    if (l.kind === 'Secret') s.secrets.add(l.ref.name);
    if (l.kind === 'Certificate' && l.apiVersion.startsWith('cert-manager.io/')) {
      const secretName = str(spec.secretName);
      if (secretName) s.secrets.add(secretName);
    }
    if (l.kind === 'AnalysisTemplate') s.analysisTemplates.add(l.ref.name);
    if (l.kind === 'ClusterAnalysisTemplate') {
      const set = clusterAnalysisTemplates.get(l.cluster) ?? new Set<string>();
      set.add(l.ref.name);
      clusterAnalysisTemplates.set(l.cluster, set);
    }
  }

  // NodePorts per cluster.
  const nodePorts = new Map<string, { l: Located; field: string }[]>();
  for (const l of objects) {
    if (l.kind !== 'Service') continue;
    const seen = new Set<number>();
    asArray(asObj(l.obj.spec).ports).forEach((p, i) => {
      const nodePort = asObj(p).nodePort;
      if (typeof nodePort !== 'number' || seen.has(nodePort)) return;
      seen.add(nodePort);
      const key = `${l.cluster}\0${nodePort}`;
      const list = nodePorts.get(key) ?? [];
      list.push({ l, field: formatPath(['spec', 'ports', i, 'nodePort']) });
      nodePorts.set(key, list);
    });
  }
  for (const [key, users] of nodePorts) {
    if (users.length < 2) continue;
    const port = key.split('\0')[1];
    for (const u of users) {
      const others = users.filter((o) => o !== u).map((o) => `${describe(o.l.ref)} (${o.l.ref.path})`);
      add(u.l, { rule: 'node-port-unique', field: u.field, message: `nodePort ${port} is also used in cluster ${u.l.cluster} by ${others.join(', ')}` });
    }
  }

  for (const l of objects) {
    const s = scope(l.cluster, l.ref.namespace);
    const spec = asObj(l.obj.spec);
    const where = `${l.ref.namespace ? `namespace ${l.ref.namespace} of ` : ''}cluster ${l.cluster}`;

    // A workload's selector must select its own pods.
    if (WORKLOAD_KINDS.has(l.kind) && isObj(spec.selector) && isObj(spec.template)) {
      const labels = labelsOf(asObj(spec.template.metadata));
      if (!labelSelectorMatches(spec.selector, labels)) {
        add(l, { rule: 'workload-selector', field: 'spec.selector', message: `spec.selector does not match the labels of spec.template (${JSON.stringify(labels)})` });
      }
    }

    // Services select pods that exist.
    if (l.kind === 'Service' && str(spec.type) !== 'ExternalName' && isObj(spec.selector) && Object.keys(spec.selector).length) {
      if (!s.podLabels.some((labels) => selects(spec.selector as Obj, labels))) {
        add(l, { rule: 'ref-service-selector', field: 'spec.selector', message: `selector ${JSON.stringify(spec.selector)} matches no pod template of a workload in ${where}` });
      }
    }

    // Analysis templates a Rollout uses.
    if (l.kind === 'Rollout') {
      for (const use of analysisTemplateUses(spec)) {
        const exists = use.clusterScope ? (clusterAnalysisTemplates.get(l.cluster)?.has(use.name) ?? false) : s.analysisTemplates.has(use.name);
        if (!exists) {
          add(l, { rule: 'ref-analysis-template', field: use.field, message: `uses ${use.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate'} ${JSON.stringify(use.name)}, which is not rendered in ${use.clusterScope ? `cluster ${l.cluster}` : where}` });
        }
      }
    }

    // ConfigMaps and Secrets that pods mount or read.
    for (const t of podTemplates(l.obj)) {
      const specPath = podSpecPath(t);
      const check = (kind: 'ConfigMap' | 'Secret', name: unknown, optional: unknown, field: string, container?: string): void => {
        if (typeof name !== 'string' || optional === true) return;
        const exists = kind === 'ConfigMap' ? s.configMaps.has(name) : s.secrets.has(name);
        if (exists) return;
        add(l, {
          rule: kind === 'ConfigMap' ? 'ref-configmap' : 'ref-secret',
          field,
          container,
          template: t,
          message: `${container ? `container ${JSON.stringify(container)} ` : ''}uses ${kind} ${JSON.stringify(name)}, which is not rendered in ${where}${kind === 'Secret' ? ' (nor made by a Certificate)' : ''}`,
        });
      };
      asArray(t.spec.volumes).forEach((v, i) => {
        const volume = asObj(v);
        const base = [...specPath, 'volumes', i];
        if (isObj(volume.configMap)) check('ConfigMap', volume.configMap.name, volume.configMap.optional, formatPath([...base, 'configMap', 'name']));
        if (isObj(volume.secret)) check('Secret', volume.secret.secretName, volume.secret.optional, formatPath([...base, 'secret', 'secretName']));
        asArray(asObj(volume.projected).sources).forEach((src, j) => {
          const source = asObj(src);
          const sbase = [...base, 'projected', 'sources', j];
          if (isObj(source.configMap)) check('ConfigMap', source.configMap.name, source.configMap.optional, formatPath([...sbase, 'configMap', 'name']));
          if (isObj(source.secret)) check('Secret', source.secret.name, source.secret.optional, formatPath([...sbase, 'secret', 'name']));
        });
      });
      for (const c of containersOf(t)) {
        asArray(c.container.envFrom).forEach((e, i) => {
          const ef = asObj(e);
          if (isObj(ef.configMapRef)) check('ConfigMap', ef.configMapRef.name, ef.configMapRef.optional, formatPath([...c.path, 'envFrom', i, 'configMapRef', 'name']), c.name);
          if (isObj(ef.secretRef)) check('Secret', ef.secretRef.name, ef.secretRef.optional, formatPath([...c.path, 'envFrom', i, 'secretRef', 'name']), c.name);
        });
        asArray(c.container.env).forEach((e, i) => {
          const from = asObj(asObj(e).valueFrom);
          if (isObj(from.configMapKeyRef)) check('ConfigMap', from.configMapKeyRef.name, from.configMapKeyRef.optional, formatPath([...c.path, 'env', i, 'valueFrom', 'configMapKeyRef', 'name']), c.name);
          if (isObj(from.secretKeyRef)) check('Secret', from.secretKeyRef.name, from.secretKeyRef.optional, formatPath([...c.path, 'env', i, 'valueFrom', 'secretKeyRef', 'name']), c.name);
        });
      }
    }

    // Argo CD paths.
    if (l.apiVersion.startsWith('argoproj.io/') && (l.kind === 'Application' || l.kind === 'ApplicationSet')) {
      for (const f of appPathFindings(l, treePaths)) add(l, f);
    }
  }
  for (const [l, findings] of podSecurityFindings(objects)) for (const f of findings) add(l, f);
  return out;
}

interface TemplateUse {
  readonly name: string;
  readonly clusterScope: boolean;
  readonly field: string;
}

function analysisTemplateUses(spec: Obj): TemplateUse[] {
  const out: TemplateUse[] = [];
  const fromRefs = (refs: unknown, path: (string | number)[], nameKey = 'templateName'): void => {
    asArray(refs).forEach((r, i) => {
      const ref = asObj(r);
      const name = str(ref[nameKey]);
      if (name) out.push({ name, clusterScope: ref.clusterScope === true, field: formatPath([...path, i, nameKey]) });
    });
  };
  const strategy = asObj(spec.strategy);
  for (const kind of ['canary', 'blueGreen'] as const) {
    const s = asObj(strategy[kind]);
    fromRefs(asObj(s.analysis).templates, ['spec', 'strategy', kind, 'analysis', 'templates']);
    fromRefs(asObj(s.prePromotionAnalysis).templates, ['spec', 'strategy', kind, 'prePromotionAnalysis', 'templates']);
    fromRefs(asObj(s.postPromotionAnalysis).templates, ['spec', 'strategy', kind, 'postPromotionAnalysis', 'templates']);
    asArray(s.steps).forEach((st, i) => {
      const step = asObj(st);
      fromRefs(asObj(step.analysis).templates, ['spec', 'strategy', kind, 'steps', i, 'analysis', 'templates']);
      fromRefs(asObj(step.experiment).analyses, ['spec', 'strategy', kind, 'steps', i, 'experiment', 'analyses']);
    });
  }
  fromRefs(asObj(spec.analysis).templates, ['spec', 'analysis', 'templates']);
  return out;
}

/** Whether a LabelSelector (matchLabels, matchExpressions) matches the labels. */
export function labelSelectorMatches(selector: Obj, labels: Record<string, string>): boolean {
  const matchLabels = asObj(selector.matchLabels);
  const exprs = asArray(selector.matchExpressions).map(asObj);
  if (!Object.keys(matchLabels).length && !exprs.length) return true; // the empty selector matches everything
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return exprs.every((e) => {
    const key = str(e.key) ?? '';
    const values = asArray(e.values).map(String);
    switch (e.operator) {
      case 'In': return key in labels && values.includes(labels[key]);
      case 'NotIn': return !(key in labels) || !values.includes(labels[key]);
      case 'Exists': return key in labels;
      case 'DoesNotExist': return !(key in labels);
      default: return false;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Argo CD Applications and ApplicationSets

function normalizeRepoPath(path: string): string {
  return path.replace(/^\.\/+/, '').replace(/\/+$/, '').replace(/\/+/g, '/');
}

function dirExists(path: string, treePaths: ReadonlySet<string>): boolean {
  const p = normalizeRepoPath(path);
  if (p === '' || p === '.') return true;
  for (const file of treePaths) if (file.startsWith(`${p}/`)) return true;
  return false;
}

interface SourceAt {
  readonly source: Obj;
  readonly field: string;
}

function sourcesOf(appSpec: Obj, base: (string | number)[]): SourceAt[] {
  const out: SourceAt[] = [];
  if (isObj(appSpec.source)) out.push({ source: appSpec.source, field: formatPath([...base, 'source', 'path']) });
  asArray(appSpec.sources).forEach((s, i) => {
    if (isObj(s)) out.push({ source: s, field: formatPath([...base, 'sources', i, 'path']) });
  });
  // A plugin or a Helm chart from a chart repository renders elsewhere: their path is not a tree path.
  return out.filter(({ source }) => typeof source.path === 'string' && source.plugin === undefined && source.chart === undefined);
}

const TEMPLATE_EXPR = /\{\{-?\s*(\.?)([A-Za-z_][\w.-]*)\s*-?\}\}/g;

/** Resolves `{{key}}` / `{{ .key }}` / `{{values.x}}` in a template against one list element. */
export function resolveTemplate(template: string, element: Obj, goTemplate: boolean): { value: string; missing: string[]; unresolved: boolean } {
  const missing: string[] = [];
  const value = template.replace(TEMPLATE_EXPR, (whole, dot: string, key: string) => {
    if (goTemplate && !dot) return whole; // a Go template function or keyword: not resolvable here
    let cur: unknown = element;
    for (const part of key.split('.')) cur = isObj(cur) ? cur[part] : undefined;
    if (typeof cur === 'string' || typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
    missing.push(key);
    return whole;
  });
  return { value, missing, unresolved: value.includes('{{') };
}

function appPathFindings(l: Located, treePaths: ReadonlySet<string>): Finding[] {
  const out: Finding[] = [];
  const spec = asObj(l.obj.spec);
  if (l.kind === 'Application') {
    for (const { source, field } of sourcesOf(spec, ['spec'])) {
      const path = source.path as string;
      if (!dirExists(path, treePaths)) out.push({ rule: 'ref-app-path', field, message: `points at path ${JSON.stringify(path)}, which is not in the rendered tree` });
    }
    return out;
  }
  const template = asObj(spec.template);
  const sources = sourcesOf(asObj(template.spec), ['spec', 'template', 'spec']);
  const goTemplate = spec.goTemplate === true;
  asArray(spec.generators).forEach((g, gi) => {
    const list = asObj(asObj(g).list);
    asArray(list.elements).forEach((e, ei) => {
      if (!isObj(e)) return;
      for (const { source, field } of sources) {
        const { value, missing, unresolved } = resolveTemplate(source.path as string, e, goTemplate);
        const elementField = formatPath(['spec', 'generators', gi, 'list', 'elements', ei]);
        if (missing.length) {
          out.push({ rule: 'ref-app-path', field: elementField, message: `list element ${elementField} has no ${missing.map((m) => JSON.stringify(m)).join(', ')} for ${field} ${JSON.stringify(source.path)}` });
        } else if (!unresolved && !dirExists(value, treePaths)) {
          out.push({ rule: 'ref-app-path', field: elementField, message: `list element ${elementField} makes ${field} ${JSON.stringify(value)}, which is not in the rendered tree` });
        }
      }
    });
  });
  return out;
}
