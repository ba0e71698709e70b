/**
 * The shape of dist/releases.json: the machine-readable index of everything rendered.
 * Bots (publish messages, bump request bodies, diff) read it instead of parsing manifests.
 */
export type Stage = 'testservers' | 'canaries' | 'production';

export interface ReleaseIndexEntry {
  readonly cluster: string;
  readonly namespace: string;
  readonly release: string;
  /** `<ns>-<release>-<cluster>`, the Argo CD Application name. */
  readonly application: string;
  readonly stage: Stage;
  /** false: rendered, but Argo CD does not sync it automatically. */
  readonly deploy: boolean;
  readonly mwKind: string;
  readonly mwFlavour: string;
  readonly webFlavour: string;
  /** Full image references as rendered into the pod. */
  readonly images: { readonly app: string; readonly httpd: string };
  /** Rollout replicas; for a DaemonSet, null (one pod per eligible node). */
  readonly replicas: number | null;
  readonly workload: 'Rollout' | 'DaemonSet';
  /** The release whose Service carries its traffic (itself unless routed via another). */
  readonly routedVia: string;
  /** NodePorts this release exposes (empty when routed via another release). */
  readonly nodePorts: readonly number[];
  /** The manifest file, relative to the tree root. */
  readonly path: string;
}

export interface UnmanagedNamespace {
  readonly namespace: string;
  readonly clusters: readonly string[];
  readonly reason: string;
}

export interface ReleasesIndex {
  readonly generator: 'mw-gitops';
  /** Stage order in which releases roll out within a cluster. */
  readonly stages: readonly Stage[];
  readonly clusters: readonly string[];
  /** Sorted by cluster, stage order, namespace, release. */
  readonly releases: readonly ReleaseIndexEntry[];
  readonly unmanaged: readonly UnmanagedNamespace[];
}
