/**
 * The `mw-gitops` command line. Each command lives in cli/commands/<name>.ts and exports
 * `register(program)`; this file wires them and turns errors into exit codes:
 * 0 success, 2 bad input or usage (UserError), 1 anything else.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { UserError } from '../config/errors.js';
import { scrubError } from '../git/redact.js';
import { envScrubber } from './secrets.js';

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
    .option('--debug', 'print the stack of an unexpected (exit 1) failure, as MW_GITOPS_DEBUG=1 does')
    .exitOverride();
  const named = argv[0] !== undefined && Object.hasOwn(COMMANDS, argv[0]) ? [argv[0]] : VERSION_FLAGS.has(argv[0]) ? [] : Object.keys(COMMANDS);
  for (const module of await Promise.all(named.map((name) => COMMANDS[name]()))) module.register(program);
  return program;
}

/** `--debug` anywhere before a `--` (before or after the command name). */
function takeDebugFlag(argv: readonly string[]): { argv: string[]; debug: boolean } {
  const end = argv.indexOf('--');
  const head = end < 0 ? [...argv] : argv.slice(0, end);
  const rest = head.filter((arg) => arg !== '--debug');
  return { argv: [...rest, ...(end < 0 ? [] : argv.slice(end))], debug: rest.length !== head.length };
}

export async function main(rawArgv: string[]): Promise<number> {
  const { argv, debug: debugFlag } = takeDebugFlag(rawArgv);
  const debug = debugFlag || process.env.MW_GITOPS_DEBUG === '1';
  const scrub = envScrubber(process.env);
  try {
    await (await buildProgram(argv)).parseAsync(argv, { from: 'user' });
    // A command may ask for a non-zero exit without failing (diff --exit-code).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (caught) {
    // Every message leaves through the one scrubber: tokens in URLs (userinfo, ?private_token=…)
    // and the values of token variables, whatever path the error took.
    const err = scrubError(caught, scrub);
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage mistakes are bad input (2). Commander already printed the message.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      // An empty message: a child process already printed the one line (generate's render).
      if (err.message) process.stderr.write(`mw-gitops: ${err.message}\n`);
      return err.exitCode;
    }
    // Exit 1 is an environment failure (a forge, a remote, the disk) or a bug: one line, and the
    // stack only when asked for, so logs of bots stay readable.
    process.stderr.write(`${oneLineFailure(err, debug)}\n`);
    return 1;
  }
}

function oneLineFailure(err: Error, debug: boolean): string {
  const message = debug ? (err.stack ?? err.message) : err.message.split('\n')[0] || err.name;
  return `mw-gitops: ${message}${debug ? '' : ' (--debug or MW_GITOPS_DEBUG=1 shows the stack)'}`;
}

// Something that failed outside the awaited chain (a stray promise, a throw in a callback): still
// one scrubbed line and exit 1, not node's multi-line dump.
const lastResort = (caught: unknown) => {
  const debug = process.argv.includes('--debug') || process.env.MW_GITOPS_DEBUG === '1';
  process.stderr.write(`${oneLineFailure(scrubError(caught, envScrubber(process.env)), debug)}\n`);
  process.exit(1);
};
process.on('unhandledRejection', lastResort);
process.on('uncaughtException', lastResort);

process.exitCode = await main(process.argv.slice(2));
