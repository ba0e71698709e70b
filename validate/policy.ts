/**
 * Per-object policy rules on pod templates: resources, probes, restricted security context,
 * hostPath allow-list, image registry and tags. Each finding names its rule and, where it is
 * about one container, the container (so a container-scoped exception can waive it).
 */
import { parseImageRef } from '../config/image-ref.js';
import { asArray, asObj, containersOf, formatPath, podSpecPath, podTemplates, str, type ContainerAt, type Obj, type PathPart, type PodTemplate } from './objects.js';
import { gracePeriodFindings } from './grace-period.js';
import type { HostPathAllowance } from './types.js';

export interface Finding {
  readonly rule: string;
  readonly field?: string;
  /** Without the object's name; the caller prefixes it. */
  readonly message: string;
  readonly container?: string;
  /** The pod template the finding is in (its annotations may declare exceptions). */
  readonly template?: PodTemplate;
}

/** hostPaths pods may mount: GeoIP everywhere (read-only), code checkouts on the dedicated mw-experimental/mw-parsoid nodes. */
export const DEFAULT_HOST_PATH_ALLOW_LIST: readonly HostPathAllowance[] = [
  { path: '/usr/share/GeoIP', readOnly: true },
  { path: '/usr/share/GeoIPInfo', readOnly: true },
  { path: '/srv/mediawiki', namespaces: ['mw-experimental'], readOnly: true },
  { path: '/srv/parsoid-testing', namespaces: ['mw-parsoid'], readOnly: false },
];

export interface PolicyContext {
  readonly registries: readonly string[];
  readonly hostPathAllowList: readonly HostPathAllowance[];
  readonly namespace: string;
}

export function policyFindings(obj: Obj, ctx: PolicyContext): Finding[] {
  const out: Finding[] = [];
  for (const t of podTemplates(obj)) {
    const containers = containersOf(t);
    const regular = containers.filter((c) => !c.path.includes('ephemeralContainers'));
    for (const c of regular) {
      out.push(...resources(c, t));
      out.push(...security(c, t));
    }
    if (t.longRunning) for (const c of regular) out.push(...probes(c, t));
    if (t.longRunning) out.push(...gracePeriodFindings(t));
    for (const c of containers) out.push(...images(c, t, ctx.registries));
    out.push(...hostPaths(t, containers, ctx));
  }
  if (obj.kind === 'PodDisruptionBudget') out.push(...disruptionBudget(obj));
  return out;
}

/** A budget that allows no eviction blocks every node drain (kubectl drain waits forever). */
function disruptionBudget(obj: Obj): Finding[] {
  const spec = asObj(obj.spec);
  const zero = (v: unknown): boolean => v === 0 || v === '0' || v === '0%';
  if (zero(spec.maxUnavailable)) return [{ rule: 'disruption-budget', field: 'spec.maxUnavailable', message: `maxUnavailable ${JSON.stringify(spec.maxUnavailable)} lets no node drain evict a pod` }];
  if (spec.minAvailable === '100%') return [{ rule: 'disruption-budget', field: 'spec.minAvailable', message: 'minAvailable "100%" lets no node drain evict a pod' }];
  return [];
}

const quote = (s: string): string => JSON.stringify(s);

function at(c: ContainerAt, ...rest: PathPart[]): string {
  return formatPath([...c.path, ...rest]);
}

function resources(c: ContainerAt, t: PodTemplate): Finding[] {
  const res = asObj(c.container.resources);
  const requests = asObj(res.requests);
  const limits = asObj(res.limits);
  const out: Finding[] = [];
  const missing = ['cpu', 'memory'].filter((r) => requests[r] === undefined || requests[r] === null || requests[r] === '');
  if (missing.length) {
    out.push({
      rule: 'resources-requests',
      field: at(c, 'resources', 'requests', missing[0]),
      message: `container ${quote(c.name)} requests no ${missing.join(' and ')} (resources.requests.${missing.join(', resources.requests.')})`,
      container: c.name,
      template: t,
    });
  }
  if (limits.memory === undefined || limits.memory === null || limits.memory === '') {
    out.push({ rule: 'resources-memory-limit', field: at(c, 'resources', 'limits', 'memory'), message: `container ${quote(c.name)} has no memory limit (resources.limits.memory)`, container: c.name, template: t });
  }
  return out;
}

function probes(c: ContainerAt, t: PodTemplate): Finding[] {
  const sidecar = c.init && c.container.restartPolicy === 'Always';
  if (c.init && !sidecar) return [];
  if (asArray(c.container.ports).length === 0) return [];
  const missing = ['readinessProbe', 'livenessProbe'].filter((p) => !c.container[p]);
  if (!missing.length) return [];
  return [{ rule: 'probes', field: at(c, missing[0]), message: `serving container ${quote(c.name)} (it has ports) has no ${missing.join(' and no ')}`, container: c.name, template: t }];
}

