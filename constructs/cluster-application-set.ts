import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { STAGES, type Stage } from '../config/model.js';
import type { Cluster, Platform } from '../config/profile.js';
import { ApplicationSet, type ApplicationSetSpecTemplateSpecSource } from '../imports/argocd-appset-argoproj.io.js';

/** argocd/plugin.yaml's `<metadata.name>-<spec.version>`: what plugin-mode Applications ask for. */
export const DEFAULT_PLUGIN_NAME = 'mw-gitops-v1';

/** Where a plugin-mode Application renders from: the source repository of this project. */
export interface PluginSource {
  /**
   * `<metadata.name>-<spec.version>` of argocd/plugin.yaml.
   * @default DEFAULT_PLUGIN_NAME
   */
  readonly name?: string;
  readonly repoURL: string;
  readonly targetRevision: string;
  readonly path: string;
}

export interface ApplicationSetRelease {
  readonly namespace: string;
  readonly release: string;
  readonly stage: Stage;
  readonly deploy: boolean;
  /** The release's directory in the deployment repository. */
  readonly path: string;
  /**
   * Labels Argo CD puts on the release's namespace (managed namespace metadata), the Pod
   * Security admission levels (`pod-security.kubernetes.io/enforce|warn|audit`) among them.
   */
  readonly namespaceLabels: Readonly<Record<string, string>>;
}

export interface ClusterApplicationSetProps extends ChartProps {
  readonly cluster: Cluster;
  readonly platform: Platform;
  readonly releases: readonly ApplicationSetRelease[];
  /**
   * `rendered`: Applications sync the release's directory of the deployment repository.
   * `plugin`: they render the source repository with the mw-gitops plugin, which gets the
   * cluster, namespace and release as plugin env (MW_CLUSTER, MW_NAMESPACE, MW_RELEASE).
   * @default - the cluster's `argocdSource`, else `rendered`
   */
  readonly sourceMode?: 'rendered' | 'plugin';
  /** @default - `platform.argocd.plugin` */
  readonly pluginSource?: PluginSource;
}

/**
 * One Argo CD Application per release of a cluster, named `<ns>-<release>-<cluster>`, synced in
 * stage order (testservers, canaries, production) by a RollingSync progressive sync: a stage
 * starts once every Application of the previous one is Healthy, and a Rollout is Healthy only
 * when its canary steps and analysis are done. `deploy: false` releases get no automated sync
 * and no step, so they sync only by hand. In plugin mode (a cluster's `argocdSource: plugin`) the
 * Applications render the source repository through the mw-gitops Config Management Plugin
 * instead of reading the rendered tree.
 *
 * `preserveResourcesOnDeletion`: an Application the ApplicationSet deletes (a release renamed or
 * dropped from deployments.yaml) leaves its Rollout, Services and PDB running instead of
 * cascade-deleting them. Each Application creates its namespace and sets the namespace's labels
 * (`managedNamespaceMetadata`); server-side apply lets it set them on a namespace that exists
 * already.
 */
export class ClusterApplicationSet extends Chart {
  readonly apiObject: ApplicationSet;

  constructor(scope: Construct, id: string, props: ClusterApplicationSetProps) {
    const { cluster, platform } = props;
    super(scope, id, { ...props, namespace: platform.argocd.namespace, disableResourceNameHashes: true });
    const labels = { cluster: '{{.cluster}}', namespace: '{{.namespace}}', release: '{{.release}}', stage: '{{.stage}}', deploy: '{{.deploy}}' };
    this.apiObject = new ApplicationSet(this, 'Resource', {
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
        syncPolicy: { preserveResourcesOnDeletion: true },
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
            source: applicationSource(props),
            destination: { name: cluster.argocdDestination, namespace: '{{.namespace}}' },
          },
        },
        // Per-release sync policy: automated only where deploy is true.
        templatePatch: [
          'spec:',
          '  syncPolicy:',
          '    syncOptions: [CreateNamespace=true, ServerSideApply=true, PruneLast=true, ApplyOutOfSyncOnly=true]',
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

function applicationSource(props: ClusterApplicationSetProps): ApplicationSetSpecTemplateSpecSource {
  const { cluster, platform } = props;
  const mode = props.sourceMode ?? cluster.argocdSource ?? 'rendered';
  if (mode === 'rendered') return { repoUrl: platform.argocd.repoURL, targetRevision: platform.argocd.targetRevision, path: '{{.path}}' };
  const plugin = props.pluginSource ?? platform.argocd.plugin;
  if (!plugin) {
    // Input loading refuses such a configuration; this guards the construct's own props.
    throw new Error(`cluster ${cluster.name} renders through the Argo CD plugin ('sourceMode' plugin) but neither 'pluginSource' nor the platform's argocd.plugin names the source repository`);
  }
  return {
    repoUrl: plugin.repoURL,
    targetRevision: plugin.targetRevision,
    path: plugin.path,
    plugin: {
      name: plugin.name ?? DEFAULT_PLUGIN_NAME,
      env: [
        { name: 'MW_CLUSTER', value: cluster.name },
        { name: 'MW_NAMESPACE', value: '{{.namespace}}' },
        { name: 'MW_RELEASE', value: '{{.release}}' },
      ],
    },
  };
}
