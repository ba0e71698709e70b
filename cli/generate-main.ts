/**
 * The process entry of `mw-gitops generate` (bin/mw-gitops.js picks it for that command). It
 * loads only the generate command: the render code that runs is the checkout's own, so loading
 * the installed copy's render graph as well (what cli/index.ts does for synth) would double the
 * start-up of every Argo CD manifest request. Same exit codes as cli/index.ts.
 */
import { Command, CommanderError } from 'commander';
import { UserError } from '../config/errors.js';
import { register } from './commands/generate.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('mw-gitops').showHelpAfterError('(run with --help for usage)').exitOverride();
  register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    // runGenerate turns every failure into a one-line UserError; anything else is still one line.
    const message = err instanceof UserError ? err.message : `internal error: ${String(err instanceof Error ? err.message : err).split('\n')[0]}`;
    process.stderr.write(`mw-gitops: ${message}\n`);
    return err instanceof UserError ? err.exitCode : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
