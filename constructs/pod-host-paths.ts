import type { PodPart, PodPartContext } from './pod-part.js';

/** Directories of the node, read-only: the GeoIP databases (mw.geoip) and the profile's host paths. */
export function hostPathsPart({ release }: PodPartContext): PodPart {
  const { profile } = release;
  const geoip = profile.geoip
    ? [
        { name: 'geoip', path: '/usr/share/GeoIP', mountPath: '/usr/share/GeoIP', readOnly: true, container: 'app' as const },
        { name: 'geoipinfo', path: '/usr/share/GeoIPInfo', mountPath: '/usr/share/GeoIPInfo', readOnly: true, container: 'app' as const },
      ]
    : [];
  const hostPaths = [...geoip, ...profile.hostPaths];
  return {
    volumes: hostPaths.map((h) => ({ name: h.name, source: { hostPath: { path: h.path, type: 'Directory' } } })),
    mounts: hostPaths.map((h) => ({ into: h.container, mount: { name: h.name, mountPath: h.mountPath, readOnly: h.readOnly } })),
  };
}
