/** The directories of the command's code, relative to its checkout (bin/source-files.mjs). */
export const SOURCE_DIRS: readonly string[];
/** Every source file below `root`: the .ts, .mjs and .json files of SOURCE_DIRS, as absolute paths. */
export function sourceFiles(root: string): Generator<string, void, undefined>;
