/**
 * The bench's measurements. Each `measure*` function returns figures (a summary of several runs,
 * or the plain reason a figure is not available); `runBench` runs the sections a settings object
 * asks for. Printing and targets live in report.ts, the command line in run.ts.
 */
import { Chart } from 'cdk8s';
import { mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { runSynth } from '../synth/index.js';
import { readConfigFiles } from '../synth/config-files.js';
import { readTree, treesEqual, writeTreeAtomically } from '../synth/tree-io.js';
import * as environments from '../environments/index.js';
import { parseInputs } from '../render/inputs.js';
import { renderProject, type KubeObject, type RenderResult } from '../render/render.js';
import { profilePolicyExceptions, validateRender } from '../validate/index.js';
import { evaluateTargets, type TargetResult } from './report.js';
import { hasGnuTime, mustRun, runProcess, type ProcessRun } from './proc.js';
import { summarize, type Summary } from './stats.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type Section = 'render' | 'cold' | 'process' | 'scale' | 'generate' | 'git';
export const SECTIONS: readonly Section[] = ['render', 'cold', 'process', 'scale', 'generate', 'git'];

export interface Measured extends Summary {
  readonly section: Section;
  readonly label: string;
  readonly note?: string;
}

export interface Unavailable {
  readonly section: Section;
  readonly label: string;
  /** Why there is no number, e.g. "not available: command not in this checkout". */
  readonly unavailable: string;
}

export type Figure = Measured | Unavailable;
export type Figures = Record<string, Figure>;
export interface Measurement {
  readonly figures: Figures;
  readonly notes: string[];
}

export const isMeasured = (f: Figure | undefined): f is Measured => f !== undefined && !('unavailable' in f);

export interface BenchSettings {
  readonly root: string;
  readonly quick: boolean;
  readonly sections: readonly Section[];
  /** In-process synth + floor pairs (after `warmup` untimed ones). */
  readonly inProcessIterations: number;
  readonly warmup: number;
  /** Fresh processes for the cold import / first-render figures. */
  readonly coldRuns: number;
  /** `mw-gitops synth` and `npx cdk8s synth` runs (interleaved). */
  readonly processRuns: number;
  readonly cdk8sRuns: number;
  /** synth runs with tsx's transform cache disabled (0 skips). */
  readonly noCacheRuns: number;
  /** synth runs of the sources precompiled to JavaScript, no tsx (0 skips; compiling takes seconds). */
  readonly compiledRuns: number;
  readonly scales: readonly number[];
  /** Child processes per scale (each gives one peak RSS and `scaleIterations` render timings). */
  readonly scaleRepeats: number;
  readonly scaleIterations: (factor: number) => number;
  /** Releases rendered untimed before the timed iterations, the same at every scale (JIT warm-up). */
  readonly scaleWarmupReleases: number;
  readonly generateRuns: number;
  readonly gitRuns: number;
  readonly log: (line: string) => void;
}

export function defaultSettings(quick: boolean, overrides: Partial<BenchSettings> = {}): BenchSettings {
  const base: BenchSettings = quick
    ? {
        root: PROJECT_ROOT,
        quick,
        sections: SECTIONS,
        inProcessIterations: 3,
        warmup: 1,
        coldRuns: 1,
        processRuns: 2,
        cdk8sRuns: 2,
        noCacheRuns: 0,
        compiledRuns: 0,
        scales: [1, 4],
        scaleRepeats: 1,
        scaleIterations: (f) => (f >= 16 ? 1 : f >= 4 ? 1 : 3),
        scaleWarmupReleases: 100,
        generateRuns: 2,
        gitRuns: 2,
        log: () => {},
      }
    : {
        root: PROJECT_ROOT,
        quick,
        sections: SECTIONS,
        inProcessIterations: 15,
        warmup: 3,
        coldRuns: 5,
        processRuns: 8,
        cdk8sRuns: 6,
        noCacheRuns: 3,
        compiledRuns: 5,
        scales: [1, 4, 16],
        scaleRepeats: 2,
        scaleIterations: (f) => (f >= 16 ? 1 : f >= 4 ? 3 : 8),
        scaleWarmupReleases: 600,
        generateRuns: 8,
        gitRuns: 6,
        log: () => {},
      };
  return { ...base, ...overrides };
}

export interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly gnuTime: boolean;
  /** 1-minute load average when the bench started and finished (other work skews the figures). */
  readonly loadStart: number;
  loadEnd?: number;
}

export interface BenchResult {
  readonly schema: 1;
  readonly quick: boolean;
  readonly startedAt: string;
  finishedAt: string;
  durationS: number;
  readonly machine: Machine;
  readonly checkout: { readonly commit: string; readonly dirty: boolean; readonly commands: readonly string[] };
  readonly figures: Figures;
  /** Each target of issue 8 with pass / miss / n/a, judged on the medians. */
  targets: TargetResult[];
  readonly notes: string[];
}

const now = (): number => performance.now();

