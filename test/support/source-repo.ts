/**
 * A throw-away copy of the project's source repository for bump tests: a bare `origin.git` on
 * disk and a clone `src` holding a five-release copy of the real environments/ (small-project.ts)
 * and a dist/ rendered from it, plus helpers to run git and the real CLI. Git identity is passed
 * explicitly, never taken from the machine.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { renderWithSynth } from '../../cli/bump/render.js';
import { runBump, type BumpOptions } from '../../cli/bump/run.js';
import { resultJson } from '../../cli/commands/bump.js';
import { envScrubber } from '../../cli/secrets.js';
import { UserError } from '../../config/errors.js';
import { readTree, treesEqual } from '../../synth/tree-io.js';

import { PROJECT } from './cli.js';
import { BUMP_DEPLOYMENTS, copySmallEnvironments } from './small-project.js';
import { runCli as runCliIn, type CliResult } from './git.js';
import { runFixture } from './run-fixture.js';

export { PROJECT };

export const IDENTITY = {
  GIT_AUTHOR_NAME: 'Test Bot',
  GIT_AUTHOR_EMAIL: 'test-bot@example.org',
  GIT_COMMITTER_NAME: 'Test Bot',
  GIT_COMMITTER_EMAIL: 'test-bot@example.org',
};

/** The comment the fixture puts directly above publish-83's tag; bump must keep it. */
export const TAG_COMMENT = '    # Built by the train pipeline; bump edits the line below.';

export interface SourceRepo {
  readonly dir: string;
  readonly origin: string;
  readonly src: string;
  /** A clean environment for the CLI: PATH, HOME, identity; no tokens from the machine. */
  readonly env: NodeJS.ProcessEnv;
  git(args: readonly string[], cwd?: string): string;
  /** Another clone of origin (a second bot on another machine). */
  clone(name: string): string;
  /** The file at `ref` in origin. */
  show(ref: string, path: string): string;
  cleanup(): Promise<void>;
}

/** The pristine fixture, built once per run (run-fixture.ts) into `dir` and copied for each test. */
async function buildTemplate(dir: string): Promise<void> {
  const env = gitEnv(dir);
  const git = (args: readonly string[], cwd: string) => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const src = join(dir, 'src');
  git(['init', '--quiet', '--bare', '--initial-branch=main', join(dir, 'origin.git')], dir);
  git(['init', '--quiet', '--initial-branch=main', src], dir);
  copySmallEnvironments(src, BUMP_DEPLOYMENTS);
  const imagesPath = join(src, 'environments', 'images.yaml');
  const images = await readFile(imagesPath, 'utf8');
  const withComment = images.replace(/^(  publish-83:\n)(    tag: )/m, `$1${TAG_COMMENT}\n$2`);
  if (withComment === images) throw new Error('fixture: could not place the comment above publish-83.tag');
  await writeFile(imagesPath, withComment);
  await renderWithSynth({ configDir: join(src, 'environments'), out: join(src, 'dist'), configName: 'environments' });
  git(['add', '--all'], src);
  git(['commit', '--quiet', '-m', 'Source repository fixture'], src);
  // A relative URL, so copies of the template point at their own origin.git.
  git(['remote', 'add', 'origin', '../origin.git'], src);
  git(['push', '--quiet', 'origin', 'main'], src);
}

function gitEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, TMPDIR: process.env.TMPDIR, GIT_CONFIG_NOSYSTEM: '1', ...IDENTITY };
}

export async function createSourceRepo(): Promise<SourceRepo> {
  const template = await runFixture('bump-source-repo', buildTemplate);
  const dir = await mkdtemp(join(tmpdir(), 'mw-gitops-bump-test-'));
  // cp(1), not fs.cp: the copy (some 180 files, 9 MB) is a third of the CPU time in node.
  await promisify(execFile)('cp', ['-R', `${template}/.`, dir]);
  const origin = join(dir, 'origin.git');
  const src = join(dir, 'src');
  const env = gitEnv(dir);
  const git = (args: readonly string[], cwd = src) => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    dir,
    origin,
    src,
    env,
    git,
    clone(name: string) {
      const path = join(dir, name);
      git(['clone', '--quiet', origin, path], dir);
      return path;
    },
    show: (ref, path) => git(['show', `${ref}:${path}`], origin),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export type { CliResult } from './git.js';

/** Runs the installed command (bin/mw-gitops.js) as a child process, with exactly `env`. */
export function runCli(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliResult> {
  const env = Object.fromEntries(Object.entries(options.env).filter((e): e is [string, string] => e[1] !== undefined));
  return runCliIn([...args], options.cwd, env);
}

/** Whether `branch` in origin is consistent: its dist/ is exactly the render of its environments/. */
export async function branchIsConsistent(repo: SourceRepo, branch: string): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'mw-gitops-bump-check-'));
  try {
    repo.git(['clone', '--quiet', '--branch', branch, repo.origin, join(dir, 'co')], dir);
    await renderWithSynth({ configDir: join(dir, 'co', 'environments'), out: join(dir, 'render'), configName: 'environments' });
    return treesEqual(await readTree(join(dir, 'co', 'dist')), await readTree(join(dir, 'render')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** In-process bump options for `repo`: flavour publish-83 to `tag`, no request, quiet. */
export function bumpOptions(repo: SourceRepo, tag: string, overrides: Partial<BumpOptions> = {}): BumpOptions {
  return {
    cwd: repo.src,
    target: { kind: 'flavour', flavour: 'publish-83', tag },
    base: 'main',
    remote: 'origin',
    configDir: 'environments',
    out: 'dist',
    openPr: false,
    host: {},
    labels: [],
    env: repo.env,
    scrub: (s) => s,
    log: () => {},
    ...overrides,
  };
}

/**
 * `options` run by runBump in this process, reported the way `bump --json` reports it: exit code,
 * stdout, stderr, scrubbed with the scrubber the command builds from the environment. For tests
 * whose point is what bump does and says, not the process (a UserError is the exit code the
 * command gives it; any other error is thrown). The real process is run where its exit codes,
 * output or environment handling are the point (runCli).
 */
export async function runBumpReported(options: BumpOptions): Promise<CliResult> {
  const scrub = envScrubber(options.env);
  const stderr: string[] = [];
  try {
    const result = await runBump({ ...options, scrub, log: (message) => stderr.push(`${scrub(message)}\n`) });
    return { code: 0, stdout: resultJson(result), stderr: stderr.join('') };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { code: err.exitCode, stdout: '', stderr: `${stderr.join('')}mw-gitops: ${scrub(err.message)}\n` };
  }
}

/** Two later tags of flavour publish-83 than the one the template's images.yaml has. */
export const T1 = '2025-03-11-120000-publish-83';
export const T2 = '2025-03-18-120000-publish-83';
