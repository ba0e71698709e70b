// The files the command is made of: scripts/build.mjs bundles them (a newer one makes the bundle
// stale), and `generate` compares them to tell whether a checkout's code is the installed
// command's (cli/installed-code.ts).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The directories of the command's code, relative to its checkout. */
export const SOURCE_DIRS = ['bin', 'changes', 'cli', 'config', 'constructs', 'environments', 'git', 'imports', 'render', 'synth', 'validate'];

/** Every source file below `root`: the .ts, .mjs and .json files of SOURCE_DIRS, as absolute paths. */
export function* sourceFiles(root) {
  for (const dir of SOURCE_DIRS) {
    for (const name of readdirSync(join(root, dir), { recursive: true })) {
      if (/\.(ts|mjs|json)$/.test(name)) yield join(root, dir, name);
    }
  }
}
