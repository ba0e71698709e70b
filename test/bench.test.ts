/**
 * Keeps `npm run bench` from rotting: runs every measurement once (quick settings, 1x scale only)
 * and checks the shape of the JSON it writes. Never asserts timings.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as environments from '../environments/index.js';
import { defaultSettings, isMeasured, PROJECT_ROOT, registeredCommands, runBench, type BenchResult } from '../bench/measure.js';
import { formatTable, TARGETS } from '../bench/report.js';
import { scaleConfig } from '../bench/scale.js';
import { summarize } from '../bench/stats.js';
import { parseInputs } from '../render/inputs.js';

describe('bench', () => {
  test('summaries give the median and spread of the samples', () => {
    const s = summarize([5, 1, 4, 2, 3], 'ms');
    expect(s).toMatchObject({ unit: 'ms', median: 3, min: 1, max: 5, n: 5 });
    expect(s.p10).toBeCloseTo(1.4);
    expect(s.p90).toBeCloseTo(4.6);
  });

  test('a 4x synthetic config has four times the managed releases, with unique ports', async () => {
    const read = async (name: string) => ({ file: `environments/${name}`, text: await readFile(join(PROJECT_ROOT, 'environments', name), 'utf8') });
    const base = { typed: environments, deployments: await read('deployments.yaml'), images: await read('images.yaml') };
    const managed = (typed: typeof environments | ReturnType<typeof scaleConfig>['typed'], files: { deployments: { file: string; text: string }; images: { file: string; text: string } }) => {
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

  test('one quick run measures every figure and judges every target', async () => {
    const result: BenchResult = await runBench(
      defaultSettings(true, {
        inProcessIterations: 1,
        warmup: 0,
        coldRuns: 1,
        processRuns: 1,
        cdk8sRuns: 1,
        scales: [1],
        scaleRepeats: 1,
        scaleIterations: () => 1,
        generateRuns: 1,
        gitRuns: 1,
      }),
    );
    const json = JSON.parse(JSON.stringify(result)) as BenchResult;
    expect(json.schema).toBe(1);
    expect(json.machine.nproc).toBeGreaterThan(0);

    const expected = [
      'render.first', 'render.synth', 'render.parse', 'render.renderProject', 'render.toJson', 'render.write',
      'floor.total', 'floor.serialize', 'floor.write', 'ratio.renderFloor',
      'cold.startup', 'cold.imports', 'cold.firstSynth',
      'process.synth', 'process.cdk8s', 'ratio.cdk8s',
      'scale.1x.perRelease', 'scale.1x.peakRss',
      'process.generate', 'process.bump', 'process.publishNoop',
    ];
    expect(Object.keys(json.figures)).toEqual(expect.arrayContaining(expected));
    const commands = await registeredCommands(PROJECT_ROOT);
    for (const [key, f] of Object.entries(json.figures)) {
      expect(typeof f.label).toBe('string');
      if (isMeasured(f)) {
        expect({ key, median: typeof f.median, n: f.n >= 1 }).toEqual({ key, median: 'number', n: true });
        for (const k of ['min', 'max', 'p10', 'p90'] as const) expect(Number.isFinite(f[k])).toBe(true);
      } else {
        // Only commands missing from this checkout may lack a number, and they say so.
        expect(f.unavailable).toBe('not available: command not in this checkout');
        expect(commands).not.toContain(key === 'process.publishNoop' ? 'publish' : key.replace('process.', ''));
      }
    }
    expect(json.targets.map((t) => t.id)).toEqual(TARGETS.map((t) => t.id));
    for (const t of json.targets) expect(['pass', 'miss', 'n/a']).toContain(t.status);

    const table = formatTable(json);
    for (const t of TARGETS) expect(table).toContain(t.label);
  }, 180_000);
});
