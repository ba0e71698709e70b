/**
 * The bench's pure parts: statistics, the scaled config, judging targets and the printed table.
 * The bench itself runs with `npm run bench` (it measures whole processes, so it stays out of
 * jest). Never asserts timings.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as environments from '../environments/index.js';
import { PROJECT_ROOT, registeredCommands, type Figures, type Measured } from '../bench/measure.js';
import { evaluateTargets, formatTable, TARGETS } from '../bench/report.js';
import { scaleConfig } from '../bench/scale.js';
import { summarize } from '../bench/stats.js';
import { parseInputs, type ConfigFiles } from '../render/inputs.js';

describe('bench', () => {
  test('summaries give the median and spread of the samples', () => {
    const s = summarize([5, 1, 4, 2, 3], 'ms');
    expect(s).toMatchObject({ unit: 'ms', median: 3, min: 1, max: 5, n: 5 });
    expect(s.p10).toBeCloseTo(1.4);
    expect(s.p90).toBeCloseTo(4.6);
  });

  test('a 4x synthetic config has four times the managed releases, with unique ports', async () => {
    const read = async (name: string) => ({ file: `environments/${name}`, text: await readFile(join(PROJECT_ROOT, 'environments', name), 'utf8') });
    const base = { typed: environments, deployments: await read('deployments.yaml'), images: await read('images.yaml'), sites: await read('sites.yaml'), services: await read('services.yaml') };
    const managed = (typed: typeof environments | ReturnType<typeof scaleConfig>['typed'], files: ConfigFiles) => {
      const inputs = parseInputs(files, typed);
      const namespaces = new Set(typed.profiles.map((p) => p.namespace));
      return inputs.deployments.releases.filter((r) => namespaces.has(r.namespace)).length;
    };
    const scaled = scaleConfig(base, 4);
    expect(scaled.typed.clusters).toHaveLength(environments.clusters.length * 2);
    expect(managed(scaled.typed, scaled.files)).toBe(4 * managed(environments, base));
    const ports = scaled.typed.profiles.flatMap((p) => Object.values(p.ports).map((x) => x.tls));
    expect(new Set(ports).size).toBe(ports.length);
  });

  test('every target is judged: pass, miss, or n/a with the reason when its figure is missing or unavailable', () => {
    const figure = (median: number, unit: string): Measured => ({ ...summarize([median], unit), section: 'process', label: `figure of ${median} ${unit}` });
    const [passing, missing, unmeasured, ...rest] = TARGETS;
    const figures: Figures = {
      [passing.figure]: figure(passing.op === '>=' ? passing.limit + 1 : passing.limit - 1, passing.unit),
      [missing.figure]: figure(missing.op === '>=' ? missing.limit - 1 : missing.limit + 1, missing.unit),
      [rest[0].figure]: { section: 'process', label: 'a command this checkout lacks', unavailable: 'not available: command not in this checkout' },
    };
    const targets = evaluateTargets(figures);
    expect(targets.map((t) => t.id)).toEqual(TARGETS.map((t) => t.id));
    expect(targets.map((t) => t.status)).toEqual(['pass', 'miss', 'n/a', 'n/a', ...rest.slice(1).map(() => 'n/a')]);
    expect(targets[2].reason).toBe(`not measured: ${unmeasured.missingBecause}`);
    expect(targets[3].reason).toBe('not available: command not in this checkout');

    const table = formatTable({ figures, targets, machine: { nproc: 2, cpu: 'test cpu', node: 'v20', loadStart: 1 }, quick: true, durationS: 1, notes: [] });
    for (const t of TARGETS) expect(table).toContain(t.label);
    expect(table).toContain('a command this checkout lacks');
    expect(table).toMatch(/PASS {2}/);
    expect(table).toMatch(/MISS {2}/);
  });

  test('the bench knows every command of the CLI, so each gets its whole-process figure', async () => {
    expect(await registeredCommands(PROJECT_ROOT)).toEqual(['bump', 'diff', 'generate', 'plan', 'publish', 'rollback', 'synth', 'validate']);
  });
});
