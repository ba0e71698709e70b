/** Runs the real `mw-gitops` command as a child process, the way users and CI do. */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(PROJECT, 'bin/mw-gitops.js');

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? PROJECT,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = 'mw-gitops-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A copy of environments/ to edit in a test. */
export function copyEnvironments(into: string): string {
  const dir = join(into, 'environments');
  cpSync(join(PROJECT, 'environments'), dir, { recursive: true });
  return dir;
}

/**
 * path -> contents of every file under `dir` as committed at HEAD of this repository (not the
 * working copy).
 */
export function committedTree(dir: string): Map<string, string> {
  return gitTree(PROJECT, 'HEAD', dir);
}

/**
 * path -> contents of every file at `ref` of the repository at `repo` (under `dir`, paths relative
 * to it): `git ls-tree` for the names, one `git cat-file --batch` for the contents.
 */
export function gitTree(repo: string, ref: string, dir?: string): Map<string, string> {
  const names = execFileSync('git', ['ls-tree', '-r', '-z', '--name-only', ref, ...(dir ? ['--', dir] : [])], { cwd: repo, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  const tree = new Map<string, string>();
  if (names.length === 0) return tree;
  const batch = execFileSync('git', ['cat-file', '--batch'], { cwd: repo, input: names.map((n) => `${ref}:${n}`).join('\n') + '\n', maxBuffer: 256 * 1024 * 1024 });
  let at = 0;
  for (const name of names) {
    const eol = batch.indexOf(0x0a, at);
    const size = Number(batch.subarray(at, eol).toString('utf8').split(' ')[2]);
    tree.set(dir ? name.slice(dir.length + 1) : name, batch.subarray(eol + 1, eol + 1 + size).toString('utf8'));
    at = eol + 1 + size + 1;
  }
  return tree;
}
