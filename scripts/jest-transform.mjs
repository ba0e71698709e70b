/**
 * jest's TypeScript transform: esbuild strips the types (the project's own build tool, already a
 * dependency). Type checking is `tsc --noEmit`, which `npm test` runs beside jest
 * (scripts/test.sh); a transform per file, like tsconfig's isolatedModules, is all jest needs.
 * The output is ESM, as jest runs the suites with --experimental-vm-modules.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { transformSync, version } from 'esbuild';

const OPTIONS = {
  loader: 'ts',
  format: 'esm',
  target: 'node20',
  sourcemap: 'external',
  sourcesContent: false,
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: true, verbatimModuleSyntax: false } },
};
/** Jest caches transforms by this key: the file, this transform and esbuild's version. */
const SELF = createHash('sha256').update(readFileSync(new URL(import.meta.url))).update(version).digest('hex');

export default {
  getCacheKey(source, path) {
    return createHash('sha256').update(SELF).update(path).update('\0').update(source).digest('hex');
  },
  process(source, path) {
    const { code, map } = transformSync(source, { ...OPTIONS, sourcefile: path });
    return { code, map };
  },
};
