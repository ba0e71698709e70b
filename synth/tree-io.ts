/** Reading and writing rendered trees on disk. The only place synth touches the filesystem. */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, renameSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { UserError } from '../config/errors.js';
import { acquireLock } from './lock.js';
import { sortedTree, type RenderedTree } from '../render/tree.js';

/**
 * Every file under `dir` (relative POSIX paths), or an empty tree when `dir` does not exist. A
 * `.git` directory is skipped, so a checkout of the deployment repository reads as its tree.
 */
export async function readTree(dir: string): Promise<Map<string, string>> {
  const entries: [string, string][] = [];
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const root = resolve(dir);
  await Promise.all(
    names.filter((name) => !name.split(sep).includes('.git')).map(async (name) => {
      const full = join(root, name);
      try {
        entries.push([relative(root, full).split(sep).join('/'), await readFile(full, 'utf8')]);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
      }
    }),
  );
  return new Map(sortedTree(entries));
}

/** An entry of a rendered tree that is not a regular file or a directory (a symlink, a device, …). */
export class ForeignEntryError extends UserError {
  constructor(readonly entry: string, readonly what: string) {
    super(`${entry} is ${what}, not a regular file; a rendered tree holds only regular files and directories. Remove it (or run \`mw-gitops synth\` again) and retry.`);
  }
}

/**
 * Like readTree, but no symlink is followed and nothing but regular files and directories is
 * read: anything else (a symlink to a file, a directory or /proc/self/environ, a device, a
 * fifo) throws ForeignEntryError naming it as `shown/<path>`. What publish copies into the
 * deployment repository comes from here, so nothing outside `dir` can leak into a commit.
 */
export async function readRegularTree(dir: string, shown: string): Promise<Map<string, string>> {
  const root = resolve(dir);
  const entries: [string, string][] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      if (name === '.git') continue;
      const stat = await lstat(join(root, path));
      if (stat.isDirectory()) await walk(path);
      else if (stat.isFile()) entries.push([path, await readFile(join(root, path), 'utf8')]);
      else throw new ForeignEntryError(`${shown}/${path}`, kindOf(stat));
    }
  };
  await walk('');
  return new Map(sortedTree(entries));
}

