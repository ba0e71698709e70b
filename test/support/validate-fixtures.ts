/**
 * Crafted objects for the validation tests: a small but complete release (Rollout, Services,
 * ConfigMap, Certificate, AnalysisTemplate, NetworkPolicy, PDB) that passes every rule, and an
 * ApplicationSet pointing at it. Tests copy and break them one rule at a time.
 */
import type { ObjectFile } from '../../validate/index.js';

export const REGISTRY = 'docker-registry.discovery.wmnet';
export const APP_IMAGE = `${REGISTRY}/restricted/mediawiki-multiversion:2025-03-04-105954-publish-83`;
export const HTTPD_IMAGE = `${REGISTRY}/restricted/mediawiki-webserver:2025-03-04-105954-webserver`;

type Obj = Record<string, unknown>;

export function clone<T>(v: T): T {
  return structuredClone(v);
}

const restricted = (): Obj => ({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
});

function container(name: string, image: string, port?: number): Obj {
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    ...(port
      ? {
          ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
          readinessProbe: { httpGet: { path: '/healthz', port } },
          livenessProbe: { tcpSocket: { port } },
        }
      : {}),
    resources: { requests: { cpu: '500m', memory: '500Mi' }, limits: { memory: '1Gi' } },
    securityContext: restricted(),
    volumeMounts: [
      { name: 'config', mountPath: '/etc/mw', readOnly: true },
      { name: 'geoip', mountPath: '/usr/share/GeoIP', readOnly: true },
      { name: 'tls', mountPath: '/etc/tls', readOnly: true },
    ],
  };
}

export function podTemplate(release: string, extraLabels: Record<string, string> = {}): Obj {
  return {
    metadata: { labels: { app: 'mediawiki', release, routed_via: release, ...extraLabels } },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [container('mediawiki-main-app', APP_IMAGE), container('mediawiki-main-httpd', HTTPD_IMAGE, 8080)],
      volumes: [
        { name: 'config', configMap: { name: `mediawiki-${release}-config-abc123` } },
        { name: 'geoip', hostPath: { path: '/usr/share/GeoIP', type: 'Directory' } },
        { name: 'tls', secret: { secretName: `mediawiki-${release}-tls` } },
      ],
    },
  };
}

export function releaseObjects(namespace: string, release: string, nodePort: number): Obj[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `mediawiki-${release}-config-abc123`, namespace },
      data: { 'php.ini': 'x=1\n' },
    },
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: `mediawiki-${release}-tls`, namespace },
      spec: { secretName: `mediawiki-${release}-tls`, dnsNames: [`${namespace}.svc`], issuerRef: { name: 'discovery', kind: 'ClusterIssuer', group: 'cfssl-issuer.wikimedia.org' } },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: `mediawiki-${release}-logstash`, namespace },
      spec: {
        args: [{ name: 'pod-hash' }],
        metrics: [
          {
            name: 'errors',
            interval: '1m',
            count: 5,
            failureLimit: 0,
            failureCondition: 'result > 150',
            provider: { web: { url: 'https://logstash.svc.eqiad.wmnet:9200/_count', jsonPath: '{$.count}' } },
          },
          {
            name: 'checks',
            provider: {
              job: {
                spec: {
                  backoffLimit: 0,
                  template: {
                    spec: {
                      restartPolicy: 'Never',
                      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
                      containers: [
                        {
                          name: 'check',
                          image: APP_IMAGE,
                          command: ['/bin/sh', '-c', 'true'],
                          resources: { requests: { cpu: '100m', memory: '100Mi' }, limits: { memory: '200Mi' } },
                          securityContext: restricted(),
                        },
                      ],
                    },
                  },
                },
              },
            },
          },
        ],
      },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: `mediawiki-${release}`, namespace, labels: { app: 'mediawiki', release } },
      spec: {
        replicas: 4,
        revisionHistoryLimit: 2,
        selector: { matchLabels: { app: 'mediawiki', release } },
        template: podTemplate(release),
        strategy: {
          canary: {
            steps: [{ setWeight: 10 }, { pause: { duration: '5m' } }, { analysis: { templates: [{ templateName: `mediawiki-${release}-logstash` }] } }, { setWeight: 50 }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `mediawiki-${release}-tls-service`, namespace },
      spec: { type: 'NodePort', selector: { app: 'mediawiki', routed_via: release }, ports: [{ name: 'https', port: 4443, targetPort: 4443, nodePort, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `mediawiki-${release}`, namespace },
      spec: { podSelector: { matchLabels: { app: 'mediawiki', release } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 4443, protocol: 'TCP' }] }] },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: `mediawiki-${release}`, namespace },
      spec: { maxUnavailable: '10%', selector: { matchLabels: { app: 'mediawiki', release } } },
    },
  ];
}

export function applicationSet(cluster: string, releases: { namespace: string; release: string }[]): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: `mediawiki-${cluster}`, namespace: 'argocd' },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [
        {
          list: {
            // The pods mount the GeoIP hostPath: only privileged admits them.
            elements: releases.map((r) => ({ cluster, namespace: r.namespace, release: r.release, stage: 'production', namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'privileged' } })),
          },
        },
      ],
      strategy: { type: 'RollingSync', rollingSync: { steps: [{ matchExpressions: [{ key: 'stage', operator: 'In', values: ['production'] }] }] } },
      template: {
        metadata: { name: '{{.namespace}}-{{.release}}-{{.cluster}}', labels: { stage: '{{.stage}}' } },
        spec: {
          project: 'default',
          source: { repoURL: 'https://example.org/deploy.git', targetRevision: 'main', path: '{{.cluster}}/{{.namespace}}/{{.release}}' },
          destination: { name: '{{.cluster}}', namespace: '{{.namespace}}' },
          syncPolicy: { automated: { prune: true, selfHeal: true } },
        },
      },
    },
  };
}

/** A valid tree: two releases of mw-web in eqiad, and the cluster's ApplicationSet. */
export function goodTree(): ObjectFile[] {
  return [
    { path: 'eqiad/mw-web/main/manifest.yaml', objects: releaseObjects('mw-web', 'main', 4450) },
    { path: 'eqiad/mw-web/next/manifest.yaml', objects: releaseObjects('mw-web', 'next', 4454) },
    { path: 'argocd/eqiad/applicationset.yaml', objects: [applicationSet('eqiad', [{ namespace: 'mw-web', release: 'main' }, { namespace: 'mw-web', release: 'next' }])] },
  ];
}
