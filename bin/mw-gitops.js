#!/usr/bin/env node
// The installed command. It runs the bundle that `npm ci` builds (scripts/build.mjs) while that
// is newer than every source file, and the TypeScript sources through tsx otherwise, so an edit
// to a construct or a profile shows up in the next run without a build step. `generate` always
// runs through tsx: it renders the checkout's own sources. MW_GITOPS_BUNDLE=0 forces tsx.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}build/mw-gitops.mjs`;
const SOURCE_DIRS = ['cli', 'config', 'constructs', 'environments', 'imports', 'render', 'validate'];

function bundleIsFresh() {
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  for (const dir of SOURCE_DIRS) {
    for (const name of readdirSync(`${root}${dir}`, { recursive: true })) {
      if (!/\.(ts|json)$/.test(name)) continue;
      if (statSync(`${root}${dir}/${name}`).mtimeMs > built) return false;
    }
  }
  return true;
}

if (process.env.MW_GITOPS_BUNDLE !== '0' && process.argv[2] !== 'generate' && bundleIsFresh()) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/index.ts');
}
