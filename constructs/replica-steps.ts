import type { StepSpec } from '../config/profile.js';

/**
 * Canary steps that mean what they say for this many replicas. Without a traffic router a weight
 * is a pod count: Argo Rollouts scales the new ReplicaSet to ceil(replicas × weight / 100), so
 * with 2 replicas "10%", "25%" and "50%" are all one pod, 50% of the traffic. A weighted step
 * and the pauses and analyses after it (a segment) merge with the following segments that give
 * the same pod count, keeping the follow-up steps of the last of them (the observation just
 * before the count grows). The weight written is then the share of pods it gives
 * (`floor(pods × 100 / replicas)`, which Argo Rollouts rounds back up to the same count).
 * Steps before the first weight, and any release of 0 or more than 100 replicas, stay as written.
 */
export function stepsForReplicas(steps: readonly StepSpec[], replicas: number): StepSpec[] {
  if (replicas < 1 || replicas > 100) return [...steps];
  const firstWeight = steps.findIndex((s) => 'setWeight' in s);
  if (firstWeight < 0) return [...steps];
  const out: StepSpec[] = steps.slice(0, firstWeight);
  const segments: { pods: number; followUp: StepSpec[] }[] = [];
  for (const step of steps.slice(firstWeight)) {
    if ('setWeight' in step) segments.push({ pods: Math.ceil((replicas * step.setWeight) / 100), followUp: [] });
    else segments[segments.length - 1].followUp.push(step);
  }
  segments.forEach((segment, i) => {
    if (segments[i + 1]?.pods === segment.pods) return;
    out.push({ setWeight: Math.floor((segment.pods * 100) / replicas) }, ...segment.followUp);
  });
  return out;
}
