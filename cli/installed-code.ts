/**
 * Whether a checkout's code is byte for byte the installed command's: every source file
 * (bin/source-files.mjs: the .ts, .mjs and .json of the code directories) and tsconfig.json.
 * The YAML of environments/ is input, not code, so a revision that only moves an image tag or
 * a release still counts as the same code. `generate` then renders the checkout with the
 * installed code in its own process (from the bundle), instead of loading the checkout's
 * sources through tsx in a render process: the same code on the same input, about half the work.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceFiles } from '../bin/source-files.mjs';
import { compareStrings } from '../config/compare.js';

/** The installed command's own checkout: the directory its sources are in. */
export const INSTALLED_ROOT = fileURLToPath(new URL('..', import.meta.url));

function codeFiles(root: string): string[] {
  return [...sourceFiles(root), join(root, 'tsconfig.json')].map((file) => relative(root, file)).sort(compareStrings);
}

/** True when `root` holds exactly the installed code; any difference or unreadable file: false. */
export function hasInstalledCode(root: string, installed: string = INSTALLED_ROOT): boolean {
  if (resolve(root) === resolve(installed)) return true;
  try {
    const ours = codeFiles(installed);
    const theirs = codeFiles(root);
    if (ours.length !== theirs.length || ours.some((file, i) => file !== theirs[i])) return false;
    return ours.every((file) => readFileSync(join(installed, file)).equals(readFileSync(join(root, file))));
  } catch {
    return false;
  }
}
