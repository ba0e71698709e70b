/** Pure: the bench's targets (issue 8) and the printed table. */
import type { Figure, Figures, Measured } from './measure.js';

export interface Target {
  readonly id: string;
  readonly label: string;
  readonly figure: string;
  readonly op: '<' | '<=' | '>=';
  readonly limit: number;
  readonly unit: string;
  /** Why the figure may be missing from a run that did not measure it. */
  readonly missingBecause: string;
}

export interface TargetResult extends Target {
  readonly status: 'pass' | 'miss' | 'n/a';
  readonly value?: number;
  /** The cpu time (user + sys) median of a whole-process figure: on a busy machine, closer to what an idle one would take. */
  readonly cpu?: number;
  readonly reason?: string;
}

/** Medians on a 2-core machine. */
export const TARGETS: readonly Target[] = [
  { id: 'synth', label: 'mw-gitops synth of the default config with a fresh bundle, whole process', figure: 'process.synth', op: '<', limit: 1500, unit: 'ms', missingBecause: 'process section not run' },
  { id: 'edit', label: 'synth right after touching a construct / synth with a fresh bundle', figure: 'ratio.synthTouched', op: '<=', limit: 1.15, unit: 'x', missingBecause: 'process section not run' },
  { id: 'floor', label: 'render / floor', figure: 'ratio.renderFloor', op: '<=', limit: 3, unit: 'x', missingBecause: 'render section not run' },
  { id: 'scale', label: 'time per release at 16x / at 1x', figure: 'ratio.scale16x', op: '<=', limit: 1.3, unit: 'x', missingBecause: 'the 16x scale was not run (--quick skips it)' },
  { id: 'memory', label: 'peak memory at 16x', figure: 'scale.16x.peakRss', op: '<', limit: 1024, unit: 'MiB', missingBecause: 'the 16x scale was not run (--quick skips it)' },
  { id: 'cdk8s', label: 'npx cdk8s synth / mw-gitops synth (times faster)', figure: 'ratio.cdk8s', op: '>=', limit: 3, unit: 'x', missingBecause: 'npx cdk8s synth was not run' },
  { id: 'generate', label: 'generate for one release, whole process', figure: 'process.generate', op: '<', limit: 1500, unit: 'ms', missingBecause: 'generate section not run' },
  { id: 'bump', label: 'bump end to end, whole process', figure: 'process.bump', op: '<', limit: 3000, unit: 'ms', missingBecause: 'git section not run' },
  { id: 'publish', label: 'no-op publish, whole process', figure: 'process.publishNoop', op: '<', limit: 1000, unit: 'ms', missingBecause: 'git section not run' },
];

const measured = (f: Figure | undefined): f is Measured => f !== undefined && !('unavailable' in f);

export function evaluateTargets(figures: Figures): TargetResult[] {
  return TARGETS.map((t): TargetResult => {
    const f = figures[t.figure];
    if (f === undefined) return { ...t, status: 'n/a', reason: `not measured: ${t.missingBecause}` };
    if (!measured(f)) return { ...t, status: 'n/a', reason: f.unavailable };
    const v = f.median;
    const ok = t.op === '<' ? v < t.limit : t.op === '<=' ? v <= t.limit : v >= t.limit;
    const cpu = figures[`${t.figure}.cpu`];
    return { ...t, status: ok ? 'pass' : 'miss', value: v, ...(measured(cpu) ? { cpu: cpu.median } : {}) };
  });
}

export function formatValue(v: number, unit: string): string {
  if (unit === 'x') return `${v.toFixed(2)}x`;
  if (unit === 'MiB') return `${v.toFixed(0)} MiB`;
  if (unit === 'count') return v.toFixed(0);
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${unit}`;
}

function spread(f: Measured): string {
  const n = (v: number) => formatValue(v, f.unit).replace(/ .*$/, '').replace(/x$/, '');
  if (f.n === 1) return '';
  return `${n(f.p10)}–${n(f.p90)} (${n(f.min)}–${n(f.max)})`;
}

function pad(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

function padLeft(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

export interface TableInput {
  readonly figures: Figures;
  readonly targets: readonly TargetResult[];
  readonly machine: { readonly nproc: number; readonly cpu: string; readonly node: string; readonly loadStart: number; readonly loadEnd?: number };
  readonly quick: boolean;
  readonly durationS: number;
  readonly notes: readonly string[];
}

export function formatTable(r: TableInput): string {
  const header = ['section', 'figure', 'median', 'p10–p90 (min–max)', 'n'];
  const rows = Object.values(r.figures).map((f) =>
    measured(f) ? { f, cells: [f.section, f.label, formatValue(f.median, f.unit), spread(f), String(f.n)] } : { f, cells: [f.section, f.label, f.unavailable] },
  );
  const width = (i: number) => Math.max(header[i].length, ...rows.filter((row) => row.cells.length > 3).map((row) => row.cells[i].length));
  const w = [width(0), Math.max(header[1].length, ...rows.map((row) => row.cells[1].length)), width(2), width(3)];
  const lines = [
    [pad(header[0], w[0]), pad(header[1], w[1]), pad(header[2], w[2]), pad(header[3], w[3]), header[4]].join('  '),
    ...rows.map(({ cells }) =>
      (cells.length === 3
        ? [pad(cells[0], w[0]), pad(cells[1], w[1]), cells[2]]
        : [pad(cells[0], w[0]), pad(cells[1], w[1]), padLeft(cells[2], w[2]), pad(cells[3], w[3]), padLeft(cells[4], 2)]
      )
        .join('  ')
        .trimEnd(),
    ),
  ];
  const m = r.machine;
  const out = [
    `mw-gitops bench${r.quick ? ' (--quick)' : ''}: ${m.nproc} cores (${m.cpu}), node ${m.node}, load ${m.loadStart.toFixed(2)} -> ${(m.loadEnd ?? m.loadStart).toFixed(2)}, ${r.durationS.toFixed(1)} s`,
    '',
    ...lines,
    '',
    `targets (medians of wall time${m.loadStart > m.nproc ? `; the machine was busy (load ${m.loadStart.toFixed(1)} on ${m.nproc} cores): wall times include waiting for a core, the cpu time beside them is steadier` : ''}):`,
    ...r.targets.map((t) => {
      const limit = `${t.op} ${formatValue(t.limit, t.unit)}`;
      const status = t.status === 'pass' ? 'PASS' : t.status === 'miss' ? 'MISS' : 'n/a ';
      const cpu = t.cpu !== undefined ? ` (cpu ${formatValue(t.cpu, t.unit)})` : '';
      const value = t.value !== undefined ? `${formatValue(t.value, t.unit)}${cpu}` : (t.reason ?? '');
      return `  ${status}  ${t.label} ${limit}: ${value}`;
    }),
  ];
  if (r.notes.length) out.push('', 'notes:', ...r.notes.map((n) => `  - ${n}`));
  return `${out.join('\n')}\n`;
}
