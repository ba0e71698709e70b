/** Settings shared by every service: sidecar images, Argo CD, certificates. */
import { Platform, checked } from '../config/profile.js';
import { memcached } from './memcached.js';

export const platform: Platform = checked('environments/platform.ts', Platform, {
  images: {
    envoy: 'envoy:1.35.9-1',
    httpdExporter: 'prometheus-apache-exporter:0.0.4-20240623',
    phpFpmExporter: 'prometheus-php-fpm-exporter:0.0.4-20240623',
    mcrouter: 'mcrouter:2023.07.17.00-2-20260412',
    mcrouterExporter: 'prometheus-mcrouter-exporter:0.4.0-1',
    rsyslog: 'rsyslog:8.2302.0-1',
    // Runs the `commands` of supervision rules (httpbb) in an analysis Job.
    checks: 'httpbb:0.0.3-1',
  },
  argocd: {
    namespace: 'argocd',
    project: 'mediawiki',
    repoURL: 'https://gitlab.wikimedia.org/repos/sre/mediawiki-deployments.git',
    targetRevision: 'main',
  },
  certIssuer: { name: 'discovery', kind: 'ClusterIssuer', group: 'cfssl-issuer.wikimedia.org' },
  extraFQDNs: ['appservers-rw.discovery.wmnet', 'appservers-ro.discovery.wmnet', 'api-rw.discovery.wmnet', 'api-ro.discovery.wmnet'],
  memcached,
});