function figure(section: Section, label: string, samples: readonly number[], unit: string, note?: string): Measured {
  return { section, label, ...summarize(samples, unit), ...(note ? { note } : {}) };
}

function unavailable(section: Section, label: string, reason: string): Unavailable {
  return { section, label, unavailable: reason };
}

const NOT_MERGED = 'not available: command not in this checkout';

/** The commands cli/index.ts knows (it names each module as './commands/<name>.js'). */
export async function registeredCommands(root: string): Promise<string[]> {
  const index = await readFile(join(root, 'cli/index.ts'), 'utf8');
  return [...new Set([...index.matchAll(/'\.\/commands\/([a-z0-9-]+)\.js'/g)].map((m) => m[1]))].sort();
}

const MIB = 1024;

// ---------------------------------------------------------------------------------------------
// 1 + 2: in-process render and the floor

/** Wraps cdk8s Chart#toJson to add up the time spent in it (resolving, patches, sorting). */
function timeToJson(): { total: () => number; reset: () => void; restore: () => void } {
  const original = Object.getOwnPropertyDescriptor(Chart.prototype, 'toJson')!;
  const toJson = Chart.prototype.toJson;
  let total = 0;
  Chart.prototype.toJson = function timedToJson(this: Chart) {
    const start = now();
    try {
      return toJson.call(this);
    } finally {
      total += now() - start;
    }
  };
  return {
    total: () => total,
    reset: () => {
      total = 0;
    },
    restore: () => Object.defineProperty(Chart.prototype, 'toJson', original),
  };
}

const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/** The floor's serialization: the same objects, one YAML document each, with `yaml` alone. */
function serializeObjects(objects: readonly KubeObject[]): string {
  let text = '';
  for (const o of objects) text += `---\n${stringify(o, YAML_OPTIONS)}`;
  return text;
}

/** Writes files the way writeTreeAtomically does (mkdir each directory, then all writes at once). */
async function writeFiles(dir: string, entries: readonly (readonly [string, string])[]): Promise<void> {
  const dirs = new Set(entries.map(([path]) => dirname(join(dir, path))));
  for (const d of [...dirs].sort()) await mkdir(d, { recursive: true });
  await Promise.all(entries.map(([path, text]) => writeFile(join(dir, path), text)));
}

interface PhaseSample {
  readonly parse: number;
  readonly render: number;
  readonly toJson: number;
  readonly validate: number;
  readonly write: number;
}

interface FloorSample {
  readonly entries: (readonly [string, string])[];
  readonly serialize: number;
  readonly write: number;
  readonly total: number;
}

/**
 * In this process: runSynth of the default config into a fresh directory (what `mw-gitops synth`
 * does after start-up), and the floor: serializing result.files[].objects of that very render with
 * `yaml` and writing the same files. Pairs run alternately; each pair gives one render/floor
 * ratio. A separate pass times runSynth's steps one by one (read + parse, renderProject with cdk8s
 * toJson inside it, validation, write).
 */
