/**
 * The lazy-import experiment: `node --import tsx bench/only-command.ts <command> [flags]` runs the
 * CLI with only that command's module registered, i.e. what a command would cost if cli/index.ts
 * did not load every other command's imports (the render stack above all) first.
 */
import { Command } from 'commander';

const name = process.argv[2];
if (!name || !/^[a-z0-9-]+$/.test(name)) {
  process.stderr.write('usage: node --import tsx bench/only-command.ts <command> [flags]\n');
  process.exit(2);
}
const command = (await import(`../cli/commands/${name}.js`)) as { register: (program: Command) => void };
const program = new Command('mw-gitops').exitOverride();
command.register(program);
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (err) {
  process.stderr.write(`only-command: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
