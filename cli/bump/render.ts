/**
 * The render bump runs in its temporary worktree: the same pipeline as `mw-gitops synth`
 * (cli/commands/synth.ts: read config, parseInputs, renderProject, validateRender,
 * writeTreeAtomically), with one difference: the config files are named relative to the repository root (`environments/images.yaml`),
 * not relative to the process's working directory. The names appear in dist/README.md and in
 * error messages, so naming them after the temporary directory would make every bump's dist/
 * differ and its errors point at paths the user never saw.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../config/errors.js';
import * as environments from '../../environments/index.js';
import { parseInputs, type SourceFile } from '../../render/inputs.js';
import type { ReleasesIndex } from '../../render/releases-index.js';
import { renderProject } from '../../render/render.js';
import { formatReport, profilePolicyExceptions, validateRender } from '../../validate/index.js';
import { writeTreeAtomically } from '../tree-io.js';

export interface RenderRequest {
  /** Absolute config directory inside the worktree. */
  readonly configDir: string;
  /** Absolute output directory inside the worktree. */
  readonly out: string;
  /** The config directory relative to the repository root, POSIX (`environments`). */
  readonly configName: string;
}

export type RenderFn = (request: RenderRequest) => Promise<{ index: ReleasesIndex; warnings: readonly string[] }>;

export const renderWithSynth: RenderFn = async (request) => {
  const read = async (name: string): Promise<SourceFile> => {
    const file = `${request.configName}/${name}`;
    try {
      return { file, text: await readFile(join(request.configDir, name), 'utf8') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`${file}: file not found on the base branch (is --config-dir right?)`);
      throw err;
    }
  };
  const [deployments, images] = await Promise.all([read('deployments.yaml'), read('images.yaml')]);
  const inputs = parseInputs({ deployments, images }, environments);
  const result = renderProject(inputs);
  // As synth: nothing is committed unless every object passes the schemas, strict fields and policy.
  const validation = validateRender(result, { registry: inputs.images.registry, policyExceptions: profilePolicyExceptions(inputs.profiles) });
  if (validation.violations.length > 0) {
    throw new UserError(`the bumped render has ${validation.violations.length} violation(s); nothing was committed.\n${formatReport(validation)}`);
  }
  await writeTreeAtomically(request.out, result.tree);
  return { index: result.index, warnings: result.warnings };
};