function security(c: ContainerAt, t: PodTemplate): Finding[] {
  const out: Finding[] = [];
  const sc = asObj(c.container.securityContext);
  const pod = asObj(t.spec.securityContext);
  const base = { container: c.name, template: t };
  const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
  const user = sc.runAsUser ?? pod.runAsUser;
  if (nonRoot !== true) {
    out.push({ ...base, rule: 'security-run-as-non-root', field: at(c, 'securityContext', 'runAsNonRoot'), message: `container ${quote(c.name)} does not set runAsNonRoot: true (container or pod securityContext)` });
  } else if (user === 0) {
    out.push({ ...base, rule: 'security-run-as-non-root', field: at(c, 'securityContext', 'runAsUser'), message: `container ${quote(c.name)} runs as user 0` });
  }
  if (sc.privileged === true) {
    out.push({ ...base, rule: 'security-privilege-escalation', field: at(c, 'securityContext', 'privileged'), message: `container ${quote(c.name)} is privileged` });
  } else if (sc.allowPrivilegeEscalation !== false) {
    out.push({ ...base, rule: 'security-privilege-escalation', field: at(c, 'securityContext', 'allowPrivilegeEscalation'), message: `container ${quote(c.name)} does not set allowPrivilegeEscalation: false` });
  }
  const caps = asObj(sc.capabilities);
  const drop = asArray(caps.drop).map(String);
  const add = asArray(caps.add).map(String).filter((a) => a !== 'NET_BIND_SERVICE');
  if (!drop.includes('ALL')) {
    out.push({ ...base, rule: 'security-capabilities', field: at(c, 'securityContext', 'capabilities', 'drop'), message: `container ${quote(c.name)} does not drop ALL capabilities` });
  }
  if (add.length) {
    out.push({ ...base, rule: 'security-capabilities', field: at(c, 'securityContext', 'capabilities', 'add'), message: `container ${quote(c.name)} adds capabilities ${add.join(', ')}` });
  }
  const seccomp = str(asObj(sc.seccompProfile).type) ?? str(asObj(pod.seccompProfile).type);
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
    out.push({ ...base, rule: 'security-seccomp', field: at(c, 'securityContext', 'seccompProfile', 'type'), message: `container ${quote(c.name)} runs ${seccomp ? `with seccompProfile ${seccomp}` : 'without a seccompProfile'} (want RuntimeDefault, at pod or container level)` });
  }
  return out;
}

function images(c: ContainerAt, t: PodTemplate, registries: readonly string[]): Finding[] {
  const image = c.container.image;
  if (typeof image !== 'string' || !image) return [];
  const out: Finding[] = [];
  const base = { container: c.name, template: t, field: at(c, 'image') };
  if (!registries.some((r) => image.startsWith(`${r.replace(/\/+$/, '')}/`))) {
    out.push({ ...base, rule: 'image-registry', message: `container ${quote(c.name)} image ${image} is not from ${registries.length === 1 ? `the registry ${registries[0]}` : `one of the registries ${registries.join(', ')}`}` });
  }
  const ref = parseImageRef(image);
  if (ref.tag === 'latest') out.push({ ...base, rule: 'image-tag', message: `container ${quote(c.name)} image ${image} uses the tag latest` });
  else if (!ref.tag && !ref.digest) out.push({ ...base, rule: 'image-tag', message: `container ${quote(c.name)} image ${image} has no tag or digest` });
  return out;
}

function normalize(path: string): string {
  const p = path.replace(/\/+/g, '/');
  return p.length > 1 ? p.replace(/\/$/, '') : p;
}

function hostPaths(t: PodTemplate, containers: readonly ContainerAt[], ctx: PolicyContext): Finding[] {
  const out: Finding[] = [];
  const specPath = podSpecPath(t);
  asArray(t.spec.volumes).forEach((v, i) => {
    const volume = asObj(v);
    const hostPath = volume.hostPath;
    if (hostPath === undefined) return;
    const path = normalize(str(asObj(hostPath).path) ?? '');
    const name = str(volume.name) ?? `#${i}`;
    const field = formatPath([...specPath, 'volumes', i, 'hostPath', 'path']);
    const allowed = ctx.hostPathAllowList.find((a) => normalize(a.path) === path);
    if (!allowed) {
      out.push({ rule: 'host-path', field, template: t, message: `volume ${quote(name)} mounts hostPath ${path || '(empty)'}, which is not on the allow-list (${ctx.hostPathAllowList.map((a) => a.path).join(', ')})` });
      return;
    }
    if (allowed.namespaces && !allowed.namespaces.includes(ctx.namespace)) {
      out.push({ rule: 'host-path', field, template: t, message: `volume ${quote(name)} mounts hostPath ${path}, which only namespace${allowed.namespaces.length > 1 ? 's' : ''} ${allowed.namespaces.join(', ')} may mount (this is ${ctx.namespace || 'no namespace'})` });
      return;
    }
    if (!allowed.readOnly) return;
    for (const c of containers) {
      asArray(c.container.volumeMounts).forEach((m, j) => {
        const mount = asObj(m);
        if (mount.name !== name || mount.readOnly === true) return;
        out.push({ rule: 'host-path', field: at(c, 'volumeMounts', j, 'readOnly'), container: c.name, template: t, message: `container ${quote(c.name)} mounts hostPath ${path} (volume ${quote(name)}) read-write; it must be readOnly: true` });
      });
    }
  });
  return out;
}
