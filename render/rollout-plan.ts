/**
 * Pure: what a release's rollout will do, read from its rendered objects (the Rollout's canary
 * steps and the AnalysisTemplates they name), so the plan follows whatever the constructs render.
 *
 * Pod counts follow Argo Rollouts' basic canary (no traffic router), utils/replicaset/canary.go:
 * at setWeight w of R replicas the new ReplicaSet is scaled to ceil(R × w / 100) and the stable
 * one to ceil(R × (100 − w) / 100); both round up, so the two may add up to R + 1. While moving
 * between steps the controller keeps at most R + maxSurge pods (one more when both counts round
 * up) and at least R − maxUnavailable available ones; maxSurge rounds up and maxUnavailable down
 * (Kubernetes' GetScaledValueFromIntOrPercent), and if both come to 0, maxUnavailable is 1.
 */
import type { ReleaseIndexEntry, Stage } from './releases-index.js';

type Obj = Record<string, unknown>;

export interface AnalysisMetricPlan {
  readonly name: string;
  /** web (an HTTP query), job (commands in a Job), or the provider's key. */
  readonly provider: string;
  readonly successCondition: string | null;
  readonly failureCondition: string | null;
  readonly failureLimit: number | null;
  readonly count: number | null;
  /** Seconds between measurements. */
  readonly intervalSeconds: number | null;
  /** Seconds before the first measurement. */
  readonly initialDelaySeconds: number;
  /** Least time the metric takes: initialDelay + (count − 1) × interval (the first measurement is immediate). */
  readonly minimumSeconds: number;
  /** Longest time a job may run (activeDeadlineSeconds), when the metric is a Job. */
  readonly deadlineSeconds: number | null;
}

export interface AnalysisGatePlan {
  readonly template: string;
  readonly metrics: readonly AnalysisMetricPlan[];
}

export type PlanStep =
  | { readonly kind: 'setWeight'; readonly weight: number; readonly canaryPods: number; readonly stablePods: number; readonly maxPods: number; readonly minAvailablePods: number }
  | { readonly kind: 'pause'; /** null: until promoted by hand. */ readonly seconds: number | null }
  | { readonly kind: 'analysis'; readonly gates: readonly AnalysisGatePlan[]; /** Metrics run in parallel: the slowest one. */ readonly minimumSeconds: number };

export interface ReleasePlan {
  readonly cluster: string;
  readonly namespace: string;
  readonly release: string;
  readonly stage: Stage;
  /** false: Argo CD waits for a manual sync. */
  readonly deploy: boolean;
  readonly workload: 'Rollout' | 'DaemonSet';
  readonly replicas: number | null;
  readonly maxSurge: number | null;
  readonly maxUnavailable: number | null;
  readonly steps: readonly PlanStep[];
  /** Sum of timed pauses and analysis minimums: the least time from sync to every pod on the new version. */
  readonly minimumSeconds: number;
  /** Pauses without a duration: each waits for `kubectl argo rollouts promote`. */
  readonly manualPauses: number;
}

