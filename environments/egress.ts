/**
 * Where MediaWiki pods connect besides the service mesh (whose upstreams come from
 * environments/services.yaml): the destinations of production's NetworkPolicy (the helmfile's
 * networkpolicy.egress.dst_nets, mw.egress and the chart's kafka logging and otel rules). Both
 * data centres are listed in each: a pod reaches the other DC's hosts after a switchover.
 * A rule without `ports` allows every port, as production's does.
 */
import type { EgressRule } from '../config/profile.js';

const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP' as const, port }));
const udp = (...ports: number[]) => ports.map((port) => ({ protocol: 'UDP' as const, port }));

export const productionEgress: EgressRule[] = [
  // MariaDB sections: s1..s8, x1, es*, pc*.
  { description: 'databases (MariaDB sections)', cidrs: ['10.0.0.0/8'], ports: tcp(3306, 3310, 3311, 3312, 3313, 3314, 3315, 3316, 3317, 3318, 3319, 3320) },
  {
    // conf1007-1009, conf2004-2006. Production writes the IPv6 addresses as /32, which opens a whole /32
    // network; these name the hosts.
    description: 'etcd (conftool)',
    cidrs: [
      '10.64.0.207/32', '2620:0:861:101:10:64:0:207/128', '10.64.16.110/32', '2620:0:861:102:10:64:16:110/128',
      '10.64.48.154/32', '2620:0:861:107:10:64:48:154/128', '10.192.16.45/32', '2620:0:860:102:10:192:16:45/128',
      '10.192.32.52/32', '2620:0:860:103:10:192:32:52/128', '10.192.48.59/32', '2620:0:860:104:10:192:48:59/128',
    ],
    ports: tcp(4001),
  },
  { description: 'swift (ms-fe.svc.eqiad/codfw.wmnet), for ThumbnailRenderer', cidrs: ['10.2.2.27/32', '10.2.1.27/32'], ports: tcp(443) },
  { description: 'IRC recent-changes feed (irc1003, irc2003)', cidrs: ['208.80.154.72/32', '208.80.153.10/32'] },
  { description: 'arclamp / xenon profiling (arclamp1001, arclamp2001)', cidrs: ['10.64.16.88/32', '10.192.48.82/32'], ports: tcp(6379) },
  { description: 'excimer UI (webperf1003, webperf2003)', cidrs: ['10.64.32.23/32', '10.192.32.23/32'], ports: tcp(443) },
  { description: 'statsd (graphite1005, graphite2004)', cidrs: ['10.64.16.81/32', '10.192.16.37/32'], ports: udp(8125) },
  { description: 'eventlogging (eventlog1001)', cidrs: ['10.64.32.167/32'], ports: tcp(8421) },
  { description: 'logstash.svc.eqiad.wmnet', cidrs: ['10.2.2.36/32'] },
  { description: 'poolcounter (poolcounter1006/1007, 2005/2006)', cidrs: ['10.64.0.150/32', '10.64.32.137/32', '10.192.0.9/32', '10.192.16.6/32'], ports: tcp(7531) },
  { description: 'udp2log (mwlog1002/1003, 2002/2003)', cidrs: ['10.64.32.141/32', '10.64.185.2/32', '10.192.32.9/32', '10.192.52.2/32'], ports: udp(8420) },
  {
    // rdb1013-1016 and rdb-lock1001-1003 (eqiad); rdb2011-2014 and rdb-lock2001-2003 (codfw).
    description: 'redis-lock (filebackend locks)',
    cidrs: [
      '10.64.16.18/32', '2620:0:861:102:10:64:16:18/128', '10.64.181.10/32', '2620:0:861:13b:10:64:181:10/128',
      '10.64.0.9/32', '2620:0:861:101:10:64:0:9/128', '10.64.133.6/32', '2620:0:861:10c:10:64:133:6/128',
      '10.64.0.65/32', '2620:0:861:101:10:64:0:65/128', '10.64.16.45/32', '2620:0:861:102:10:64:16:45/128',
      '10.64.32.7/32', '2620:0:861:103:10:64:32:7/128',
      '10.192.57.4/32', '2620:0:860:12c:10:192:57:4/128', '10.192.59.4/32', '2620:0:860:12e:10:192:59:4/128',
      '10.192.13.25/32', '2620:0:860:10e:10:192:13:25/128', '10.192.37.22/32', '2620:0:860:11c:10:192:37:22/128',
      '10.192.16.11/32', '2620:0:860:102:10:192:16:11/128', '10.192.32.12/32', '2620:0:860:103:10:192:32:12/128',
      '10.192.48.7/32', '2620:0:860:104:10:192:48:7/128',
    ],
  },
  {
    description: 'mail relays (wiki-mail-eqiad/codfw, mx-out1001/2001)',
    cidrs: [
      '208.80.154.91/32', '2620:0:861:3:208:80:154:91/128', '208.80.154.5/32', '2620:0:861:1:208:80:154:5/128',
      '208.80.153.46/32', '2620:0:860:2:208:80:153:46/128', '208.80.153.13/32', '2620:0:860:1:208:80:153:13/128',
    ],
    ports: tcp(25),
  },
  { description: 'prometheus (prometheus.svc.eqiad/codfw.wmnet)', cidrs: ['10.2.2.25/32', '10.2.1.25/32'], ports: tcp(80) },
  { description: 'termbox-test on the kubestage nodes', cidrs: ['10.192.0.195/32', '10.192.16.137/32', '10.64.16.55/32', '10.64.48.106/32'], ports: tcp(3031) },
  {
    description: 'kafka logging-eqiad and logging-codfw (rsyslog)',
    cidrs: ['10.64.16.205/32', '10.64.32.142/32', '10.64.48.66/32', '10.192.0.112/32', '10.192.32.180/32', '10.192.48.131/32'],
    ports: tcp(9092, 9093),
  },
  // Not in production's per-release policy: its cluster-wide default policies allow them.
  { description: 'mcrouter daemonset and memcached (cluster default in production)', cidrs: ['10.0.0.0/8'], ports: [...tcp(4442), { protocol: 'TCP', port: 11211, endPort: 11213 }] },
  { description: 'DNS (cluster default in production)', cidrs: ['10.0.0.0/8'], ports: [...udp(53), ...tcp(53)] },
];
