import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { STAGES, type Stage } from '../config/model.js';
import type { Cluster, Platform } from '../config/profile.js';
import { ApplicationSet } from '../imports/argocd-appset-argoproj.io.js';

export interface ApplicationSetRelease {
  readonly namespace: string;
  readonly release: string;
  readonly stage: Stage;
  readonly deploy: boolean;
  /** The release's directory in the deployment repository. */
  readonly path: string;
  /** Labels Argo CD puts on the namespace it creates (managed namespace metadata). */
  readonly namespaceLabels: Readonly<Record<string, string>>;
}

export interface ClusterApplicationSetProps extends ChartProps {
  readonly cluster: Cluster;
  readonly platform: Platform;
  readonly releases: readonly ApplicationSetRelease[];
}

/**
 * One Argo CD Application per release of a cluster, named `<ns>-<release>-<cluster>`, synced in
 * stage order (testservers, canaries, production) by a RollingSync progressive sync: a stage
 * starts once every Application of the previous one is Healthy, and a Rollout is Healthy only
 * when its canary steps and analysis are done. `deploy: false` releases get no automated sync
 * and no step, so they sync only by hand.
 */
export class ClusterApplicationSet extends Chart {
  constructor(scope: Construct, id: string, props: ClusterApplicationSetProps) {
    const { cluster, platform } = props;
    super(scope, id, { ...props, namespace: platform.argocd.namespace, disableResourceNameHashes: true });
    const labels = { cluster: '{{.cluster}}', namespace: '{{.namespace}}', release: '{{.release}}', stage: '{{.stage}}', deploy: '{{.deploy}}' };
    new ApplicationSet(this, 'Resource', {
      metadata: { name: `mediawiki-${cluster.name}`, labels: { 'app.kubernetes.io/managed-by': 'mw-gitops', cluster: cluster.name } },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [
          {
            list: {
              elements: props.releases.map((r) => ({
                cluster: cluster.name,
                namespace: r.namespace,
                release: r.release,
                stage: r.stage,
                deploy: String(r.deploy),
                path: r.path,
                namespaceLabels: { ...r.namespaceLabels },
              })),
            },
          },
        ],
        strategy: {
          type: 'RollingSync',
          rollingSync: {
            steps: STAGES.map((stage) => ({
              matchExpressions: [
                { key: 'stage', operator: 'In', values: [stage] },
                { key: 'deploy', operator: 'In', values: ['true'] },
              ],
            })),
          },
        },
        template: {
          metadata: { name: `{{.namespace}}-{{.release}}-${cluster.name}`, labels },
          spec: {
            project: platform.argocd.project,
            source: { repoUrl: platform.argocd.repoURL, targetRevision: platform.argocd.targetRevision, path: '{{.path}}' },
            destination: { name: cluster.argocdDestination, namespace: '{{.namespace}}' },
          },
        },
        // Per-release sync policy: automated only where deploy is true.
        templatePatch: [
          'spec:',
          '  syncPolicy:',
          '    syncOptions: [CreateNamespace=true, PruneLast=true, ApplyOutOfSyncOnly=true]',
          '    {{- if eq .deploy "true" }}',
          '    automated: {prune: true, selfHeal: true}',
          '    {{- end }}',
          '    {{- with .namespaceLabels }}',
          '    managedNamespaceMetadata:',
          '      labels: {{ toJson . }}',
          '    {{- end }}',
          '',
        ].join('\n'),
      },
    });
  }
}