export async function measureInProcess(s: BenchSettings, scratch: string): Promise<Measurement> {
  const configDir = join(s.root, 'environments');
  const notes: string[] = [];
  let dirs = 0;
  const freshDir = () => join(scratch, `inprocess-${dirs++}`);

  const synthOnce = async (): Promise<{ result: RenderResult; ms: number }> => {
    const out = freshDir();
    const t0 = now();
    const result = await runSynth({ configDir, out });
    const ms = now() - t0;
    await rm(out, { recursive: true, force: true });
    return { result, ms };
  };

  const floorOnce = async (result: RenderResult): Promise<FloorSample> => {
    const out = freshDir();
    const t0 = now();
    const entries: (readonly [string, string])[] = result.files.map((f) => [f.path, serializeObjects(f.objects)] as const);
    entries.push(['releases.json', `${JSON.stringify(result.index, null, 2)}\n`], ['README.md', result.tree.get('README.md') ?? '']);
    const t1 = now();
    await writeFiles(out, entries);
    const t2 = now();
    await rm(out, { recursive: true, force: true });
    return { entries, serialize: t1 - t0, write: t2 - t1, total: t2 - t0 };
  };

  const timer = timeToJson();
  const phasesOnce = async (): Promise<PhaseSample> => {
    const out = freshDir();
    timer.reset();
    const t0 = now();
    const inputs = parseInputs(await readConfigFiles(configDir), environments);
    const t1 = now();
    const result = renderProject(inputs);
    const t2 = now();
    const toJson = timer.total();
    const validation = validateRender(result, { registry: inputs.images.registry, policyExceptions: profilePolicyExceptions(inputs.profiles) });
    const t3 = now();
    if (validation.violations.length) throw new Error(`the default config renders with ${validation.violations.length} violations`);
    await writeTreeAtomically(out, result.tree);
    const t4 = now();
    await rm(out, { recursive: true, force: true });
    return { parse: t1 - t0, render: t2 - t1, toJson, validate: t3 - t2, write: t4 - t3 };
  };

  try {
    const first = await synthOnce();
    const firstFloor = await floorOnce(first.result);
    // The floor must write what synth writes (synth adds only a header comment per manifest).
    const differing = firstFloor.entries.filter(([path, text]) => !(first.result.tree.get(path) ?? '').endsWith(text));
    if (differing.length) notes.push(`floor output differs from synth output in ${differing.length} files (e.g. ${differing[0][0]}): the ratio compares unlike work`);
    for (let i = 0; i < s.warmup; i++) await floorOnce((await synthOnce()).result);

    const synth: number[] = [];
    const floor: FloorSample[] = [];
    for (let i = 0; i < s.inProcessIterations; i++) {
      const sample = await synthOnce();
      synth.push(sample.ms);
      floor.push(await floorOnce(sample.result));
    }
    const phases: PhaseSample[] = [];
    for (let i = 0; i < s.inProcessIterations; i++) phases.push(await phasesOnce());

    const releases = first.result.index.releases.length;
    const pick = (k: keyof PhaseSample) => phases.map((x) => x[k]);
    const figures: Figures = {
      'render.first': figure('render', 'runSynth in process, first call (cold JIT)', [first.ms], 'ms', 'one sample per process; see cold.firstSynth for the spread'),
      'render.synth': figure('render', `runSynth in process (${releases} releases), warm`, synth, 'ms'),
      'render.parse': figure('render', '  read + parse config (parseInputs)', pick('parse'), 'ms'),
      'render.renderProject': figure('render', '  renderProject', pick('render'), 'ms'),
      'render.toJson': figure('render', '    of which cdk8s Chart#toJson', pick('toJson'), 'ms'),
      'render.validate': figure('render', '  validate every object (validateRender)', pick('validate'), 'ms'),
      'render.write': figure('render', '  write tree atomically', pick('write'), 'ms'),
      'floor.total': figure('render', 'floor: yaml stringify of the same objects + write', floor.map((x) => x.total), 'ms'),
      'floor.serialize': figure('render', '  yaml stringify', floor.map((x) => x.serialize), 'ms'),
      'floor.write': figure('render', '  write the same files', floor.map((x) => x.write), 'ms'),
      'ratio.renderFloor': figure('render', 'render / floor (runSynth / floor, pairwise)', synth.map((x, i) => x / floor[i].total), 'x'),
      'ratio.renderProjectSerialize': figure('render', '  renderProject / yaml stringify alone', phases.map((x, i) => x.render / floor[i].serialize), 'x'),
    };
    return { figures, notes };
  } finally {
    timer.restore();
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes running bench/child.ts

function childArgs(root: string, mode: string, args: readonly string[]): string[] {
  return ['--import', 'tsx', join(root, 'bench/child.ts'), mode, ...args];
}

async function runChild<T>(s: BenchSettings, mode: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<{ data: T; run: ProcessRun }> {
  const run = await runProcess(process.execPath, childArgs(s.root, mode, args), { cwd: s.root, env: env ?? process.env });
  if (run.code !== 0) throw new Error(`bench child ${mode} exited ${run.code}: ${run.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const lines = run.stdout.trim().split('\n');
  return { data: JSON.parse(lines[lines.length - 1]) as T, run };
}

interface ColdData {
  readonly startupMs: number;
  readonly imports: Record<string, number>;
  readonly importTotalMs: number;
  readonly firstSynthMs: number;
  /** The first synth's steps: parse, render, validate, write. */
  readonly first: Record<string, number>;
  /** ajv compile time and count of CRD validators during the first validation, when validate/schema.ts reports them. */
  readonly ajvCompileMs?: number;
  readonly ajvCompiled?: number;
  readonly secondSynthMs: number;
  readonly maxRssKb: number;
}

/** Fresh processes: node + tsx start-up, the import cost of each heavy dependency, first synth. */
export async function measureCold(s: BenchSettings, scratch: string): Promise<Measurement> {
  const runs: ColdData[] = [];
  for (let i = 0; i < s.coldRuns; i++) {
    const out = join(scratch, `cold-${i}`);
    runs.push((await runChild<ColdData>(s, 'cold', ['--out', out])).data);
    await rm(out, { recursive: true, force: true });
  }
  const imports = Object.keys(runs[0].imports);
  const figures: Figures = {
    'cold.startup': figure('cold', 'fresh process: node + tsx start-up until the first line runs', runs.map((r) => r.startupMs), 'ms'),
    'cold.imports': figure('cold', 'fresh process: import everything synth needs', runs.map((r) => r.importTotalMs), 'ms'),
  };
  for (const name of imports) {
    const label = name === 'project' ? '  project modules (config, environments, constructs, render, validate, cli)' : `  ${name}`;
    figures[`cold.import.${name}`] = figure('cold', label, runs.map((r) => r.imports[name]), 'ms');
  }
  figures['cold.firstSynth'] = figure('cold', 'fresh process: first synth (cold JIT), runSynth step by step', runs.map((r) => r.firstSynthMs), 'ms');
  for (const step of Object.keys(runs[0].first)) {
    figures[`cold.first.${step}`] = figure('cold', `  ${step}`, runs.map((r) => r.first[step]), 'ms');
    if (step === 'validate' && runs.every((r) => r.ajvCompileMs !== undefined)) {
      figures['cold.first.ajvCompile'] = figure('cold', `    of which ajv compiling ${runs[0].ajvCompiled} CRD validators`, runs.map((r) => r.ajvCompileMs!), 'ms');
    }
  }
  figures['cold.secondSynth'] = figure('cold', 'fresh process: second runSynth', runs.map((r) => r.secondSynthMs), 'ms');

  // Does tsx's on-disk transform cache carry across runs? The same imports with it disabled.
  const uncached: ColdData[] = [];
  for (let i = 0; i < s.noCacheRuns; i++) {
    const out = join(scratch, `cold-nocache-${i}`);
    uncached.push((await runChild<ColdData>(s, 'cold', ['--out', out], { ...process.env, TSX_DISABLE_CACHE: '1' })).data);
    await rm(out, { recursive: true, force: true });
  }
  if (uncached.length) {
    figures['cold.importsNoCache'] = figure('cold', 'fresh process, tsx cache disabled: import everything synth needs', uncached.map((r) => r.importTotalMs), 'ms');
    for (const name of imports.filter((n) => n.startsWith('imports/'))) {
      figures[`cold.importNoCache.${name}`] = figure('cold', `  ${name}`, uncached.map((r) => r.imports[name]), 'ms');
    }
  }
  return { figures, notes: [] };
}

// ---------------------------------------------------------------------------------------------
// Whole processes: mw-gitops synth, npx cdk8s synth, tsx cache

const node = process.execPath;

function processFigures(key: string, section: Section, label: string, runs: readonly ProcessRun[], note?: string): Figures {
  const figures: Figures = { [key]: figure(section, label, runs.map((r) => r.wallMs), 'ms', note) };
  const cpu = runs.map((r) => r.cpuMs).filter((x): x is number => x !== undefined);
  const rss = runs.map((r) => r.maxRssKb).filter((x): x is number => x !== undefined);
  if (cpu.length) figures[`${key}.cpu`] = figure(section, '  cpu time (user + sys)', cpu, 'ms');
  if (rss.length) figures[`${key}.rss`] = figure(section, '  peak RSS', rss.map((k) => k / MIB), 'MiB');
  return figures;
}

function failed(what: string, run: ProcessRun): Error {
  return new Error(`${what} exited ${run.code}: ${run.stderr.trim().split('\n').slice(-5).join(' | ')}`);
}

/**
 * `node bin/mw-gitops.js synth --out <fresh dir>` and `npx cdk8s synth --output <fresh dir>`
 * (the same app, as a cdk8s user runs it), alternately so load changes hit both alike.
 */
export async function measureProcesses(s: BenchSettings, scratch: string): Promise<Measurement> {
  const notes: string[] = [];
  const synthRuns: ProcessRun[] = [];
  const touchedRuns: ProcessRun[] = [];
  const tsxRuns: ProcessRun[] = [];
  const touchedRatios: number[] = [];
  const cdk8sRuns: ProcessRun[] = [];
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const cdk8sEnv = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
  const synthTo = async (out: string, what: string, env?: NodeJS.ProcessEnv): Promise<ProcessRun> => {
    const run = await runProcess(node, ['bin/mw-gitops.js', 'synth', '--out', out], { cwd: s.root, env });
    if (run.code !== 0) throw failed(what, run);
    await rm(out, { recursive: true, force: true });
    return run;
  };
  // An edit as the command sees it: a construct newer than the bundle (its content unchanged).
  const touchConstruct = () => utimes(join(s.root, 'constructs', 'mediawiki-pod.ts'), new Date(), new Date());
  // Untimed: leaves a fresh bundle behind, whatever state build/ was in.
  await synthTo(join(scratch, 'synth-warmup'), 'mw-gitops synth');
  let checkedSame = false;
  for (let i = 0; i < Math.max(s.processRuns, s.cdk8sRuns); i++) {
    const out = join(scratch, `synth-${i}`);
    let synth: ProcessRun | undefined;
    if (i < s.processRuns) {
      synth = await runProcess(node, ['bin/mw-gitops.js', 'synth', '--out', out], { cwd: s.root });
      if (synth.code !== 0) throw failed('mw-gitops synth', synth);
      synthRuns.push(synth);
      // Interleaved with the fresh-bundle runs, so machine load drifts affect both alike.
      await touchConstruct();
      const touched = await synthTo(join(scratch, `touched-${i}`), 'mw-gitops synth after touching a construct');
      touchedRuns.push(touched);
      touchedRatios.push(touched.wallMs / synth.wallMs);
      if (i < 3) tsxRuns.push(await synthTo(join(scratch, `tsx-${i}`), 'mw-gitops synth through tsx', { ...process.env, MW_GITOPS_BUNDLE: '0' }));
    }
    if (i < s.cdk8sRuns) {
      const cdkOut = join(scratch, `cdk8s-${i}`);
      const cdk8s = await runProcess('npx', ['cdk8s', 'synth', '--no-check-upgrade', '--output', cdkOut], { cwd: s.root, env: cdk8sEnv });
      if (cdk8s.code !== 0) throw failed('npx cdk8s synth', cdk8s);
      cdk8sRuns.push(cdk8s);
      if (synth) ratios.push(cdk8s.wallMs / synth.wallMs);
      if (synth?.cpuMs && cdk8s.cpuMs) cpuRatios.push(cdk8s.cpuMs / synth.cpuMs);
      if (!checkedSame && synth) {
        checkedSame = true;
        if (!treesEqual(await readTree(out), await readTree(cdkOut))) notes.push('npx cdk8s synth wrote a different tree than mw-gitops synth');
      }
      await rm(cdkOut, { recursive: true, force: true });
    }
    await rm(out, { recursive: true, force: true });
  }
  const figures: Figures = {
    ...processFigures('process.synth', 'process', 'mw-gitops synth with a fresh bundle, whole process (node bin/mw-gitops.js synth --out <tmp>)', synthRuns),
    ...processFigures('process.synthTouched', 'process', 'mw-gitops synth right after touching a construct (rebuilds the bundle first)', touchedRuns),
    'ratio.synthTouched': figure('process', '  after touching a construct / with a fresh bundle, run by run', touchedRatios, 'x'),
    ...processFigures('process.synthTsx', 'process', 'for scale: synth through tsx (MW_GITOPS_BUNDLE=0), the old fallback for a stale bundle', tsxRuns),
  };
  if (cdk8sRuns.length) {
    Object.assign(figures, processFigures('process.cdk8s', 'process', 'npx cdk8s synth --output <tmp>, whole process', cdk8sRuns));
    figures['ratio.cdk8s'] = figure('process', 'npx cdk8s synth / mw-gitops synth', ratios, 'x');
    if (cpuRatios.length) figures['ratio.cdk8sCpu'] = figure('process', '  the same in cpu time', cpuRatios, 'x');
  }

  if (s.noCacheRuns > 0) {
    const runs: ProcessRun[] = [];
    for (let i = 0; i < s.noCacheRuns; i++) {
      const out = join(scratch, `nocache-${i}`);
      const run = await runProcess(node, ['bin/mw-gitops.js', 'synth', '--out', out], { cwd: s.root, env: { ...process.env, MW_GITOPS_BUNDLE: '0', TSX_DISABLE_CACHE: '1' } });
      if (run.code !== 0) throw failed('mw-gitops synth (TSX_DISABLE_CACHE=1)', run);
      runs.push(run);
      await rm(out, { recursive: true, force: true });
    }
    figures['process.synthNoCache'] = figure('process', 'mw-gitops synth through tsx with its cache disabled (MW_GITOPS_BUNDLE=0 TSX_DISABLE_CACHE=1)', runs.map((r) => r.wallMs), 'ms');
  }
  if (s.compiledRuns > 0) {
    const build = join(scratch, 'compiled');
    const compileStart = now();
    await compileProject(s.root, build);
    const compileS = (now() - compileStart) / 1000;
    const runs: ProcessRun[] = [];
    for (let i = 0; i < s.compiledRuns; i++) {
      const out = join(scratch, `compiled-${i}`);
      const run = await runProcess(node, [join(build, 'cli/index.js'), 'synth', '--out', out], { cwd: s.root });
      if (run.code !== 0) throw failed('precompiled mw-gitops synth', run);
      if (i === 0 && !treesEqual(await readTree(out), (await renderDefault(s.root)).tree)) notes.push('precompiled synth wrote a different tree');
      runs.push(run);
      await rm(out, { recursive: true, force: true });
    }
    Object.assign(
      figures,
      processFigures('process.synthCompiled', 'process', 'experiment: synth with the sources precompiled to JS (no tsx)', runs, `transpiled with typescript in ${compileS.toFixed(1)} s`),
    );
    await rm(build, { recursive: true, force: true });
  }
  const bare: ProcessRun[] = [];
  for (let i = 0; i < Math.min(3, s.processRuns); i++) bare.push(await runProcess(node, ['-e', '0'], { cwd: s.root }));
  figures['process.node'] = figure('process', 'bare node process (node -e 0), for scale', bare.map((r) => r.wallMs), 'ms');
  return { figures, notes };
}

/** Not part of what the CLI runs. */
const NOT_COMPILED = /^(test|bench|dist|docs|scripts)\//;

/**
 * The experiment behind the proposed fix for start-up: every TypeScript source of the checkout
 * transpiled to JavaScript (typescript's transpileModule, no type check) into `outDir`, other
 * files (JSON schemas and the like) copied, runnable with plain node and no tsx.
 */
export async function compileProject(root: string, outDir: string): Promise<void> {
  const ts = (await import('typescript')).default;
  const files = (await mustRun('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root })).stdout.split('\0').filter((f) => f && !NOT_COMPILED.test(f));
  for (const file of files) {
    const source = await readFile(join(root, file)).catch(() => undefined);
    if (source === undefined) continue;
    const isTs = file.endsWith('.ts') && !file.endsWith('.d.ts');
    const target = join(outDir, isTs ? file.replace(/\.ts$/, '.js') : file);
    await mkdir(dirname(target), { recursive: true });
    if (!isTs) {
      await writeFile(target, source);
      continue;
    }
    const { outputText } = ts.transpileModule(source.toString('utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    await writeFile(target, outputText);
  }
  await symlink(join(root, 'node_modules'), join(outDir, 'node_modules'));
}

async function renderDefault(root: string): Promise<RenderResult> {
  return renderProject(parseInputs(await readConfigFiles(join(root, 'environments')), environments));
}

// ---------------------------------------------------------------------------------------------
// 3: scale

interface ScaleRun {
  readonly releases: number;
  readonly parseMs: number;
  readonly renderMs: number;
  /** CPU time of the process during renderProject (all threads, GC included). */
  readonly renderCpuMs: number;
  readonly writeMs: number;
  /** cdk8s construct validations (Node#validate) during renderProject. */
  readonly validations: number;
}

interface ScaleData {
  readonly factor: number;
  readonly namespaceCopies: number;
  readonly clusterCopies: number;
  readonly releases: number;
  readonly files: number;
  readonly bytes: number;
  readonly first: ScaleRun;
  readonly runs: readonly ScaleRun[];
  readonly baselineRssKb: number;
  readonly firstRssKb: number;
  readonly maxRssKb: number;
}

/**
 * Synthetic configs at each factor, each in its own child process: time per release (warm
 * renderProject, and the whole parse + render + write), and the peak RSS of a process that
 * loaded the modules and ran one synth at that scale.
 */
export async function measureScale(s: BenchSettings, scratch: string): Promise<Measurement> {
  const figures: Figures = {};
  for (const factor of s.scales) {
    const data: ScaleData[] = [];
    for (let r = 0; r < s.scaleRepeats; r++) {
      const out = join(scratch, `scale-${factor}-${r}`);
      data.push((await runChild<ScaleData>(s, 'scale', ['--factor', String(factor), '--iterations', String(s.scaleIterations(factor)), '--warmup-releases', String(s.scaleWarmupReleases), '--out', out])).data);
      await rm(out, { recursive: true, force: true });
    }
    const d = data[0];
    const runs = data.flatMap((x) => x.runs);
    const what = `${factor}x: ${d.releases} releases (${d.namespaceCopies}x namespaces, ${d.clusterCopies}x clusters), ${d.files} files, ${(d.bytes / 1024 / 1024).toFixed(1)} MiB`;
    figures[`scale.${factor}x.perRelease`] = figure('scale', `${what}: renderProject per release`, runs.map((x) => x.renderMs / x.releases), 'ms');
    figures[`scale.${factor}x.cpuPerRelease`] = figure('scale', `  renderProject cpu time per release`, runs.map((x) => x.renderCpuMs / x.releases), 'ms');
    figures[`scale.${factor}x.validationsPerRelease`] = figure('scale', `  cdk8s construct validations per release (a count)`, runs.map((x) => x.validations / x.releases), 'count');
    figures[`scale.${factor}x.synthPerRelease`] = figure('scale', `  parse + render + write per release`, runs.map((x) => (x.parseMs + x.renderMs + x.writeMs) / x.releases), 'ms');
    figures[`scale.${factor}x.render`] = figure('scale', `  renderProject, all ${d.releases} releases`, runs.map((x) => x.renderMs), 'ms');
    figures[`scale.${factor}x.firstSynth`] = figure('scale', `  first synth in the process (cold JIT)`, data.map((x) => x.first.parseMs + x.first.renderMs + x.first.writeMs), 'ms');
    figures[`scale.${factor}x.peakRss`] = figure('scale', `  peak RSS after one synth (modules alone: ${(d.baselineRssKb / MIB).toFixed(0)} MiB)`, data.map((x) => x.firstRssKb / MIB), 'MiB');
  }
  const one = figures['scale.1x.perRelease'];
  for (const factor of s.scales) {
    const f = figures[`scale.${factor}x.perRelease`];
    if (factor !== 1 && isMeasured(one) && isMeasured(f)) {
      figures[`ratio.scale${factor}x`] = figure('scale', `time per release ${factor}x / 1x`, [f.median / one.median], 'x', 'ratio of the medians');
      const cpuOne = figures['scale.1x.cpuPerRelease'];
      const cpuF = figures[`scale.${factor}x.cpuPerRelease`];
      if (isMeasured(cpuOne) && isMeasured(cpuF)) {
        figures[`ratio.scale${factor}xCpu`] = figure('scale', `  cpu time per release ${factor}x / 1x`, [cpuF.median / cpuOne.median], 'x', 'ratio of the medians');
      }
    }
  }
  return { figures, notes: [] };
}

// ---------------------------------------------------------------------------------------------
// 5: generate (the Argo CD plugin)

export async function measureGenerate(s: BenchSettings, scratch: string, commands: readonly string[]): Promise<Measurement> {
  const label = 'generate eqiad/mw-web/main (Argo CD plugin), whole process';
  if (!commands.includes('generate')) return { figures: { 'process.generate': unavailable('generate', label, NOT_MERGED) }, notes: [] };
  const notes: string[] = [];
  const env = { ...process.env, ARGOCD_ENV_MW_CLUSTER: 'eqiad', ARGOCD_ENV_MW_NAMESPACE: 'mw-web', ARGOCD_ENV_MW_RELEASE: 'main' };
  const runs: ProcessRun[] = [];
  for (let i = 0; i < s.generateRuns; i++) {
    const run = await runProcess(node, ['bin/mw-gitops.js', 'generate'], { cwd: s.root, env });
    if (run.code !== 0) throw failed('mw-gitops generate', run);
    runs.push(run);
  }
  // The plugin must print the same bytes as the matching dist/ file.
  const out = join(scratch, 'generate-check');
  await mustRun(node, ['bin/mw-gitops.js', 'synth', '--out', out], { cwd: s.root });
  const expected = await readFile(join(out, 'eqiad/mw-web/main/manifest.yaml'), 'utf8');
  if (runs[0].stdout !== expected) notes.push('generate printed something other than the synth output for eqiad/mw-web/main');
  await rm(out, { recursive: true, force: true });

  const figures = processFigures('process.generate', 'generate', label, runs);

  // As Argo CD runs it: every request gets a fresh copy of the repository (a new path, so tsx's
  // path-keyed cache misses), with the plugin's node_modules linked in by its init step.
  const fresh: ProcessRun[] = [];
  for (let i = 0; i < Math.min(s.generateRuns, 5); i++) {
    const copy = join(scratch, `generate-copy-${i}`);
    await copyCheckout(s.root, copy);
    await symlink(join(s.root, 'node_modules'), join(copy, 'node_modules'));
    const run = await runProcess(node, [join(s.root, 'bin/mw-gitops.js'), 'generate'], { cwd: copy, env });
    if (run.code !== 0) throw failed('mw-gitops generate (fresh copy)', run);
    if (run.stdout !== expected) notes.push('generate in a fresh copy printed something other than the synth output');
    fresh.push(run);
    await rm(copy, { recursive: true, force: true });
  }
  Object.assign(figures, processFigures('process.generateFreshCopy', 'generate', '  the same in a fresh copy of the checkout per request (as Argo CD runs it)', fresh));
  return { figures, notes };
}

// ---------------------------------------------------------------------------------------------
// 6: bump and publish, against local bare repositories

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'mw-gitops bench',
  GIT_AUTHOR_EMAIL: 'bench@example.invalid',
  GIT_COMMITTER_NAME: 'mw-gitops bench',
  GIT_COMMITTER_EMAIL: 'bench@example.invalid',
};

/** Copies the working tree as it is (uncommitted edits included; ignored files such as node_modules left out). */
async function copyCheckout(root: string, dest: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const files = (await mustRun('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, env })).stdout.split('\0').filter(Boolean);
  await mkdir(dest, { recursive: true });
  for (const file of files) {
    const target = join(dest, file);
    await mkdir(dirname(target), { recursive: true });
    // A file deleted but not yet staged is listed and missing: skip it.
    const data = await readFile(join(root, file)).catch(() => undefined);
    if (data !== undefined) await writeFile(target, data);
  }
}

/** A disposable clone of this checkout (committed or not) with a bare origin, sharing node_modules. */
async function sourceClone(s: BenchSettings, scratch: string, env: NodeJS.ProcessEnv): Promise<{ dir: string; origin: string }> {
  const origin = join(scratch, 'source-origin.git');
  const seed = join(scratch, 'source-seed');
  const dir = join(scratch, 'source');
  await copyCheckout(s.root, seed, env);
  const git = (cwd: string, ...args: string[]) => mustRun('git', args, { cwd, env });
  await git(seed, 'init', '-q', '-b', 'main');
  await git(seed, 'add', '-A');
  await git(seed, 'commit', '-q', '-m', 'bench seed');
  await git(scratch, 'clone', '-q', '--bare', seed, origin);
  await git(scratch, 'clone', '-q', origin, dir);
  await rm(seed, { recursive: true, force: true });
  await symlink(join(s.root, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(join(dir, '.git/info/exclude'), 'node_modules\n', { flag: 'a' });
  return { dir, origin };
}

export async function measureGit(s: BenchSettings, scratch: string, commands: readonly string[]): Promise<Measurement> {
  const bumpLabel = 'bump end to end (edit, render, commit, push to a local bare repo; no request)';
  const publishLabel = 'publish with nothing to do (local bare deployment repo)';
  const figures: Figures = {};
  const notes: string[] = [];
  const hasBump = commands.includes('bump');
  const hasPublish = commands.includes('publish');
  if (!hasBump) figures['process.bump'] = unavailable('git', bumpLabel, NOT_MERGED);
  if (!hasPublish) figures['process.publishNoop'] = unavailable('git', publishLabel, NOT_MERGED);
  if (!hasBump && !hasPublish) return { figures, notes };

  // Explicit identity, no global or system git config: the figures must not depend on this machine's setup.
  const env = { ...process.env, ...GIT_IDENTITY, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const { dir, origin } = await sourceClone(s, scratch, env);
  const bin = join(dir, 'bin/mw-gitops.js');

  if (hasBump) {
    const runs: ProcessRun[] = [];
    for (let i = 0; i < s.gitRuns; i++) {
      const tag = `2099-01-01-${String(100000 + i)}-publish-83`;
      const run = await runProcess(node, [bin, 'bump', '--flavour', 'publish-83', '--tag', tag, '--json'], { cwd: dir, env });
      if (run.code !== 0) throw failed('mw-gitops bump', run);
      // Each bump must really have committed and pushed (a new tag every time), not found nothing to do.
      const action = (JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { action?: string }).action;
      if (action !== 'created' && action !== 'updated') notes.push(`bump run ${i + 1} reported action ${String(action)}, expected a pushed change`);
      runs.push(run);
    }
    const pushed = await mustRun('git', ['ls-remote', origin, 'refs/heads/mw-gitops/bump/publish-83'], { cwd: scratch, env });
    if (!pushed.stdout.trim()) notes.push('bump left no mw-gitops/bump/publish-83 branch on the bare origin');
    Object.assign(figures, processFigures('process.bump', 'git', bumpLabel, runs));
  }

  if (hasPublish) {
    const deploy = join(scratch, 'deploy.git');
    await mustRun('git', ['init', '-q', '--bare', '-b', 'main', deploy], { cwd: scratch, env });
    await mustRun(node, [bin, 'synth'], { cwd: dir, env });
    const first = await runProcess(node, [bin, 'publish', '--repo', deploy], { cwd: dir, env });
    if (first.code !== 0) throw failed('mw-gitops publish (first, to fill the repo)', first);
    const runs: ProcessRun[] = [];
    for (let i = 0; i < s.gitRuns; i++) {
      const run = await runProcess(node, [bin, 'publish', '--repo', deploy], { cwd: dir, env });
      if (run.code !== 0) throw failed('mw-gitops publish (no-op)', run);
      runs.push(run);
    }
    Object.assign(figures, processFigures('process.publishNoop', 'git', publishLabel, runs));
  }
  return { figures, notes };
}

// ---------------------------------------------------------------------------------------------

async function checkout(root: string): Promise<{ commit: string; dirty: boolean }> {
  const head = await runProcess('git', ['rev-parse', 'HEAD'], { cwd: root });
  const status = await runProcess('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root });
  return { commit: head.stdout.trim() || 'unknown', dirty: status.stdout.trim() !== '' };
}

export async function runBench(s: BenchSettings): Promise<BenchResult> {
  const started = now();
  const commands = await registeredCommands(s.root);
  const result: BenchResult = {
    schema: 1,
    quick: s.quick,
    startedAt: new Date().toISOString(),
    finishedAt: '',
    durationS: 0,
    machine: {
      nproc: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      gnuTime: hasGnuTime(),
      loadStart: loadavg()[0],
    },
    checkout: { ...(await checkout(s.root)), commands },
    figures: {},
    targets: [],
    notes: [],
  };
  if (!result.machine.gnuTime) result.notes.push('no GNU time at /usr/bin/time: whole-process cpu time and peak RSS are not measured');
  const scratch = await mkdtemp(join(tmpdir(), 'mw-bench-'));
  const want = new Set(s.sections);
  const step = async (section: Section, what: string, f: () => Promise<Measurement>) => {
    if (!want.has(section)) return;
    s.log(`bench: ${what}…`);
    const t = now();
    const got = await f();
    Object.assign(result.figures, got.figures);
    result.notes.push(...got.notes);
    s.log(`bench: ${what} done in ${((now() - t) / 1000).toFixed(1)} s`);
  };
  try {
    await step('render', 'in-process render and floor', () => measureInProcess(s, scratch));
    await step('cold', 'fresh-process import and first render', () => measureCold(s, scratch));
    await step('process', 'whole-process synth and npx cdk8s synth', () => measureProcesses(s, scratch));
    await step('scale', `scale ${s.scales.map((f) => `${f}x`).join(', ')}`, () => measureScale(s, scratch));
    await step('generate', 'generate (plugin)', () => measureGenerate(s, scratch, commands));
    await step('git', 'bump and publish', () => measureGit(s, scratch, commands));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  result.targets = evaluateTargets(result.figures);
  result.machine.loadEnd = loadavg()[0];
  result.finishedAt = new Date().toISOString();
  result.durationS = Math.round((now() - started) / 100) / 10;
  return result;
}
