#!/usr/bin/env node
// Bundles the CLI with esbuild (npm's `prepare` runs this on install; bin/mw-gitops.js runs it
// again whenever a source file is newer than the bundle, which takes a fraction of a second).
// Plain node starts the bundle in about half the time tsx needs for the sources.
//
// Layout: build/b-<id>/ holds one build, split into chunks: cli/index.ts loads each command with
// import(), so each command is its own chunk and `synth` never loads Octokit or gitbeaker.
// build/mw-gitops.mjs is a one-line entry that imports the current build; it is replaced by an
// atomic rename, so concurrent runs and rebuilds each see a whole build, never a half-written one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceFiles } from '../bin/source-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build');
/** What bin/mw-gitops.js imports. Its mtime is the time the build it names started. */
export const ENTRY = join(buildDir, 'mw-gitops.mjs');
/** A superseded build stays this long, for processes that started from it and still load chunks. */
const KEEP_SUPERSEDED_MS = 10 * 60 * 1000;
const importsSource = join(root, 'imports');
const importsOut = join(buildDir, 'imports');

/** True while build/mw-gitops.mjs is newer than every source file and than this script. */
export function bundleIsFresh() {
  let built;
  try {
    built = statSync(ENTRY).mtimeMs;
  } catch {
    return false;
  }
  if (statSync(fileURLToPath(import.meta.url)).mtimeMs > built) return false;
  for (const file of sourceFiles(root)) if (statSync(file).mtimeMs > built) return false;
  return true;
}

/**
 * Sources that locate files next to themselves (import.meta.url) keep doing so from the bundle.
 * Only those few files go through JavaScript; esbuild reads the rest (megabytes of imports/) itself.
 */
function keepSourceUrls(outdir) {
  const users = [...sourceFiles(root)].filter((f) => f.endsWith('.ts') && dirname(f) !== importsSource && readFileSync(f, 'utf8').includes('import.meta.url'));
  // Matched by their path inside the repository, whatever absolute spelling esbuild uses.
  const escape = (f) => relative(root, f).split('\\').join('/').replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('/', '[/\\\\]');
  return {
    name: 'keep-source-urls',
    setup(esbuild) {
      if (!users.length) return;
      esbuild.onLoad({ filter: new RegExp(`[/\\\\](${users.map(escape).join('|')})$`) }, async ({ path }) => {
        const fromBundle = relative(outdir, path).split('\\').join('/');
        const text = await readFile(path, 'utf8');
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: 'ts' };
      });
    },
  };
}

const ENTRY_LINE = /^import '\.\/(b-[^/']+)\/index\.mjs';$/m;

async function currentBuild() {
  try {
    return ENTRY_LINE.exec(await readFile(ENTRY, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * imports/ (megabytes of generated Argo classes, three quarters of esbuild's work) is compiled
 * into build/imports/, one module per file, only when a file there changed; every build shares
 * it, so a construct edit recompiles only the project's own code. Files are replaced by rename.
 */
async function compileImports(build, logLevel) {
  const stale = readdirSync(importsSource)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(importsSource, name))
    .filter((src) => statSync(src).mtimeMs > (statSync(join(importsOut, basename(src, '.ts') + '.mjs'), { throwIfNoEntry: false })?.mtimeMs ?? -Infinity));
  if (!stale.length) return;
  const startedAt = new Date();
  const { outputFiles } = await build({ entryPoints: stale, outdir: importsOut, outExtension: { '.js': '.mjs' }, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel });
  await mkdir(importsOut, { recursive: true });
  for (const file of outputFiles) {
    const temp = `${file.path}.${process.pid}.tmp`;
    await writeFile(temp, file.contents);
    await utimes(temp, startedAt, startedAt);
    await rename(temp, file.path);
  }
}

/** The project's imports of imports/<name>.js load build/imports/<name>.mjs instead. */
const prebuiltImports = {
  name: 'prebuilt-imports',
  setup(esbuild) {
    esbuild.onResolve({ filter: /[/\\]imports[/\\][^/\\]+\.js$/ }, ({ path, resolveDir }) => {
      const target = resolve(resolveDir, path);
      if (dirname(target) !== importsSource) return undefined;
      return { path: `../imports/${basename(target, '.js')}.mjs`, external: true };
    });
  },
};

/** Builds the CLI into a new build/b-<id>/ and points build/mw-gitops.mjs at it. */
export async function buildBundle({ logLevel = 'error' } = {}) {
  const { build } = await import('esbuild');
  const startedAt = new Date();
  const id = `b-${startedAt.getTime().toString(36)}-${process.pid}`;
  const outdir = join(buildDir, id);
  await mkdir(buildDir, { recursive: true });
  await compileImports(build, logLevel);
  try {
    await build({
      entryPoints: { index: join(root, 'cli', 'index.ts') },
      outdir,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunk-[hash]',
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      plugins: [prebuiltImports, keepSourceUrls(outdir)],
      logLevel,
    });
  } catch (err) {
    await rm(outdir, { recursive: true, force: true });
    throw err;
  }
  const previous = await currentBuild();
  const temp = `${ENTRY}.${id}.tmp`;
  await writeFile(temp, `import './${id}/index.mjs';\n`);
  // Dated to the start of the build: a source saved while esbuild ran is newer, so the next run rebuilds.
  await utimes(temp, startedAt, startedAt);
  await rename(temp, ENTRY);
  if (previous && previous !== id) await utimes(join(buildDir, previous), new Date(), new Date()).catch(() => {});
  await removeSupersededBuilds(id);
  return outdir;
}

/** Deletes builds the entry no longer names once they have been superseded for a while. */
async function removeSupersededBuilds(keep) {
  const now = Date.now();
  for (const name of await readdir(buildDir)) {
    if (!name.startsWith('b-') || name === keep) continue;
    const dir = join(buildDir, name);
    const info = await stat(dir).catch(() => undefined);
    if (info && now - info.mtimeMs > KEEP_SUPERSEDED_MS && (await currentBuild()) !== name) await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildBundle();
}
