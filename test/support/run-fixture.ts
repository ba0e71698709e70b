/**
 * Fixtures built once per jest run, not once per test file: the first worker to need one builds
 * it into a directory of its own and renames it into place; a worker that loses that race drops
 * its copy and uses the winner's. They live in the run's directory (run-dir-setup.mjs), which
 * the run removes at its end. Callers must treat them as read-only.
 */
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pending = new Map<string, Promise<string>>();

/** The directory `name` of this run, built by `build(dir)` if no worker has built it yet. */
export function runFixture(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  let made = pending.get(name);
  if (!made) {
    made = buildOnce(name, build);
    pending.set(name, made);
  }
  return made;
}

async function buildOnce(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  const runDir = process.env.MW_GITOPS_TEST_RUN_DIR;
  // Outside a jest run with the project's config (no run directory): a directory of this process.
  const parent = runDir ?? (await mkdtemp(join(tmpdir(), 'mw-gitops-fixture-')));
  const target = join(parent, name);
  if (await exists(target)) return target;
  const scratch = await mkdtemp(join(parent, `${name}.building-`));
  await build(scratch);
  try {
    await rename(scratch, target);
  } catch (err) {
    // Another worker was first: its copy is the same fixture.
    if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    await rm(scratch, { recursive: true, force: true });
  }
  return target;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
