/**
 * `npm run bench [-- --quick] [-- --out <file>] [-- --only <section,...>]`: measures render,
 * the floor, scale, npx cdk8s synth, generate, bump and publish; prints a table with each target's
 * pass/miss and writes every figure (median, p10/p90, min/max, n, samples) as JSON.
 * See docs/bench.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { defaultSettings, PROJECT_ROOT, runBench, SECTIONS, type Section } from './measure.js';
import { formatTable } from './report.js';

const USAGE = `usage: npm run bench [-- [--quick] [--out <file>] [--only <sections>]]
  --quick           fewer runs, no 16x scale and no tsx-cache-disabled runs (under a minute)
  --out <file>      where to write the JSON (default bench/results/latest.json)
  --only <list>     comma-separated sections to run: ${SECTIONS.join(', ')}
`;

function parseArgs(argv: readonly string[]): { quick: boolean; out: string; only?: Section[] } {
  let quick = false;
  let out = join(PROJECT_ROOT, 'bench/results/latest.json');
  let only: Section[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--out' && argv[i + 1]) out = resolve(argv[++i]);
    else if (arg === '--only' && argv[i + 1]) {
      only = argv[++i].split(',').map((x) => x.trim()) as Section[];
      const bad = only.filter((x) => !SECTIONS.includes(x));
      if (bad.length) throw new UsageError(`--only: unknown section ${bad.join(', ')}; sections are ${SECTIONS.join(', ')}`);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  return { quick, out, ...(only ? { only } : {}) };
}

class UsageError extends Error {}

try {
  const args = parseArgs(process.argv.slice(2));
  const settings = defaultSettings(args.quick, {
    log: (line) => process.stderr.write(`${line}\n`),
    ...(args.only ? { sections: args.only } : {}),
  });
  const result = await runBench(settings);
  process.stdout.write(formatTable(result));
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\nwrote ${relative(process.cwd(), args.out) || args.out}\n`);
  const missed = result.targets.filter((t) => t.status === 'miss').length;
  if (missed) process.stdout.write(`${missed} target${missed > 1 ? 's' : ''} missed (see docs/bench.md for causes and fixes)\n`);
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`bench: ${err.message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
