/**
 * The memcached pools MediaWiki's in-pod mcrouter routes to (mw-debug in eqiad, mw-experimental),
 * and each datacenter's routes: puppet's profile::mediawiki::mcrouter_wancache::shards and the
 * helmfile's global-<dc>.yaml cache.mcrouter.routes. Servers of the pod's own zone are reached in
 * plain text on plainPort, the other zone's over TLS on tlsPort.
 */
import type { Platform } from '../config/profile.js';

export const memcached: Platform['memcached'] = {
  plainPort: 11211,
  tlsPort: 11214,
  pools: [
  {
    name: 'eqiad-servers',
    zone: 'eqiad',
    servers: ['10.64.0.124', '10.64.0.125', '10.64.0.64', '10.64.0.65', '10.64.16.140', '10.64.16.21', '10.64.16.102', '10.64.16.190', '10.64.32.133', '10.64.32.148', '10.64.32.151', '10.64.32.153', '10.64.32.157', '10.64.32.158', '10.64.48.90', '10.64.48.91', '10.64.48.92', '10.64.48.93'],
    failover: ['10.64.0.53', '10.64.32.101', '10.64.48.32'],
  },
  {
    name: 'codfw-servers',
    zone: 'codfw',
    servers: ['10.192.0.191', '10.192.0.22', '10.192.0.148', '10.192.0.200', '10.192.16.117', '10.192.16.116', '10.192.16.118', '10.192.16.119', '10.192.16.120', '10.192.32.79', '10.192.32.80', '10.192.32.81', '10.192.32.82', '10.192.48.74', '10.192.48.176', '10.192.48.177', '10.192.48.178', '10.192.0.205'],
    failover: ['10.192.0.156', '10.192.16.147', '10.192.48.138'],
  },
  {
    name: 'wf-eqiad',
    zone: 'eqiad',
    servers: ['10.64.16.80', '10.64.48.142'],
  },
  {
    name: 'wf-codfw',
    zone: 'codfw',
    servers: ['10.192.32.127', '10.192.48.206'],
  },
  ],
  routes: {
    eqiad: [
      { route: '/eqiad/mw', pool: 'eqiad-servers', failoverSeconds: 600 },
      { route: '/codfw/mw', pool: 'codfw-servers', failoverSeconds: 600 },
      { route: '/eqiad/mw-wan', pool: 'eqiad-servers', failoverSeconds: 600, replica: { route: '/codfw/mw-wan', pool: 'codfw-servers' } },
      { route: '/eqiad/wf-wan', pool: 'wf-eqiad', failoverSeconds: 0, replica: { route: '/codfw/wf-wan', pool: 'wf-codfw' } },
    ],
    codfw: [
      { route: '/eqiad/mw', pool: 'eqiad-servers', failoverSeconds: 600 },
      { route: '/codfw/mw', pool: 'codfw-servers', failoverSeconds: 600 },
      { route: '/codfw/mw-wan', pool: 'codfw-servers', failoverSeconds: 600, replica: { route: '/eqiad/mw-wan', pool: 'eqiad-servers' } },
      { route: '/codfw/wf-wan', pool: 'wf-codfw', failoverSeconds: 0, replica: { route: '/eqiad/wf-wan', pool: 'wf-eqiad' } },
    ],
  },
};