/** The plan of one release from its index entry and its rendered objects. */
export function planRelease(entry: ReleaseIndexEntry, objects: readonly Obj[]): ReleasePlan {
  const base = { cluster: entry.cluster, namespace: entry.namespace, release: entry.release, stage: entry.stage, deploy: entry.deploy };
  const rollout = objects.find((o) => o.kind === 'Rollout');
  if (!rollout) {
    return { ...base, workload: 'DaemonSet', replicas: null, maxSurge: null, maxUnavailable: null, steps: [], minimumSeconds: 0, manualPauses: 0 };
  }
  const templates = new Map(
    objects.filter((o) => o.kind === 'AnalysisTemplate').map((o) => [String((o.metadata as Obj | undefined)?.name), o] as const),
  );
  const spec = (rollout.spec ?? {}) as Obj;
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const canary = (((spec.strategy ?? {}) as Obj).canary ?? {}) as Obj;
  const maxSurge = scaled(canary.maxSurge ?? '25%', replicas, true);
  let maxUnavailable = scaled(canary.maxUnavailable ?? '25%', replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  const steps: PlanStep[] = [];
  for (const raw of (canary.steps ?? []) as Obj[]) {
    if (typeof raw.setWeight === 'number') {
      steps.push(weightStep(replicas, raw.setWeight, maxSurge, maxUnavailable));
    } else if (raw.pause !== undefined) {
      const duration = (raw.pause as Obj | null)?.duration;
      steps.push({ kind: 'pause', seconds: duration === undefined ? null : durationSeconds(duration) });
    } else if (raw.analysis !== undefined) {
      const names = (((raw.analysis as Obj).templates ?? []) as Obj[]).map((t) => String(t.templateName));
      const gates = names.map((name) => gatePlan(name, templates.get(name)));
      const minimumSeconds = Math.max(0, ...gates.flatMap((g) => g.metrics.map((m) => m.minimumSeconds)));
      steps.push({ kind: 'analysis', gates, minimumSeconds });
    }
  }
  // After the last step the rollout promotes: every pod on the new version.
  steps.push(weightStep(replicas, 100, maxSurge, maxUnavailable));
  const minimumSeconds = steps.reduce((sum, s) => sum + (s.kind === 'pause' ? (s.seconds ?? 0) : s.kind === 'analysis' ? s.minimumSeconds : 0), 0);
  const manualPauses = steps.filter((s) => s.kind === 'pause' && s.seconds === null).length;
  return { ...base, workload: 'Rollout', replicas, maxSurge, maxUnavailable, steps, minimumSeconds, manualPauses };
}

function weightStep(replicas: number, weight: number, maxSurge: number, maxUnavailable: number): PlanStep {
  const canaryPods = Math.ceil((replicas * weight) / 100);
  const stablePods = Math.ceil((replicas * (100 - weight)) / 100);
  const extra = canaryPods + stablePods > replicas ? 1 : 0;
  return { kind: 'setWeight', weight, canaryPods, stablePods, maxPods: replicas + maxSurge + extra, minAvailablePods: Math.max(0, replicas - maxUnavailable) };
}

function gatePlan(name: string, template: Obj | undefined): AnalysisGatePlan {
  const metrics = ((((template?.spec ?? {}) as Obj).metrics ?? []) as Obj[]).map((m): AnalysisMetricPlan => {
    const provider = (m.provider ?? {}) as Obj;
    const kind = Object.keys(provider)[0] ?? 'unknown';
    const count = typeof m.count === 'number' ? m.count : kind === 'job' ? 1 : null;
    const intervalSeconds = m.interval === undefined ? null : durationSeconds(m.interval);
    const initialDelaySeconds = m.initialDelay === undefined ? 0 : durationSeconds(m.initialDelay);
    const job = ((provider.job ?? {}) as Obj).spec as Obj | undefined;
    return {
      name: String(m.name),
      provider: kind,
      successCondition: typeof m.successCondition === 'string' ? m.successCondition : null,
      failureCondition: typeof m.failureCondition === 'string' ? m.failureCondition : null,
      failureLimit: typeof m.failureLimit === 'number' ? m.failureLimit : null,
      count,
      intervalSeconds,
      initialDelaySeconds,
      minimumSeconds: initialDelaySeconds + (count !== null && intervalSeconds !== null ? Math.max(0, count - 1) * intervalSeconds : 0),
      deadlineSeconds: typeof job?.activeDeadlineSeconds === 'number' ? job.activeDeadlineSeconds : null,
    };
  });
  return { template: name, metrics };
}

/** An int-or-percent against `total`, rounded up or down (Kubernetes intstr semantics). */
function scaled(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(String(value));
  if (!m) throw new Error(`not a count or percentage: ${String(value)}`);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** Argo Rollouts durations as rendered: a number of seconds, or digits with s, m or h. */
export function durationSeconds(value: unknown): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)(s|m|h)?$/.exec(String(value));
  if (!m) throw new Error(`not a duration: ${String(value)}`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

/** 90 -> "1m30s", 3600 -> "1h". */
export function formatSeconds(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

/** One line per step: `10%: 36 new / 317 stable pods`, `pause 5m`, `analysis logstash-errors-0 (result <= 150)`. */
export function stepText(step: PlanStep): string {
  if (step.kind === 'setWeight') return `${step.weight}%: ${step.canaryPods} new / ${step.stablePods} stable pods`;
  if (step.kind === 'pause') return step.seconds === null ? 'pause until promoted by hand' : `pause ${formatSeconds(step.seconds)}`;
  const gates = step.gates.flatMap((g) => g.metrics.map((m) => `${m.name}${m.successCondition ? ` (${m.successCondition})` : m.provider === 'job' ? ' (job exits 0)' : ''}`));
  return `analysis ${gates.join(', ')}`;
}

/** The rows of a plan table: step, action, new pods, stable pods, time. */
export function planRows(p: ReleasePlan): string[][] {
  return p.steps.map((s, i) => {
    const last = i === p.steps.length - 1;
    const step = last ? 'done' : String(i + 1);
    if (s.kind === 'setWeight') return [step, last ? 'promote: 100%' : `setWeight ${s.weight}%`, String(s.canaryPods), String(s.stablePods), ''];
    if (s.kind === 'pause') return [step, s.seconds === null ? 'pause (until promoted)' : 'pause', '', '', s.seconds === null ? 'manual' : formatSeconds(s.seconds)];
    return [step, stepText(s), '', '', `≥ ${formatSeconds(s.minimumSeconds)}`];
  });
}

/** Markdown for request bodies and dist/README.md: a table of steps for one release. */
export function planMarkdownTable(p: ReleasePlan): string[] {
  if (p.workload === 'DaemonSet') return ['DaemonSet: rolling update, one pod per node; no canary steps.'];
  const rows = planRows(p);
  return ['| Step | Action | New pods | Stable pods | Time |', '| --- | --- | ---: | ---: | --- |', ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`)];
}

