/**
 * The `mw-gitops` command line. Each command lives in cli/commands/<name>.ts and exports
 * `register(program)`; this file wires them and turns errors into exit codes:
 * 0 success, 2 bad input or usage (UserError), 1 anything else.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { UserError } from '../config/errors.js';

type CommandModule = { register(program: Command): void };

/**
 * Commands load on demand: `publish` should not pay for compiling cdk8s and the schemas that
 * `synth` needs. A run naming one command loads only that module; help loads them all.
 */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  synth: () => import('./commands/synth.js'),
  validate: () => import('./commands/validate.js'),
  diff: () => import('./commands/diff.js'),
  publish: () => import('./commands/publish.js'),
  generate: () => import('./commands/generate.js'),
  bump: () => import('./commands/bump.js'),
  plan: () => import('./commands/plan.js'),
  rollback: () => import('./commands/rollback.js'),
};

const VERSION_FLAGS = new Set(['-V', '--version']);

/** The version in package.json (one place to bump it). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('mw-gitops')
    .description('Render MediaWiki on Kubernetes (cdk8s + Argo Rollouts) and keep the deployment repository in step.')
    .showHelpAfterError('(run with --help for usage)')
    .version(packageVersion(), '-V, --version', 'print the version of mw-gitops')
    .exitOverride();
  const named = argv[0] !== undefined && Object.hasOwn(COMMANDS, argv[0]) ? [argv[0]] : VERSION_FLAGS.has(argv[0]) ? [] : Object.keys(COMMANDS);
  for (const module of await Promise.all(named.map((name) => COMMANDS[name]()))) module.register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv, { from: 'user' });
    // A command may ask for a non-zero exit without failing (diff --exit-code).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage mistakes are bad input (2). Commander already printed the message.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      process.stderr.write(`mw-gitops: ${err.message}\n`);
      return err.exitCode;
    }
    // Exit 1 is an environment failure (a forge, a remote, the disk) or a bug: one line, and the
    // stack only when asked for, so logs of bots stay readable.
    const debug = process.env.MW_GITOPS_DEBUG === '1';
    const message = err instanceof Error ? (debug ? (err.stack ?? err.message) : err.message.split('\n')[0]) : String(err);
    process.stderr.write(`mw-gitops: ${message}${debug ? '' : ' (MW_GITOPS_DEBUG=1 shows the stack)'}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
