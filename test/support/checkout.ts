/**
 * Shared by the generate contract tests: a temporary copy of this repository (what Argo CD's
 * repo-server hands the plugin sidecar: the files of one revision, no node_modules) and a
 * runner for the real CLI with the environment Argo CD gives plugin commands.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BIN, PROJECT } from './cli.js';

export const repoRoot = PROJECT;
/** The installed command (this working tree plays the plugin image's /opt/mw-gitops). */
export const bin = BIN;

/**
 * Not part of a revision's files (node_modules, .git, build, .deploy), or not read by the command
 * and too big to copy for nothing (dist/: 21 MB, test/: 7 MB).
 */
const SKIP = new Set(['node_modules', '.git', 'coverage', 'build', '.deploy', 'dist', 'test']);

/**
 * A copy of the repository's sources in a new temporary directory, without node_modules, dist/
 * and test/, and without the top-level entries named in `without`.
 */
export function copyCheckout(without: readonly string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'mw-gitops-cmp-'));
  for (const name of readdirSync(repoRoot)) {
    if (SKIP.has(name) || without.includes(name)) continue;
    cpSync(join(repoRoot, name), join(dir, name), { recursive: true, filter: (src) => !src.includes(`${join(repoRoot, 'bench', 'results')}`) });
  }
  return dir;
}

/** What the plugin's init step does: the image's packages, linked into the app directory. */
export function linkNodeModules(dir: string): void {
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

/**
 * What argocd/Containerfile installs in /opt/mw-gitops: its `COPY <src>... <dest>` lines applied
 * to a temporary directory, plus the packages (linked). The command is `<dir>/bin/mw-gitops.js`.
 */
export function imageInstall(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mw-gitops-image-'));
  const containerfile = readFileSync(join(repoRoot, 'argocd/Containerfile'), 'utf8');
  for (const m of containerfile.matchAll(/^COPY (.+)$/gm)) {
    const words = m[1].trim().split(/\s+/);
    const dest = words.pop()!;
    for (const src of words) {
      const target = dest.endsWith('/') ? join(dir, dest, src) : join(dir, dest);
      cpSync(join(repoRoot, src), target, { recursive: true });
    }
  }
  linkNodeModules(dir);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

const REVISION = '4f1c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c';

/** The environment argocd-cmp-server gives init/generate (reference/argo.md a3), minus ARGOCD_ENV_*. */
export function argoEnv(app = 'mw-web-main-eqiad', namespace = 'mw-web'): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    ARGOCD_APP_NAME: app,
    ARGOCD_APP_NAMESPACE: namespace,
    ARGOCD_APP_PROJECT_NAME: 'mediawiki',
    ARGOCD_APP_REVISION: REVISION,
    ARGOCD_APP_REVISION_SHORT: REVISION.slice(0, 7),
    ARGOCD_APP_REVISION_SHORT_8: REVISION.slice(0, 8),
    ARGOCD_APP_SOURCE_PATH: '.',
    ARGOCD_APP_SOURCE_REPO_URL: 'https://gitlab.example.org/sre/mw-gitops.git',
    ARGOCD_APP_SOURCE_TARGET_REVISION: 'main',
    KUBE_VERSION: '1.31.4',
    KUBE_API_VERSIONS: 'v1,apps/v1,batch/v1,networking.k8s.io/v1,policy/v1,argoproj.io/v1alpha1,cert-manager.io/v1',
    // Argo CD's own e2e test sets an env entry to "" and expects it to arrive, empty.
    ARGOCD_ENV_EMPTY: '',
  };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  return env;
}

export interface CliRun {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export function runCli(args: readonly string[], cwd: string, env: Record<string, string>, command = bin): CliRun {
  const r = spawnSync(process.execPath, [command, ...args], { cwd, env, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
