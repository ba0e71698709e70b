import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { compareStrings } from '../config/compare.js';

/** An Argo CD sync window: when the project's Applications may (allow) or may not (deny) sync. */
export interface SyncWindow {
  readonly kind: 'allow' | 'deny';
  /** Cron schedule of the window's start, e.g. "0 22 * * *". */
  readonly schedule: string;
  /** How long the window lasts from each start, e.g. "1h". */
  readonly duration: string;
  /**
   * Application names (globs) it applies to.
   * @default - none (then namespaces or clusters must select)
   */
  readonly applications?: readonly string[];
  /**
   * Destination namespaces (globs) it applies to.
   * @default - none
   */
  readonly namespaces?: readonly string[];
  /**
   * Destination clusters (names, globs) it applies to.
   * @default - none
   */
  readonly clusters?: readonly string[];
  /**
   * Whether a sync by hand may run inside a deny window.
   * @default false
   */
  readonly manualSync?: boolean;
  /**
   * IANA time zone of the schedule.
   * @default "UTC"
   */
  readonly timeZone?: string;
  /**
   * What the window is for, shown by Argo CD.
   * @default - none
   */
  readonly description?: string;
}

/** A destination the project admits: an Argo CD cluster name and a namespace there. */
export interface ProjectDestination {
  readonly name: string;
  readonly namespace: string;
}

/** A Kubernetes kind by API group ("" for the core group). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

export interface MediaWikiAppProjectProps extends ChartProps {
  /** The project's name: what the ApplicationSets' `project` names. */
  readonly name: string;
  /** The Argo CD namespace. */
  readonly argocdNamespace: string;
  /** Repositories the Applications may sync from. */
  readonly sourceRepos: readonly string[];
  /** Cluster and namespace pairs the Applications deploy to. */
  readonly destinations: readonly ProjectDestination[];
  /** Namespaced kinds the manifests hold. */
  readonly namespacedKinds: readonly GroupKind[];
  /**
   * When the Applications may sync (deployment windows).
   * @default - none: syncs may run at any time
   */
  readonly syncWindows?: readonly SyncWindow[];
}

/**
 * The Argo CD AppProject every generated Application belongs to. It admits exactly what the
 * render needs: the repositories the Applications read, each cluster's release namespaces, the
 * kinds the manifests hold, and, cluster-wide, only Namespace, which the Applications create
 * (CreateNamespace=true) and label (managedNamespaceMetadata, the Pod Security levels among
 * them). Lists are sorted, so the same render gives the same bytes.
 */
export class MediaWikiAppProject extends Chart {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: MediaWikiAppProjectProps) {
    super(scope, id, { ...props, namespace: props.argocdNamespace, disableResourceNameHashes: true });
    if (props.sourceRepos.length === 0) throw new Error(`AppProject ${props.name}: 'sourceRepos' is empty, so no Application could sync`);
    if (props.destinations.length === 0) throw new Error(`AppProject ${props.name}: 'destinations' is empty, so no Application could deploy`);
    for (const w of props.syncWindows ?? []) {
      if (!w.applications?.length && !w.namespaces?.length && !w.clusters?.length) {
        throw new Error(`AppProject ${props.name}: the ${w.kind} sync window "${w.schedule}" selects no applications, namespaces or clusters, so it would apply to nothing`);
      }
    }
    const unique = <T>(items: readonly T[], key: (t: T) => string): T[] =>
      [...new Map(items.map((i) => [key(i), i])).values()].sort((a, b) => compareStrings(key(a), key(b)));
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: {
        name: props.name,
        labels: { 'app.kubernetes.io/managed-by': 'mw-gitops' },
        // The project stays until no Application refers to it.
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        description: 'MediaWiki on Kubernetes, rendered by mw-gitops',
        sourceRepos: unique(props.sourceRepos, (r) => r),
        destinations: unique(props.destinations, (d) => `${d.name}\0${d.namespace}`).map((d) => ({ name: d.name, namespace: d.namespace })),
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        namespaceResourceWhitelist: unique(props.namespacedKinds, (k) => `${k.group}/${k.kind}`).map((k) => ({ group: k.group, kind: k.kind })),
        ...(props.syncWindows?.length ? { syncWindows: props.syncWindows.map(syncWindow) } : {}),
      },
    });
  }
}

function syncWindow(w: SyncWindow): Record<string, unknown> {
  return {
    kind: w.kind,
    schedule: w.schedule,
    duration: w.duration,
    ...(w.applications?.length ? { applications: [...w.applications] } : {}),
    ...(w.namespaces?.length ? { namespaces: [...w.namespaces] } : {}),
    ...(w.clusters?.length ? { clusters: [...w.clusters] } : {}),
    manualSync: w.manualSync ?? false,
    timeZone: w.timeZone ?? 'UTC',
    ...(w.description ? { description: w.description } : {}),
  };
}
