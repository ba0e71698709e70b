// Loads TypeScript sources through tsx, once per process: the command's own sources when the
// bundle is not used (bin/mw-gitops.js), and the checkout's render entry in `generate`.
import { accessSync, constants, statSync } from 'node:fs';
import { tmpdir } from 'node:os';

const REGISTERED = Symbol.for('mw-gitops.tsx-registered');

/** tsx caches transforms in TMPDIR; one that is not a writable directory would crash it with a stack. */
function tmpdirWritable() {
  try {
    accessSync(tmpdir(), constants.W_OK);
    return statSync(tmpdir()).isDirectory();
  } catch {
    return false;
  }
}

export async function registerTsx() {
  if (globalThis[REGISTERED]) return;
  if (!tmpdirWritable()) process.env.TSX_DISABLE_CACHE = '1';
  const { register } = await import('tsx/esm/api');
  register();
  globalThis[REGISTERED] = true;
}
