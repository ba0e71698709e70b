import type { Command } from 'commander';
import * as environments from '../../environments/index.js';
import { parseInputs, type TypedConfig } from '../../render/inputs.js';
import { renderProject, type RenderResult } from '../../render/render.js';
import { DEFAULT_CONFIG_DIR, readConfigFiles } from '../config-files.js';
import { writeTreeAtomically } from '../tree-io.js';
import { UserError } from '../../config/errors.js';
import { formatReport, profilePolicyExceptions, validateRender } from '../../validate/index.js';

export interface SynthOptions {
  readonly configDir: string;
  readonly out: string;
  /** How messages name the config directory; @default - relative to the working directory */
  readonly configName?: string;
  /** The TypeScript half of the config (clusters, profiles, platform); @default - environments/ */
  readonly typed?: TypedConfig;
}

export interface SynthResult extends RenderResult {
  /** false when the output directory already held exactly this render. */
  readonly changed: boolean;
}

/** Reads the config, renders everything and replaces `out` with the result (atomically). */
export async function runSynth(options: SynthOptions): Promise<SynthResult> {
  const inputs = parseInputs(await readConfigFiles(options.configDir, options.configName), options.typed ?? environments);
  const result = renderProject(inputs);
  // Nothing is written unless every object passes the schemas, strict fields and policy.
  const validation = validateRender(result, { registry: inputs.images.registry, policyExceptions: profilePolicyExceptions(inputs.profiles) });
  if (validation.violations.length > 0) {
    throw new UserError(`the render has ${validation.violations.length} violation(s); ${options.out}/ was left untouched.\n${formatReport(validation)}`);
  }
  const changed = await writeTreeAtomically(options.out, result.tree);
  return { ...result, changed };
}

export function register(program: Command): void {
  program
    .command('synth')
    .description(
      'Render every release of every cluster into the output directory: <cluster>/<namespace>/<release>/manifest.yaml, ' +
        'argocd/<cluster>/applicationset.yaml, releases.json and README.md. The directory is replaced as a whole, ' +
        'so files of removed releases disappear; bad input leaves it untouched.',
    )
    .option('--config-dir <dir>', 'directory holding deployments.yaml and images.yaml', DEFAULT_CONFIG_DIR)
    .option('--out <dir>', 'output directory (the deployment repository tree)', 'dist')
    .action(async (opts: { configDir: string; out: string }) => {
      const result = await runSynth({ configDir: opts.configDir, out: opts.out });
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(`${summary(result, opts.out)}\n`);
    });
}

function summary(result: SynthResult, out: string): string {
  const perCluster = result.index.clusters.map((c) => `${c}: ${result.index.releases.filter((r) => r.cluster === c).length}`).join(', ');
  const what = `${result.index.releases.length} releases (${perCluster})`;
  return result.changed ? `rendered ${what} into ${out}/` : `${out}/ is up to date: ${what}`;
}
