#!/usr/bin/env node
// The installed command. It runs the esbuild bundle that `npm ci` builds (scripts/build.mjs), in
// which each command is its own chunk. When a source file is newer than the bundle (an edit to a
// construct or a profile), it rebuilds the bundle first: esbuild takes a fraction of a second,
// and meanwhile this process loads the packages a render needs, so the run costs about what a
// run with a fresh bundle costs. `generate` always runs through tsx: it renders the checkout's
// own sources. MW_GITOPS_BUNDLE=0 forces tsx.
import { pathToFileURL } from 'node:url';
import { ENTRY, buildBundle, bundleIsFresh } from '../scripts/build.mjs';

/** The packages the rendering commands load first; importing them overlaps the rebuild. */
const RENDER_PACKAGES = ['commander', 'cdk8s', 'constructs', 'yaml', 'zod', 'ajv', 'ajv-formats'];
const RENDERS = new Set(['synth', 'validate', 'diff']);

async function runSources() {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/index.ts');
}

const command = process.argv[2];
if (process.env.MW_GITOPS_BUNDLE === '0' || command === 'generate') {
  await runSources();
} else if (bundleIsFresh()) {
  await import(pathToFileURL(ENTRY).href);
} else {
  const warm = RENDERS.has(command) ? Promise.allSettled(RENDER_PACKAGES.map((name) => import(name))) : undefined;
  let rebuilt = true;
  try {
    await buildBundle({ logLevel: 'silent' });
  } catch (err) {
    // A syntax error in a source (tsx reports it with its location), or a build/ we may not write.
    rebuilt = false;
    const first = err?.errors?.[0];
    const why = first ? `${first.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : ''}${first.text}` : String(err?.message ?? err).split('\n')[0];
    process.stderr.write(`mw-gitops: could not rebuild the bundle (${why}); running the sources through tsx\n`);
  }
  await warm;
  if (rebuilt) await import(pathToFileURL(ENTRY).href);
  else await runSources();
}
