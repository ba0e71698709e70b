#!/usr/bin/env node
// Bundles the CLI into build/mw-gitops.mjs with esbuild (npm's `prepare` runs this on install).
// Plain node starts it in about half the time tsx needs for the sources. bin/mw-gitops.js uses
// it only while it is newer than every source file, so an edit still takes effect at once.
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'build', 'mw-gitops.mjs');

// Sources that locate files next to themselves (import.meta.url) keep doing so from the bundle.
const keepSourceUrls = {
  name: 'keep-source-urls',
  setup(esbuild) {
    esbuild.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      const fromBundle = relative(dirname(outfile), path).split('\\').join('/');
      const text = await readFile(path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

await build({
  entryPoints: [join(root, 'cli', 'index.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [keepSourceUrls],
  logLevel: 'warning',
});
