/**
 * Render + validate + write: what `mw-gitops synth`, `npx cdk8s synth` (main.ts) and bump's
 * re-render all do. Reading the config and replacing the output directory are the only side
 * effects, and they sit at the two ends; render/ and validate/ in between stay pure.
 */
import { UserError } from '../config/errors.js';
import * as environments from '../environments/index.js';
import { parseInputs, type TypedConfig } from '../render/inputs.js';
import { renderProject, type RenderResult } from '../render/render.js';
import { formatReport, profilePolicyExceptions, validateRender } from '../validate/index.js';
import { readConfigFiles } from './config-files.js';
import { checkOutputDir, writeTreeAtomically } from './tree-io.js';

export interface SynthOptions {
  readonly configDir: string;
  readonly out: string;
  /** How messages name the config directory; @default - relative to the working directory */
  readonly configName?: string;
  /** The TypeScript half of the config (clusters, profiles, platform); @default - environments/ */
  readonly typed?: TypedConfig;
  /** Replace an existing output directory that holds no tree of ours. @default false */
  readonly force?: boolean;
}

export interface SynthResult extends RenderResult {
  /** false when the output directory already held exactly this render. */
  readonly changed: boolean;
}

/** Reads the config, renders everything and replaces `out` with the result (atomically). */
export async function runSynth(options: SynthOptions): Promise<SynthResult> {
  // Before anything else (and long before the render): an output path that would destroy sources.
  checkOutputDir(options.out, { configDir: options.configDir, force: options.force });
  const inputs = parseInputs(await readConfigFiles(options.configDir, options.configName), options.typed ?? environments);
  const result = renderProject(inputs);
  // Nothing is written unless every object passes the schemas, strict fields and policy.
  const validation = validateRender(result, { registry: inputs.images.registry, policyExceptions: profilePolicyExceptions(inputs.profiles) });
  if (validation.violations.length > 0) {
    throw new UserError(`the render has ${validation.violations.length} violation(s); ${options.out}/ was left untouched.\n${formatReport(validation)}`);
  }
  const changed = await writeTreeAtomically(options.out, result.tree, { force: options.force });
  return { ...result, changed };
}
