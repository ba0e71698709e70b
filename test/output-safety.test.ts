/**
 * Output directories: a path whose replacement would destroy sources is refused before anything
 * is removed; the dist/ swap survives a kill -9 in its window; concurrent writers take turns.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../config/errors.js';
import { checkOutputDir, readTree, recoverInterruptedSwap, writeTreeAtomically } from '../synth/tree-io.js';
import { copyEnvironments, PROJECT, runCli, tempDir } from './support/cli.js';
import { git } from './support/git.js';

let work: ReturnType<typeof tempDir>;
let project: string;
let config: string;
beforeEach(async () => {
  work = tempDir();
  project = join(work.path, 'project');
  mkdirSync(join(project, 'src'), { recursive: true });
  config = copyEnvironments(project);
  writeFileSync(join(project, 'src', 'main.ts'), 'export {};\n');
  await git(project, 'init', '--quiet');
});
afterEach(() => work.cleanup());

/** Every path under dir (with .git), to prove nothing was removed. */
function listing(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

const index = (text = 'old') => JSON.stringify({ generator: 'mw-gitops', note: text });
const refusal = (out: string, force = false): string => {
  try {
    checkOutputDir(join(project, out), { configDir: config, force, shown: out });
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
};

test('the command: --out ., .git, environments and / exit 2 with one line, and nothing is removed', () => {
  const before = listing(project);
  for (const out of ['.', '.git', 'environments', '/']) {
    const run = runCli(['synth', '--out', out], { cwd: project });
    expect({ out, status: run.status, stdout: run.stdout }).toEqual({ out, status: 2, stdout: '' });
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(new RegExp(`^mw-gitops: --out ${out.replace('.', '\\.')}: .*nothing was written or removed`));
  }
  expect(listing(project)).toEqual(before);
});

test('sources, .git, the config directory, the root and their parents are refused; a render of ours is not', () => {
  expect(refusal('.git/objects')).toMatch(/inside a \.git directory/);
  expect(refusal('environments/generated')).toMatch(/inside the config directory/);
  expect(refusal('..')).toMatch(/contains the project root/);
  expect(refusal('src/out')).toMatch(/inside the project's src\//);
  expect(refusal('src')).toMatch(/holds no tree mw-gitops wrote.*--force/);
  expect(refusal('src', true)).toBe('accepted');
  expect(refusal('.', true)).toMatch(/git repository/); // --force never reaches the sources

  writeFileSync(join(project, 'notes.txt'), 'x\n');
  expect(refusal('notes.txt')).toMatch(/exists and is not a directory/);
  symlinkSync(join(project, '.git'), join(project, 'sneaky'));
  expect(refusal('sneaky')).toMatch(/\.git/);
  symlinkSync(project, join(work.path, 'alias'));
  expect(refusal('../alias')).toMatch(/holds a git repository/); // the project root, through a symlink

  expect(refusal('dist')).toBe('accepted'); // not there yet
  mkdirSync(join(project, 'dist'));
  expect(refusal('dist')).toBe('accepted'); // empty
  writeFileSync(join(project, 'dist', 'releases.json'), index());
  expect(refusal('dist')).toBe('accepted'); // ours
  expect(refusal('dist/eqiad')).toBe('accepted'); // inside a render of ours
});

test('a kill -9 between the two renames of the swap: the next run puts the old tree back and cleans up', async () => {
  const out = join(project, 'dist');
  await writeTreeAtomically(out, new Map([['releases.json', index('old')]]));
  mkdirSync(join(project, '.dist.new-leftover')); // a staging tree of an earlier crash

  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT, 'test/support/swap-child.ts'), out, index('new')], { cwd: PROJECT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('window') && resolve()));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('close', resolve));

  // The kill landed in the window: dist/ is aside, its lock file left behind by the dead process.
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(project).filter((n) => n.startsWith('.dist.old-'))).toHaveLength(1);
  expect(existsSync(join(project, '.dist.mw-gitops.lock'))).toBe(true);

  await recoverInterruptedSwap(out); // what publish and diff do before reading dist/
  expect(await readTree(out)).toEqual(new Map([['releases.json', index('old')]]));

  // The next synth takes over the dead process's lock and leaves no temporary tree behind.
  expect(await writeTreeAtomically(out, new Map([['releases.json', index('next')]]))).toBe(true);
  expect(await readTree(out)).toEqual(new Map([['releases.json', index('next')]]));
  expect(readdirSync(project).filter((n) => n.startsWith('.dist.'))).toEqual([]);
});

test('8 concurrent writers of one output directory all finish, and it holds one whole tree', async () => {
  const out = join(project, 'dist');
  const trees = Array.from({ length: 8 }, (_, i) => new Map(Array.from({ length: 40 }, (__, f) => [`eqiad/ns${f}/r/manifest.yaml`, `writer ${i}\n`] as [string, string]).concat([['releases.json', index(`w${i}`)]])));
  const results = await Promise.allSettled(trees.map((tree) => writeTreeAtomically(out, tree)));
  expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  const final = await readTree(out);
  const same = (tree: Map<string, string>) => JSON.stringify([...tree].sort()) === JSON.stringify([...final].sort());
  expect(trees.filter(same)).toHaveLength(1);
  expect(readdirSync(project).filter((n) => n.startsWith('.dist.'))).toEqual([]);
});

test('writing over a directory that holds no tree of ours needs force', async () => {
  const out = join(project, 'src');
  await expect(writeTreeAtomically(out, new Map([['releases.json', index()]]))).rejects.toThrow(/holds no tree mw-gitops wrote/);
  expect(listing(out)).toEqual(['main.ts']);
  await writeTreeAtomically(out, new Map([['releases.json', index()]]), { force: true });
  expect(listing(out)).toEqual(['releases.json']);
});
