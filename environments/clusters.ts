/**
 * The clusters releases render into. eqiad and codfw mirror today's wikikube clusters
 * (per-DC differences: datacenter, mcrouter, mail relay mx-out<dc>); staging is small and capped.
 */
import { Cluster, checked } from '../config/profile.js';

const FILE = 'environments/clusters.ts';

/** The five Kafka logging brokers of a datacenter (kafka-logging1001…1005.eqiad.wmnet:9093), TLS. */
function kafkaLogging(datacenter: string, first: number): string[] {
  return [0, 1, 2, 3, 4].map((i) => `kafka-logging${first + i}.${datacenter}.wmnet:9093`);
}

const definitions: Cluster[] = [
  {
    name: 'eqiad',
    datacenter: 'eqiad',
    argocdDestination: 'wikikube-eqiad',
    serviceDomain: 'svc.eqiad.wmnet',
    mcrouterServer: '10.64.72.12:4442',
    logstashUrl: 'https://logstash.svc.eqiad.wmnet:9200',
    prometheusUrl: 'http://prometheus.svc.eqiad.wmnet/k8s',
    mailHost: 'mx-out1001.wikimedia.org',
    logging: { kafkaBrokers: kafkaLogging('eqiad', 1001), udp2log: 'udplog:8420' },
  },
  {
    name: 'codfw',
    datacenter: 'codfw',
    argocdDestination: 'wikikube-codfw',
    serviceDomain: 'svc.codfw.wmnet',
    mcrouterServer: '10.192.72.12:4442',
    logstashUrl: 'https://logstash.svc.codfw.wmnet:9200',
    prometheusUrl: 'http://prometheus.svc.codfw.wmnet/k8s',
    mailHost: 'mx-out2001.wikimedia.org',
    logging: { kafkaBrokers: kafkaLogging('codfw', 2001), udp2log: 'udplog:8420' },
  },
  {
    name: 'staging',
    datacenter: 'eqiad',
    argocdDestination: 'wikikube-staging-eqiad',
    serviceDomain: 'svc.eqiad.wmnet',
    mcrouterServer: '10.64.72.12:4442',
    logstashUrl: 'https://logstash.svc.eqiad.wmnet:9200',
    prometheusUrl: 'http://prometheus.svc.eqiad.wmnet/k8s-staging',
    mailHost: 'mx-out1001.wikimedia.org',
    logging: { kafkaBrokers: kafkaLogging('eqiad', 1001), udp2log: 'udplog:8420' },
    maxReplicas: 2,
  },
];

export const clusters: readonly Cluster[] = definitions.map((c, i) => checked(FILE, Cluster, c, [i]));
