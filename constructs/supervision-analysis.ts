import { Construct } from 'constructs';
import type { IJobSpec } from 'kubernetes-models/batch/v1/JobSpec';
import { AnalysisTemplate, AnalysisTemplateSpecMetricsCount, AnalysisTemplateSpecMetricsFailureLimit, type AnalysisTemplateSpecMetrics } from '../imports/analysis-argoproj.io.js';
import type { Stage, SupervisionCheck } from '../config/model.js';
import type { Resources } from '../config/profile.js';
import { resourceRequirements, restrictedSecurityContext } from './container-spec.js';
import { setRawJson } from './raw-json.js';

export interface SupervisionAnalysisProps {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly namespace: string;
  readonly stage: Stage;
  /** The checks of the stage's supervision rules (logstash_check, commands). */
  readonly checks: readonly SupervisionCheck[];
  /** The cluster's logstash/OpenSearch endpoint. */
  readonly logstashUrl: string;
  /** Image that runs `commands` checks (httpbb and friends). */
  readonly commandsImage: string;
  readonly commandsResources: Resources;
  /**
   * Ports of the namespace's other releases: a `commands` line that probes one of them
   * (`--https_port=4453`, `host:4453`) checks another release and is left out of this one's
   * analysis, so two test servers rolling at once each check only themselves.
   * @default - none: every command runs
   */
  readonly otherReleasePorts?: readonly number[];
}

/** The argument carrying the pod-template hash of the new pods. */
export const POD_HASH_ARG = 'new-pods-hash';

/**
 * A stage's supervision rules as an Argo Rollouts AnalysisTemplate, what scap checks between
 * stages today: `logstash_check {threshold}` counts the new pods' error logs over the
 * OpenSearch count API and fails above the threshold; `commands` run in a Job and fail on a
 * non-zero exit. Any failed metric aborts the rollout.
 */
export class SupervisionAnalysis extends Construct {
  readonly name: string;
  readonly apiObject: AnalysisTemplate;

  constructor(scope: Construct, id: string, props: SupervisionAnalysisProps) {
    super(scope, id);
    this.name = props.name;
    const metrics: AnalysisTemplateSpecMetrics[] = [];
    const jobs: { index: number; commands: readonly string[] }[] = [];
    const others = new Set(props.otherReleasePorts ?? []);
    props.checks.forEach((check, i) => {
      if (check.kind === 'logstash') {
        metrics.push(logstashMetric(`logstash-errors-${i}`, props, check.threshold));
      } else {
        const own = check.commands.filter((command) => !portsProbed(command).some((port) => others.has(port)));
        if (own.length === 0) return;
        jobs.push({ index: metrics.length, commands: own });
        // The job spec is patched in below (core Kubernetes types, like the pod).
        metrics.push({ name: `commands-${i}`, failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(0), provider: {} });
      }
    });
    if (metrics.length === 0) {
      throw new Error(`supervision analysis ${props.name}: every check probes another release's port (${[...others].join(', ')}), so none is left for this release`);
    }
    this.apiObject = new AnalysisTemplate(this, 'Resource', {
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: { args: [{ name: POD_HASH_ARG }], metrics },
    });
    for (const job of jobs) {
      setRawJson(this.apiObject, ['spec', 'metrics', job.index, 'provider', 'job'], commandsJob(props, job.commands));
    }
  }
}

/** The ports a command line names: `--https_port=N`, `--port N`, `host:N`. */
function portsProbed(command: string): number[] {
  return [...command.matchAll(/(?:_port[= ]|--port[= ]|[\w\]]:)(\d{1,5})\b/g)].map((m) => Number(m[1]));
}

function logstashMetric(name: string, props: SupervisionAnalysisProps, threshold: number): AnalysisTemplateSpecMetrics {
  const query = {
    query: {
      bool: {
        filter: [
          { term: { 'kubernetes.namespace_name': props.namespace } },
          { term: { 'kubernetes.labels.rollouts-pod-template-hash': `{{args.${POD_HASH_ARG}}}` } },
          { terms: { 'log.level': ['ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'] } },
          { range: { '@timestamp': { gte: 'now-5m' } } },
        ],
      },
    },
  };
  return {
    name,
    interval: '1m',
    count: AnalysisTemplateSpecMetricsCount.fromNumber(5),
    failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(0),
    successCondition: `result <= ${threshold}`,
    failureCondition: `result > ${threshold}`,
    provider: {
      web: {
        method: 'POST',
        url: `${props.logstashUrl}/logstash-*/_count`,
        headers: [{ key: 'Content-Type', value: 'application/json' }],
        body: JSON.stringify(query),
        jsonPath: '{$.count}',
        timeoutSeconds: 20,
      },
    },
  };
}

function commandsJob(props: SupervisionAnalysisProps, commands: readonly string[]): Record<string, unknown> {
  return {
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 900,
      template: {
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'checks',
              image: props.commandsImage,
              imagePullPolicy: 'IfNotPresent',
              // Every command must pass; the first failure fails the metric.
              command: ['/bin/sh', '-ec', commands.join('\n')],
              resources: resourceRequirements(props.commandsResources),
              securityContext: restrictedSecurityContext(),
            },
          ],
        },
      },
    } satisfies IJobSpec,
  };
}
