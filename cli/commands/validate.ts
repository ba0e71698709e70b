import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../config/errors.js';
import { parseImages } from '../../config/images.js';
import * as environments from '../../environments/index.js';
import { parseInputs } from '../../render/inputs.js';
import { renderProject } from '../../render/render.js';
import { formatReport, groupByObject, parseManifests, profilePolicyExceptions, reportJson, validateRender, type RenderedObjects, type ValidationResult } from '../../validate/index.js';
import { DEFAULT_CONFIG_DIR, readConfigFiles } from '../../synth/config-files.js';
import { readTree } from '../../synth/tree-io.js';
import { checkRenderedContent, formatContentReport, type ContentCheckResult } from '../../validate/programs/index.js';

export interface ValidateCommandOptions {
  readonly configDir: string;
  /** Validate this rendered tree on disk instead of rendering the config in memory. */
  readonly dist?: string;
  /** The image registry; default: `registry` of <configDir>/images.yaml. */
  readonly registry?: string;
  /**
   * Hand every config file a pod reads to the program that reads it (envoy's protos, apache2 -t,
   * php-fpm -t, rsyslogd -N1; validate/programs).
   * @default true
   */
  readonly contentChecks?: boolean;
}

export interface ValidateCommandResult extends ValidationResult {
  /** The content checks' result; undefined when they were turned off. */
  readonly content?: ContentCheckResult;
}

/** Renders (or reads) the tree and runs the validation pass and the content checks over it. */
export async function runValidate(options: ValidateCommandOptions): Promise<ValidateCommandResult> {
  const { rendered, validation } = await validateTree(options);
  return options.contentChecks === false ? validation : { ...validation, content: checkRenderedContent(rendered.files) };
}

async function validateTree(options: ValidateCommandOptions): Promise<{ rendered: RenderedObjects; validation: ValidationResult }> {
  if (options.dist === undefined) {
    const inputs = parseInputs(await readConfigFiles(options.configDir), environments);
    const render = renderProject(inputs);
    return { rendered: render, validation: validateRender(render, { registry: options.registry ?? inputs.images.registry, policyExceptions: profilePolicyExceptions(inputs.profiles) }) };
  }
  const tree = await readTree(options.dist);
  if (tree.size === 0) throw new UserError(`--dist ${options.dist}: no files there; run \`mw-gitops synth\` first, or name the rendered tree's directory.`);
  const rendered: RenderedObjects = { files: parseManifests(tree, options.dist), tree };
  const validation = validateRender(rendered, {
    registry: options.registry ?? (await registryFromConfig(options.configDir)),
    policyExceptions: profilePolicyExceptions(environments.profiles),
  });
  return { rendered, validation };
}

async function registryFromConfig(configDir: string): Promise<string> {
  const path = join(configDir, 'images.yaml');
  const file = relative(process.cwd(), path) || path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`no image registry to check against: ${file} does not exist; pass --registry <host> or --config-dir <dir>.`);
    throw err;
  }
  return parseImages(file, text).registry;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description(
      'Check every rendered object against its schema (Kubernetes, Argo Rollouts and Argo CD CRDs), for fields the ' +
        'schema does not define, and against the policy rules (resources, probes, security context, hostPath, images, ' +
        'NodePorts, references), then hand every config file a pod reads to the program that reads it (envoy protos, ' +
        'apache2 -t, php-fpm -t, rsyslogd -N1; a missing program is printed as skipped). By default renders the config in memory; --dist checks a rendered tree on disk. ' +
        'Prints every violation, grouped per object. Exit codes: 0 valid, 2 violations or bad input, 1 internal error.',
    )
    .option('--config-dir <dir>', 'the configuration directory (deployments.yaml, images.yaml, the catalogues; rendered in memory, or read for the registry with --dist)', DEFAULT_CONFIG_DIR)
    .option('--dist <dir>', 'validate the rendered tree in this directory (e.g. dist) instead of rendering the config')
    .option('--registry <host>', 'the registry every image must come from (default: `registry` of images.yaml)')
    .option('--json', 'print one JSON object {ok, checkedObjects, rules, violations, unvalidatedKinds, waived, content} for CI annotations')
    .option('--no-content-checks', 'skip handing the config files to the programs that read them (envoy, apache2, php-fpm, rsyslogd)')
    .action(async (opts: { configDir: string; dist?: string; registry?: string; json?: boolean; contentChecks: boolean }) => {
      const result = await runValidate({ configDir: opts.configDir, dist: opts.dist, registry: opts.registry, contentChecks: opts.contentChecks });
      const { content } = result;
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...reportJson(result), ok: result.violations.length === 0 && !content?.violations.length, ...(content ? { content } : {}) })}\n`);
      else process.stdout.write(formatReport(result) + (content ? `\n${formatContentReport(content)}` : ''));
      const failures = [
        ...(result.violations.length ? [`${plural(result.violations.length, 'violation')} in ${plural(groupByObject(result.violations).length, 'object')}`] : []),
        ...(content?.violations.length ? [`${plural(content.violations.length, 'content violation')}`] : []),
      ];
      if (failures.length) throw new UserError(`validation failed: ${failures.join(', ')}${opts.json ? '' : ' (listed above)'}.`);
    });
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
