/** The deployment windows of environments/windows.ts applied to plans, at a given time. */
import { nextOpening, windowsFor, windowState } from '../config/windows.js';
import { windows } from '../environments/windows.js';
import type { PlannedRelease } from '../changes/plan.js';

/** Each plan with whether its Application may sync automatically at `at`, and when the next window opens if not. */
export function withWindows(plans: readonly PlannedRelease[], at: Date): PlannedRelease[] {
  return plans.map((p) => {
    const apply = windowsFor(windows, p);
    const state = windowState(apply, at);
    const opens = state.open ? null : nextOpening(apply, at);
    return { ...p, window: { open: state.open, opensAt: opens ? opens.toISOString() : null, blockedBy: state.blockedBy } };
  });
}
