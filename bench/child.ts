/**
 * Measurements that need a fresh process, run by the bench as
 * `node --import tsx bench/child.ts <mode> [options]`. Prints one JSON object on its last line.
 *
 *   cold  --out <dir>                         import cost by dependency, then the first and second synth
 *   scale --factor <n> --iterations <k> --out <dir> [--warmup-releases <r>]
 *                                             a synthetic config n times the default: first synth with
 *                                             peak RSS, then k timed parse/render/write iterations
 *
 * Only node built-ins are imported statically, so the import figures start from a bare process.
 */
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const startedAtMs = process.uptime() * 1000;

function option(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback !== undefined) return fallback;
  throw new Error(`child: --${name} is required`);
}

async function timed<T>(f: () => Promise<T> | T): Promise<[T, number]> {
  const start = performance.now();
  const value = await f();
  return [value, performance.now() - start];
}

async function cold(): Promise<Record<string, unknown>> {
  const out = option('out');
  const imports: Record<string, number> = {};
  for (const spec of ['commander', 'zod', 'yaml', 'cdk8s']) {
    [, imports[spec]] = await timed(() => import(spec));
  }
  // The generated cdk8s bindings (imports/*.ts, 4.9 MB of TypeScript) go through tsx's transform.
  for (const name of ['rollout-argoproj.io', 'analysis-argoproj.io', 'argocd-appset-argoproj.io']) {
    [, imports[`imports/${name}.ts`]] = await timed(() => import(join(ROOT, 'imports', `${name}.ts`)));
  }
  const [synth, projectMs] = await timed(() => import('../synth/index.js'));
  imports.project = projectMs;
  // The first synth step by step (runSynth's steps), to see which of them pays for the cold start.
  const environments = await import('../environments/index.js');
  const { readConfigFiles } = await import('../synth/config-files.js');
  const { parseInputs } = await import('../render/inputs.js');
  const { renderProject } = await import('../render/render.js');
  const { validateRender, profilePolicyExceptions } = await import('../validate/index.js');
  const { writeTreeAtomically } = await import('../synth/tree-io.js');
  const first: Record<string, number> = {};
  const [inputs, parseMs] = await timed(async () => parseInputs(await readConfigFiles(join(ROOT, 'environments')), environments));
  const [result, renderMs] = await timed(() => renderProject(inputs));
  const [, validateMs] = await timed(() => validateRender(result, { registry: inputs.images.registry, policyExceptions: profilePolicyExceptions(inputs.profiles) }));
  const [, writeMs] = await timed(() => writeTreeAtomically(join(out, 'first'), result.tree));
  Object.assign(first, { parse: parseMs, render: renderMs, validate: validateMs, write: writeMs });
  // How much of the first validation is ajv compiling CRD schemas (validate/schema.ts keeps count).
  const schema = (await import('../validate/schema.js')) as { compileStats?: { compiled: number; ms: number } };
  const ajvCompile = schema.compileStats ? { ajvCompileMs: schema.compileStats.ms, ajvCompiled: schema.compileStats.compiled } : {};
  const firstSynthMs = parseMs + renderMs + validateMs + writeMs;
  const [, secondSynthMs] = await timed(() => synth.runSynth({ configDir: join(ROOT, 'environments'), out: join(out, 'second') }));
  return {
    startupMs: startedAtMs,
    imports,
    importTotalMs: Object.values(imports).reduce((a, b) => a + b, 0),
    firstSynthMs,
    first,
    ...ajvCompile,
    secondSynthMs,
    maxRssKb: process.resourceUsage().maxRSS,
  };
}

async function scale(): Promise<Record<string, unknown>> {
  const factor = Number(option('factor'));
  const iterations = Number(option('iterations'));
  const warmupReleases = Number(option('warmup-releases', '368'));
  const out = option('out');
  const environments = await import('../environments/index.js');
  const { readConfigFiles } = await import('../synth/config-files.js');
  const { writeTreeAtomically } = await import('../synth/tree-io.js');
  const { parseInputs } = await import('../render/inputs.js');
  const { renderProject } = await import('../render/render.js');
  const { scaleConfig } = await import('./scale.js');
  // Count cdk8s's per-construct validations: work that should grow with the release count only.
  const { Node } = await import('constructs');
  const validate = Node.prototype.validate;
  let validations = 0;
  Node.prototype.validate = function countedValidate(this: InstanceType<typeof Node>) {
    validations++;
    return validate.call(this);
  };

  const files = await readConfigFiles(join(ROOT, 'environments'));
  const scaled = scaleConfig({ typed: environments, ...files }, factor);
  const baselineRssKb = process.resourceUsage().maxRSS;

  let run = 0;
  const once = async () => {
    const dir = join(out, `run-${run++}`);
    const [inputs, parseMs] = await timed(() => parseInputs(scaled.files, scaled.typed));
    validations = 0;
    const cpu = process.cpuUsage();
    const [result, renderMs] = await timed(() => renderProject(inputs));
    const { user, system } = process.cpuUsage(cpu);
    const renderCpuMs = (user + system) / 1000;
    const [, writeMs] = await timed(() => writeTreeAtomically(dir, result.tree));
    await rm(dir, { recursive: true, force: true });
    return { releases: result.index.releases.length, files: result.tree.size, bytes: [...result.tree.values()].reduce((n, t) => n + t.length, 0), parseMs, renderMs, renderCpuMs, writeMs, validations };
  };

  const first = await once();
  const firstRssKb = process.resourceUsage().maxRSS;
  // Warm the JIT on about the same number of releases at every scale, so per-release times compare.
  let warmed = first.releases;
  while (warmed < warmupReleases) warmed += (await once()).releases;
  const runs = [];
  for (let i = 0; i < iterations; i++) runs.push(await once());
  return {
    factor,
    namespaceCopies: scaled.namespaceCopies,
    clusterCopies: scaled.clusterCopies,
    releases: first.releases,
    files: first.files,
    bytes: first.bytes,
    first,
    runs,
    baselineRssKb,
    firstRssKb,
    maxRssKb: process.resourceUsage().maxRSS,
  };
}

const mode = process.argv[2];
const modes: Record<string, () => Promise<Record<string, unknown>>> = { cold, scale };
if (!modes[mode]) {
  process.stderr.write(`child: unknown mode ${mode}; expected cold or scale\n`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(await modes[mode]())}\n`);
