/**
 * What one release needs to render, with profile defaults applied: the input every release
 * construct takes. render/resolve.ts computes it from the parsed configuration.
 */
import type { ReleaseImages } from '../config/images.js';
import type { ReleaseSpec, SupervisionCheck } from '../config/model.js';
import type { Cluster, ClusterProfile, Platform } from '../config/profile.js';
import type { MeshListener } from '../config/services-mesh.js';
import type { SitesFile } from '../config/sites.js';

export interface ResolvedRelease {
  readonly spec: ReleaseSpec;
  /** The service profile, its switches decided for this cluster. */
  readonly profile: ClusterProfile;
  readonly cluster: Cluster;
  readonly platform: Platform;
  readonly registry: string;
  readonly images: ReleaseImages;
  /** Rollout replicas; null for a DaemonSet. */
  readonly replicas: number | null;
  /** The release whose Service carries this release's traffic. */
  readonly routedVia: string;
  /** Ports of this release's own Services; undefined when routed via another release. */
  readonly ports?: { readonly tls: number; readonly http?: number };
  /** The TLS port envoy listens on inside the pod (the routed-to release's port). */
  readonly tlsPort: number;
  readonly servergroup: string;
  /** Supervision checks for this release's stage, from the rules of its scope. */
  readonly checks: readonly SupervisionCheck[];
  /** The site catalogue; the profile's `sites` say which of it httpd serves. */
  readonly sites: SitesFile;
  /** The service-mesh listeners of the profile, from the catalogue, in the profile's order. */
  readonly meshListeners: readonly MeshListener[];
}
