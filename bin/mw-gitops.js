#!/usr/bin/env node
// The installed command. It runs the esbuild bundle that `npm ci` builds (scripts/build.mjs), in
// which each command is its own chunk. When a source file is newer than the bundle (an edit to a
// construct or a profile), it rebuilds the bundle first: esbuild takes a fraction of a second,
// and meanwhile this process loads the packages a render needs, so the run costs about what a
// run with a fresh bundle costs. `generate` runs from the bundle as well, and loads the checkout's
// own render entry through tsx itself (bin/tsx.mjs). MW_GITOPS_BUNDLE=0 forces tsx.
import { pathToFileURL } from 'node:url';
import { ENTRY, buildBundle, bundleIsFresh } from '../scripts/build.mjs';
import { registerTsx } from './tsx.mjs';

/** The packages the rendering commands load first; importing them overlaps the rebuild. */
const RENDER_PACKAGES = ['commander', 'cdk8s', 'constructs', 'yaml', 'zod', 'ajv', 'ajv-formats'];
const RENDERS = new Set(['synth', 'validate', 'diff']);

async function runSources() {
  await registerTsx();
  try {
    await import('../cli/index.ts');
  } catch (err) {
    // The sources could not even load (a syntax error, a missing package): one line, exit 1.
    const debug = process.argv.includes('--debug') || process.env.MW_GITOPS_DEBUG === '1';
    process.stderr.write(`mw-gitops: ${debug ? (err?.stack ?? err) : String(err?.message ?? err).split('\n')[0]}\n`);
    process.exitCode = 1;
  }
}

const command = process.argv[2];
if (process.env.MW_GITOPS_BUNDLE === '0') {
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