function kindOf(stat: { isSymbolicLink(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isBlockDevice() || stat.isCharacterDevice()) return 'a device';
  if (stat.isFIFO()) return 'a fifo';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function treesEqual(a: RenderedTree, b: RenderedTree): boolean {
  if (a.size !== b.size) return false;
  for (const [path, text] of a) if (b.get(path) !== text) return false;
  return true;
}

/** The generator field of releases.json: what tells a tree mw-gitops wrote from any other directory. */
export function isOurTree(dir: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  if (names.length === 0) return true;
  try {
    return (JSON.parse(readFileSync(join(dir, 'releases.json'), 'utf8')) as { generator?: unknown }).generator === 'mw-gitops';
  } catch {
    return false;
  }
}

export interface OutputPlacement {
  /** The config directory the render reads (never replaced, never written into). */
  readonly configDir: string;
  /** Replace an existing directory that holds no tree of ours. @default false */
  readonly force?: boolean;
  /** How messages name the output directory; @default out */
  readonly shown?: string;
}

/** `path` as the filesystem sees it: symlinks in its existing part resolved. */
function realPath(path: string): string {
  const abs = resolve(path);
  let existing = abs;
  const rest: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  try {
    return join(realpathSync(existing), ...rest);
  } catch {
    return abs;
  }
}

function within(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The nearest directory at or above `dir` holding `.git` (a directory, or a worktree's file). */
function gitTopOf(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return undefined;
  }
}

/**
 * Refuses an output directory whose replacement would destroy something that is not a render:
 * `/`, the project root or anything containing it, a `.git` directory (or a path inside one),
 * the config directory (or inside it, or containing it), a directory inside the project's own
 * sources, a file, a symlink, or an existing directory that holds no tree of ours (without
 * `force`). Only reads; throws UserError (exit 2) before anything is written or removed.
 */
export function checkOutputDir(out: string, placement: OutputPlacement): void {
  const shown = placement.shown ?? out;
  const target = realPath(out);
  const config = realPath(placement.configDir);
  const projectRoot = dirname(config);
  const gitTop = gitTopOf(projectRoot);
  const refuse = (why: string) => {
    throw new UserError(`--out ${shown}: ${why}; nothing was written or removed. Choose a directory of its own, such as dist.`);
  };
  if (target === parse(target).root) refuse('is the filesystem root');
  if (target.split(sep).includes('.git')) refuse('is or lies inside a .git directory');
  if (existsSync(join(target, '.git'))) refuse('holds a git repository (.git), which replacing it would destroy');
  for (const root of [projectRoot, gitTop].filter((r): r is string => r !== undefined)) {
    if (within(root, target)) refuse(`is or contains the project root ${root}`);
  }
  if (within(config, target)) refuse(`is or contains the config directory ${placement.configDir}`);
  if (within(target, config)) refuse(`lies inside the config directory ${placement.configDir}`);
  for (const root of [projectRoot, gitTop].filter((r): r is string => r !== undefined)) {
    if (!within(target, root)) continue;
    // root/<top>/…: <top> is one of the project's source directories unless it is the output itself or ours.
    const top = join(root, relative(root, target).split(sep)[0]);
    if (top !== target && existsSync(top) && !isOurTree(top)) refuse(`lies inside the project's ${relative(root, top)}/, which is not a rendered tree`);
  }
  let stat;
  try {
    stat = lstatSync(resolve(out));
  } catch {
    return; // does not exist yet
  }
  if (stat.isSymbolicLink()) refuse('is a symbolic link; give the directory it points to, if that is what you mean');
  if (!stat.isDirectory()) refuse('exists and is not a directory');
  if (!placement.force && !isOurTree(target)) {
    refuse('exists and holds no tree mw-gitops wrote (no releases.json of ours); pass --force to replace it anyway');
  }
}

export interface WriteTreeOptions {
  /** Replace an existing directory that holds no tree of ours. @default false */
  readonly force?: boolean;
  /** Called between moving the old tree aside and moving the new one in (tests kill the process here). */
  readonly atSwapWindow?: () => void;
}

const aside = (target: string) => `.${basename(target)}.old-`;
const staged = (target: string) => `.${basename(target)}.new-`;

/**
 * Puts things right after a synth that was killed: when `dir` is missing but a tree moved aside
 * by the swap is there, it goes back; leftover staging and aside trees are removed. Takes the
 * output's lock (a running synth's staging tree is not a leftover); a no-op when nothing is left.
 */
export async function recoverInterruptedSwap(dir: string): Promise<void> {
  const target = resolve(dir);
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return;
  }
  if (!names.some((n) => n.startsWith(aside(target)) || n.startsWith(staged(target)))) return;
  const lock = await acquireLock(lockFor(target));
  try {
    await recoverLocked(target);
  } finally {
    await lock.release();
  }
}

const lockFor = (target: string) => join(dirname(target), `.${basename(target)}.mw-gitops.lock`);

async function recoverLocked(target: string): Promise<void> {
  const parent = dirname(target);
  const names = readdirSync(parent);
  const old = names.filter((n) => n.startsWith(aside(target)));
  const fresh = names.filter((n) => n.startsWith(staged(target)));
  if (!existsSync(target) && old.length > 0) {
    const newest = old.map((n) => ({ n, t: lstatSync(join(parent, n)).mtimeMs })).sort((a, b) => b.t - a.t)[0].n;
    renameSync(join(parent, newest), target);
    old.splice(old.indexOf(newest), 1);
  }
  await Promise.all([...old, ...fresh].map((n) => rm(join(parent, n), { recursive: true, force: true })));
}

/**
 * Makes `dir` hold exactly `tree`: files are written into a sibling temporary directory which
 * then replaces `dir`, so a failure part-way leaves the previous tree as it was, and files of
 * releases that left the config disappear. Writers of one directory take turns (a lock file
 * next to it). The swap is two renames back to back (old aside, new in); a process killed
 * between them leaves the old tree aside, and the next run (synth, publish, diff) moves it back.
 * Returns false when `dir` already matched.
 */
export async function writeTreeAtomically(dir: string, tree: RenderedTree, options: WriteTreeOptions = {}): Promise<boolean> {
  const target = resolve(dir);
  await mkdir(dirname(target), { recursive: true });
  const lock = await acquireLock(lockFor(target));
  try {
    await recoverLocked(target);
    const stat = await lstat(target).catch(() => null);
    if (stat && (!stat.isDirectory() || (!options.force && !isOurTree(target)))) {
      throw new UserError(`${dir} exists and holds no tree mw-gitops wrote; nothing was written (pass --force to replace it).`);
    }
    const current = await readRegularTree(target, dir).catch(() => null);
    if (current && treesEqual(current, tree)) return false;
    const staging = await mkdtemp(join(dirname(target), staged(target)));
    try {
      const dirs = new Set([...tree.keys()].map((p) => dirname(join(staging, p))));
      for (const d of [...dirs].sort()) await mkdir(d, { recursive: true });
      await Promise.all([...tree].map(([path, text]) => writeFile(join(staging, path), text)));
      const previous = join(dirname(target), `${aside(target)}${basename(staging).slice(staged(target).length)}`);
      // Synchronous and back to back: the only moment without `dir` is between these two calls.
      const moved = stat !== null;
      if (moved) renameSync(target, previous);
      try {
        options.atSwapWindow?.();
        renameSync(staging, target);
      } catch (err) {
        if (moved) renameSync(previous, target);
        throw err;
      }
      if (moved) await rm(previous, { recursive: true, force: true });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return true;
  } finally {
    await lock.release();
  }
}
