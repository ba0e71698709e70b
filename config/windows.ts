/**
 * Deployment windows: when Argo CD may sync automatically. Rendered into the AppProject's
 * `syncWindows` (Argo CD semantics: a deny window blocks while active; when any allow window
 * exists, automatic syncs run only while one is active; `manualSync: true` keeps the sync button
 * working for emergencies). The same model answers "when does the next window open?".
 */
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

/** Argo CD window durations: digits and a unit, e.g. "62h", "30m". */
const WindowDuration = z.string().regex(/^[1-9][0-9]*(h|m)$/, 'a duration like "62h" or "30m"');

const CronSchedule = z.string().superRefine((value, ctx) => {
  // Argo CD takes the standard five fields.
  if (value.trim().split(/\s+/).length !== 5) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a five-field cron schedule (minute hour day month weekday)` });
    return;
  }
  try {
    CronExpressionParser.parse(value, { tz: 'UTC' });
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a cron schedule: ${err instanceof Error ? err.message : String(err)}` });
  }
});

export const DeploymentWindow = z.strictObject({
  /** deny: no automatic sync while active; allow: automatic syncs only while an allow window is active. */
  kind: z.enum(['allow', 'deny']),
  /** When the window starts (cron, in `timeZone`). */
  schedule: CronSchedule,
  /** How long it stays active from each start. */
  duration: WindowDuration,
  /** What a person reads in Argo CD and in plans. */
  description: z.string().min(1),
  /** Application name globs; @default ['*'] (every release). */
  applications: z.array(z.string().min(1)).min(1).default(['*']),
  namespaces: z.array(z.string().min(1)).optional(),
  clusters: z.array(z.string().min(1)).optional(),
  /** Manual syncs stay possible (emergencies); @default true */
  manualSync: z.boolean().default(true),
  /** IANA time zone of `schedule`; @default UTC */
  timeZone: z.string().min(1).default('UTC'),
});
export type DeploymentWindow = z.infer<typeof DeploymentWindow>;
export type DeploymentWindowInput = z.input<typeof DeploymentWindow>;

export const DeploymentWindows = z.array(DeploymentWindow);

/** An entry of AppProject `spec.syncWindows`, as the CRD names its fields. */
export interface SyncWindowEntry {
  readonly kind: 'allow' | 'deny';
  readonly schedule: string;
  readonly duration: string;
  readonly description: string;
  readonly applications: readonly string[];
  readonly namespaces?: readonly string[];
  readonly clusters?: readonly string[];
  readonly manualSync: boolean;
  readonly timeZone: string;
}

/** The windows as AppProject `spec.syncWindows` entries (pure; same input, same output). */
export function syncWindows(windows: readonly DeploymentWindow[]): SyncWindowEntry[] {
  return windows.map((w) => ({
    kind: w.kind,
    schedule: w.schedule,
    duration: w.duration,
    description: w.description,
    applications: [...w.applications],
    ...(w.namespaces ? { namespaces: [...w.namespaces] } : {}),
    ...(w.clusters ? { clusters: [...w.clusters] } : {}),
    manualSync: w.manualSync,
    timeZone: w.timeZone,
  }));
}

function durationMs(duration: string): number {
  const n = Number(duration.slice(0, -1));
  return n * (duration.endsWith('h') ? 3_600_000 : 60_000);
}

/** Starts of `w` active at `at`: o ≤ at < o + duration. */
function activeStart(w: DeploymentWindow, at: Date): Date | null {
  const length = durationMs(w.duration);
  // One second past `at`, so a window starting exactly at `at` counts.
  const starts = CronExpressionParser.parse(w.schedule, { currentDate: new Date(at.getTime() + 1000), tz: w.timeZone });
  for (;;) {
    const start = starts.prev().toDate();
    if (start.getTime() + length <= at.getTime()) {
      // Windows may overlap themselves only if longer than their period; look back one more.
      const earlier = starts.prev().toDate();
      return earlier.getTime() + length > at.getTime() ? earlier : null;
    }
    if (start.getTime() <= at.getTime()) return start;
  }
}

export interface WindowState {
  /** Automatic sync is allowed at `at`. */
  readonly open: boolean;
  /** The windows that block (active deny windows, or every allow window when none is active). */
  readonly blockedBy: readonly string[];
}

/** Whether Argo CD would sync an application automatically at `at` (windows already narrowed to it). */
export function windowState(windows: readonly DeploymentWindow[], at: Date): WindowState {
  const denies = windows.filter((w) => w.kind === 'deny' && activeStart(w, at));
  if (denies.length > 0) return { open: false, blockedBy: denies.map((w) => w.description) };
  const allows = windows.filter((w) => w.kind === 'allow');
  if (allows.length > 0 && !allows.some((w) => activeStart(w, at))) return { open: false, blockedBy: allows.map((w) => w.description) };
  return { open: true, blockedBy: [] };
}

/** When automatic sync is next possible from `at` (at itself when open); null if not within `horizonDays`. */
export function nextOpening(windows: readonly DeploymentWindow[], at: Date, horizonDays = 14): Date | null {
  const limit = at.getTime() + horizonDays * 86_400_000;
  let t = at;
  for (let i = 0; i < 1000 && t.getTime() <= limit; i++) {
    if (windowState(windows, t).open) return t;
    const candidates: number[] = [];
    for (const w of windows) {
      const start = activeStart(w, t);
      if (w.kind === 'deny' && start) candidates.push(start.getTime() + durationMs(w.duration));
      if (w.kind === 'allow') {
        candidates.push(CronExpressionParser.parse(w.schedule, { currentDate: t, tz: w.timeZone }).next().toDate().getTime());
      }
    }
    const next = Math.min(...candidates.filter((c) => c > t.getTime()));
    if (!Number.isFinite(next)) return null;
    t = new Date(next);
  }
  return null;
}

/** The windows that apply to one application (Argo CD: any of applications/namespaces/clusters matches). */
export function windowsFor(windows: readonly DeploymentWindow[], app: { application: string; namespace: string; cluster: string }): DeploymentWindow[] {
  const glob = (pattern: string, value: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);
  return windows.filter(
    (w) =>
      w.applications.some((p) => glob(p, app.application)) ||
      (w.namespaces ?? []).some((p) => glob(p, app.namespace)) ||
      (w.clusters ?? []).some((p) => glob(p, app.cluster)),
  );
}
