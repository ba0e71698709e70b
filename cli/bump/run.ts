/**
 * `mw-gitops bump`: turn "flavour F now has tag T" into one branch (the base plus one commit:
 * images.yaml edited, dist/ re-rendered), pushed, and with --open-pr one pull/merge request.
 *
 * Like Renovate, the branch is regenerated from the remote base on every run and force-pushed
 * with a lease, so it always carries the newest tag and never piles up commits. All work happens
 * in a temporary `git worktree` of the user's repository, so their checkout, index and branches
 * are left as they were; only objects and short-lived private refs are added to their repository.
 */
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../../config/errors.js';
import { FlavourName } from '../../config/names.js';
import { setBuild, setFlavourTag, validateDigest, validateTag, type ImageChange } from '../../config/images-edit.js';
import { readReleasesIndex } from '../../changes/releases-index.js';
import type { ReleasesIndex } from '../../render/releases-index.js';
import { affectedImages, requestBody, requestTitle } from './request-body.js';
import { createHost, openOrUpdateRequest, type GitHost, type HostFlags } from '../hosts/index.js';
import type { HostRequest } from '../hosts/types.js';
import type { Scrub } from '../secrets.js';
import { backoff, createGit, isLostRace, type Git } from '../../git/run.js';
import { acquireLock } from '../../synth/lock.js';
import { parseImages } from '../../config/images.js';
import { planTree, type PlannedRelease } from '../../changes/plan.js';
import { readTree } from '../../synth/tree-io.js';
import { withWindows } from '../windows.js';
import { rollbackTag } from './history.js';
import { renderWithSynth, type RenderFn } from './render.js';
import { checkOutputDir } from '../../synth/tree-io.js';

export const BRANCH_PREFIX = 'mw-gitops/bump/';
export const ROLLBACK_PREFIX = 'mw-gitops/rollback/';
export const BUILD_BRANCH = `${BRANCH_PREFIX}build`;
export const DEFAULT_BASE = 'main';
const MAX_ATTEMPTS = 8;

export type BumpTarget =
  | {
      readonly kind: 'flavour';
      readonly flavour: string;
      readonly tag: string;
      readonly digest?: string;
      readonly digestKind?: string;
    }
  | { readonly kind: 'build'; readonly build: string }
  /** Restore the tag the flavour had before on the base (`mw-gitops rollback`), or `to`; its own branch, title and body. */
  | { readonly kind: 'rollback'; readonly flavour: string; readonly to?: string };

export interface BumpOptions {
  /** The source repository (any directory inside it). */
  readonly cwd: string;
  readonly target: BumpTarget;
  /** The base branch; undefined: the remote's default branch (its HEAD), else `main`. */
  readonly base?: string;
  readonly remote: string;
  /** As given by the user, relative to cwd. */
  readonly configDir: string;
  readonly out: string;
  readonly openPr: boolean;
  readonly host: HostFlags;
  readonly labels: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly scrub: Scrub;
  /** Progress and warnings (stderr). */
  readonly log: (message: string) => void;
  /** Milliseconds per retry-after second for the HTTP clients (tests shorten it). */
  readonly retryBaseMs?: number;
  /** Build the commit and the request text, but push nothing and call no API. @default false */
  readonly dryRun?: boolean;
  /** What the bump is doing, for a person at a terminal. @default silent */
  readonly progress?: (message: string) => void;
  /** The time deployment windows are checked at. @default now */
  readonly now?: Date;
}

export interface BumpDeps {
  readonly render?: RenderFn;
  /** Replaces the host built from flags and environment (tests). */
  readonly host?: GitHost;
}

export type BumpAction = 'created' | 'updated' | 'unchanged';

export interface BumpResult {
  readonly branch: string;
  /** The branch's commit on the remote after the run (the base commit when the base already had the tag). */
  readonly commit: string;
  readonly request: { readonly url: string; readonly number: number } | null;
  readonly action: BumpAction;
  readonly changes: readonly ImageChange[];
  /** Whether this run pushed a new commit. */
  readonly pushed: boolean;
  /** One line for people: what happened. */
  readonly summary: string;
  /** With dryRun: what would be pushed and sent. */
  readonly preview?: { readonly message: string; readonly title: string; readonly body: string };
}

export function branchFor(target: BumpTarget): string {
  if (target.kind === 'build') return BUILD_BRANCH;
  return `${target.kind === 'rollback' ? ROLLBACK_PREFIX : BRANCH_PREFIX}${target.flavour}`;
}

export async function runBump(options: BumpOptions, deps: BumpDeps = {}): Promise<BumpResult> {
  // Everything checkable without git or network comes first: bad input changes nothing.
  const { target } = options;
  if (target.kind === 'build') validateTag(target.build, '--build');
  else {
    if (target.kind === 'flavour') validateTag(target.tag, '--tag');
    if (target.kind === 'rollback' && target.to !== undefined) validateTag(target.to, '--to');
    if (target.kind === 'flavour' && target.digest !== undefined) validateDigest(target.digest);
    if (!FlavourName.safeParse(target.flavour).success) {
      throw new UserError(`--flavour ${JSON.stringify(target.flavour)} is not a flavour name (lower-case letters, digits, ".", "_" and "-").`);
    }
  }
  const branch = branchFor(target);
  const host = options.openPr && !options.dryRun
    ? (deps.host ?? createHost(options.host, options.env, { scrub: options.scrub, warn: options.log, retryBaseMs: options.retryBaseMs }))
    : undefined;
  const render = deps.render ?? renderWithSynth;

  const git = createGit({ cwd: options.cwd, env: options.env, scrub: options.scrub });
  const top = await git.tryRun(['rev-parse', '--show-toplevel']);
  if (!top.ok) throw new UserError(`bump runs inside the source repository, and ${options.cwd} is not in a git repository.`);
  const root = top.stdout.trim();
  const configRel = inside(root, resolve(options.cwd, options.configDir), '--config-dir');
  const outRel = inside(root, resolve(options.cwd, options.out), '--out');
  // An --out that is or holds the config, .git or the sources would push a branch deleting them.
  checkOutputDir(resolve(options.cwd, options.out), { configDir: resolve(options.cwd, options.configDir), shown: options.out });
  const imagesLabel = join(options.configDir, 'images.yaml');
  if (!(await git.tryRun(['remote', 'get-url', options.remote])).ok) {
    throw new UserError(`the repository has no remote named ${options.remote} (--remote).`);
  }
  const gitDir = resolve(root, (await git.run(['rev-parse', '--git-common-dir'], { cwd: root })).trim());
  const check = await git.tryRun(['check-ref-format', '--branch', branch]);
  if (!check.ok) throw new UserError(`${branch} is not a valid branch name.`);
  const base = options.base ?? (await remoteDefaultBranch(git, options.remote)) ?? DEFAULT_BASE;
  if (branch === base) throw new UserError(`--base ${base} is the bot's own branch; bump never pushes to the base branch.`);

  // Fail on a bad token or repository before pushing anything.
  if (host) await host.findOpenRequest(branch);

  // Bumps in this clone take turns; bumps from other clones race on the push lease instead.
  const lock = await acquireLock(join(gitDir, 'mw-gitops-bump.lock'), { timeoutMs: 10 * 60 * 1000 });
  try {
    return await regenerate({ options, base, git, root, configRel, outRel, imagesLabel, branch, host, render });
  } finally {
    await lock.release();
  }
}

interface Context {
  readonly options: BumpOptions;
  readonly base: string;
  readonly git: Git;
  readonly root: string;
  readonly configRel: string;
  readonly outRel: string;
  readonly imagesLabel: string;
  readonly branch: string;
  readonly host: GitHost | undefined;
  readonly render: RenderFn;
}

function inside(root: string, path: string, flag: string): string {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new UserError(`${flag} must name a directory inside the repository ${root}.`);
  return rel.split(sep).join('/');
}

async function regenerate(ctx: Context): Promise<BumpResult> {
  const { options, git, branch, base } = ctx;
  const id = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const refs = { base: `refs/mw-gitops/bump/${id}/base`, branch: `refs/mw-gitops/bump/${id}/branch` };
  const worktree = await mkdtemp(join(tmpdir(), 'mw-gitops-bump-'));
  let added = false;
  try {
    for (let attempt = 1; ; attempt++) {
      // 1. Where the remote base and the bot branch are now.
      options.progress?.(`fetching ${base}${attempt > 1 ? ` (attempt ${attempt})` : ''} from ${options.remote}`);
      const remote = await lsRemote(git, options.remote, [base, branch]);
      if (!remote.has(base)) throw new UserError(`the remote ${options.remote} has no branch ${base} (--base).`);
      const specs = [`+refs/heads/${base}:${refs.base}`, ...(remote.has(branch) ? [`+refs/heads/${branch}:${refs.branch}`] : [])];
      const fetched = await git.tryRun(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', options.remote, ...specs]);
      if (!fetched.ok) {
        if (attempt < MAX_ATTEMPTS) {
          await backoff(attempt);
          continue; // the branch may have vanished between ls-remote and fetch
        }
        throw new Error(`cannot fetch from ${options.remote}: ${fetched.stderr}`);
      }
      const baseSha = (await git.run(['rev-parse', '--verify', `${refs.base}^{commit}`])).trim();
      const branchSha = remote.has(branch) ? (await git.run(['rev-parse', '--verify', `${refs.branch}^{commit}`])).trim() : null;

      // 2. A clean checkout of the base, away from the user's working tree.
      if (!added) {
        await git.run(['worktree', 'add', '--quiet', '--detach', worktree, baseSha]);
        added = true;
      } else {
        await git.run(['reset', '--quiet', '--hard', baseSha], { cwd: worktree });
        await git.run(['clean', '-q', '-fdx'], { cwd: worktree });
      }

      // 3. Edit images.yaml.
      const imagesPath = await insideWorktree(worktree, join(ctx.configRel, 'images.yaml'), ctx.imagesLabel);
      const before = await readFile(imagesPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw new UserError(`${ctx.imagesLabel} does not exist on ${options.remote}/${base} (is --config-dir ${options.configDir} right?).`);
        throw err;
      });
      const target = options.target;
      const edit =
        target.kind === 'build'
          ? setBuild(before, target.build, { file: ctx.imagesLabel })
          : target.kind === 'rollback'
            ? setFlavourTag(before, target.flavour, await rollbackTag(git, refs.base, `${ctx.configRel}/images.yaml`, before, target, `${options.remote}/${base}`), undefined, {
                file: ctx.imagesLabel,
              })
            : setFlavourTag(before, target.flavour, target.tag, target.digest, { file: ctx.imagesLabel, digestKey: target.digestKind });
      if (edit.changes.length === 0) return await alreadyOnBase(ctx, baseSha);

      // 4. Re-render dist/ from the edited config.
      options.progress?.(`rendering ${ctx.outRel}/ with ${edit.changes.map((c) => `${c.flavour} ${c.to}`).join(', ')}`);
      const oldIndex = await readIndex(join(worktree, ctx.outRel, 'releases.json'));
      await writeFile(imagesPath, edit.text);
      const rendered = await ctx.render({ configDir: join(worktree, ctx.configRel), out: join(worktree, ctx.outRel), configName: ctx.configRel });
      for (const warning of rendered.warnings) options.log(`warning: ${warning}`);
      const newIndex = rendered.index;

      // 5. One commit on top of the base, unless the remote branch already is exactly that.
      await git.run(['add', '--all', '--', `${ctx.configRel}/images.yaml`, ctx.outRel], { cwd: worktree });
      const tree = (await git.run(['write-tree'], { cwd: worktree })).trim();
      const rollback = target.kind === 'rollback';
      const title = requestTitle(edit.changes, target.kind === 'build' ? target.build : undefined, rollback);
      const rows = affectedImages(oldIndex, newIndex);
      const releaseIds = new Set(rows.map((r) => `${r.cluster}/${r.namespace}/${r.release}`));
      const releases = releaseIds.size;
      options.progress?.(`planning the rollout of ${releases} release${releases === 1 ? '' : 's'}`);
      const plans = await plansFor(join(worktree, ctx.outRel), releaseIds, options.now ?? new Date());
      const body = requestBody({
        changes: edit.changes,
        before: oldIndex,
        after: newIndex,
        base,
        baseCommit: baseSha,
        build: target.kind === 'build' ? target.build : undefined,
        plans,
        buildLink: parseImages(ctx.imagesLabel, edit.text).build_link,
        window: plans.find((p) => p.window && !p.window.open)?.window,
        rollback,
      });
      const what = edit.changes.map((c) => `${c.flavour}: ${c.from} -> ${c.to}`).join('; ');
      if (options.dryRun) {
        const message = commitMessage(title, edit.changes, releases, ctx.outRel);
        return {
          branch,
          commit: baseSha,
          request: null,
          action: 'unchanged',
          changes: edit.changes,
          pushed: false,
          summary: `dry run: would push ${branch} (${what}) on top of ${base} at ${baseSha.slice(0, 12)}; ${releases} release${releases === 1 ? '' : 's'} change image`,
          preview: { message, title, body },
        };
      }

      if (branchSha && (await isRegeneration(git, branchSha, baseSha, tree))) {
        options.log(`${branch} on ${options.remote} already carries ${what} on top of ${base}; no new commit`);
        return await finish(ctx, { branchSha, pushed: false, branchAction: 'unchanged', title, body, changes: edit.changes, what, releases });
      }
      const message = commitMessage(title, edit.changes, releases, ctx.outRel);
      await git.run(['commit', '--quiet', '--no-verify', '--no-gpg-sign', '-m', message], { cwd: worktree });
      const commit = (await git.run(['rev-parse', 'HEAD'], { cwd: worktree })).trim();

      // 6. Push with a lease: only if the branch is still where we saw it.
      options.progress?.(`pushing ${branch} to ${options.remote}`);
      const pushed = await git.tryRun([
        'push',
        '--quiet',
        '--no-verify',
        `--force-with-lease=refs/heads/${branch}:${branchSha ?? ''}`,
        options.remote,
        `${commit}:refs/heads/${branch}`,
      ]);
      if (pushed.ok) {
        options.log(`pushed ${branch} (${commit.slice(0, 12)}) to ${options.remote}: ${what}`);
        return await finish(ctx, { branchSha: commit, pushed: true, branchAction: branchSha ? 'updated' : 'created', title, body, changes: edit.changes, what, releases });
      }
      if (!isLostRace(pushed.stderr) || attempt >= MAX_ATTEMPTS) {
        throw pushError(options.remote, branch, pushed.stderr, attempt);
      }
      options.log(`${branch} moved on ${options.remote} while this bump ran; regenerating (attempt ${attempt + 1})`);
      await backoff(attempt);
    }
  } finally {
    if (added) await git.tryRun(['worktree', 'remove', '--force', worktree]);
    await rm(worktree, { recursive: true, force: true });
    if (added) await git.tryRun(['worktree', 'prune']);
    await git.tryRun(['update-ref', '-d', refs.base]);
    await git.tryRun(['update-ref', '-d', refs.branch]);
  }
}

/**
 * `rel` in the worktree, refused when a symlink (of the file or a directory on the way) leads out
 * of the repository: bump reads and rewrites it, and must not touch a file elsewhere.
 */
async function insideWorktree(worktree: string, rel: string, label: string): Promise<string> {
  const path = join(worktree, rel);
  const real = await realpath(path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? path : Promise.reject(err)));
  const top = await realpath(worktree);
  const from = relative(top, real);
  if (from === '' || from.startsWith('..') || isAbsolute(from)) {
    throw new UserError(`${label} is a symbolic link leading out of the repository (to ${real}); bump edits files inside the repository only.`);
  }
  return real;
}

/** The rollout plans of the releases that change, with the deployment windows at `now`. */
async function plansFor(outDir: string, releaseIds: ReadonlySet<string>, now: Date): Promise<PlannedRelease[]> {
  const plans = planTree(await readTree(outDir), (e) => releaseIds.has(`${e.cluster}/${e.namespace}/${e.release}`));
  return withWindows(plans, now);
}

/** The branch the remote's HEAD names, if it names one that exists. */
async function remoteDefaultBranch(git: Git, remote: string): Promise<string | undefined> {
  const result = await git.tryRun(['ls-remote', '--symref', remote, 'HEAD']);
  if (!result.ok) throw remoteError(remote, result.stderr);
  const m = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(result.stdout);
  return m?.[1];
}

async function lsRemote(git: Git, remote: string, branches: readonly string[]): Promise<Map<string, string>> {
  const result = await git.tryRun(['ls-remote', '--heads', remote, ...branches.map((b) => `refs/heads/${b}`)]);
  if (!result.ok) throw remoteError(remote, result.stderr);
  const out = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (sha && ref?.startsWith('refs/heads/')) out.set(ref.slice('refs/heads/'.length), sha);
  }
  return out;
}

/** The branch is the base plus one commit with exactly this tree. */
async function isRegeneration(git: Git, branchSha: string, baseSha: string, tree: string): Promise<boolean> {
  const parents = (await git.run(['rev-list', '--parents', '-n', '1', branchSha])).trim().split(' ').slice(1);
  const branchTree = (await git.run(['rev-parse', `${branchSha}^{tree}`])).trim();
  return parents.length === 1 && parents[0] === baseSha && branchTree === tree;
}

/** The base's releases.json; null when it has none, or one this version cannot read (then every release reads as new). */
async function readIndex(path: string): Promise<ReleasesIndex | null> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return null;
  try {
    return readReleasesIndex(text);
  } catch {
    return null;
  }
}

function commitMessage(title: string, changes: readonly ImageChange[], releases: number, outRel: string): string {
  const lines = changes.map((c) => {
    const section = c.kind === 'mw' ? 'mw_flavours' : 'web_flavours';
    const digests = Object.entries(c.digestsTo).map(([k, v]) => ` (digests.${k} ${v})`).join('');
    return `${section}.${c.flavour}.tag: ${c.from} -> ${c.to}${digests}`;
  });
  return `${title}\n\n${lines.join('\n')}\n\nRe-rendered ${outRel}/: ${releases} release${releases === 1 ? '' : 's'} change image.\nGenerated by mw-gitops bump.\n`;
}

/** The base already has these values: nothing to commit. Reports the open request, if any. */
async function alreadyOnBase(ctx: Context, baseSha: string): Promise<BumpResult> {
  const { options, branch, base } = ctx;
  const target = options.target;
  const what =
    target.kind === 'build'
      ? `every flavour is already at build ${target.build}`
      : target.kind === 'rollback'
        ? `${target.flavour} is already at ${target.to}`
        : `${target.flavour} is already at ${target.tag}${target.digest ? ` (${target.digest})` : ''}`;
  const summary = `${what} on ${options.remote}/${base}; nothing to do`;
  options.log(summary);
  let request: HostRequest | null = null;
  if (ctx.host) {
    const found = await ctx.host.findOpenRequest(branch);
    if (found.kind === 'found') {
      request = found.request;
      options.log(`note: request #${request.number} from ${branch} is still open (${request.url}); the base already has this change`);
    }
  }
  return { branch, commit: baseSha, request: request && { url: request.url, number: request.number }, action: 'unchanged', changes: [], pushed: false, summary };
}

interface Finish {
  readonly branchSha: string;
  readonly pushed: boolean;
  readonly branchAction: BumpAction;
  readonly title: string;
  readonly body: string;
  readonly changes: readonly ImageChange[];
  readonly what: string;
  readonly releases: number;
}

async function finish(ctx: Context, f: Finish): Promise<BumpResult> {
  const { options, branch, git, base: baseBranch } = ctx;
  const pushedWhat = f.pushed ? `pushed ${branch} (${f.branchSha.slice(0, 12)})` : `${branch} (${f.branchSha.slice(0, 12)}) unchanged`;
  const result: Omit<BumpResult, 'request' | 'action' | 'summary'> = { branch, commit: f.branchSha, changes: f.changes, pushed: f.pushed };
  if (!ctx.host) {
    return { ...result, request: null, action: f.branchAction, summary: `${f.what}: ${pushedWhat}, ${f.releases} release${f.releases === 1 ? '' : 's'} change image` };
  }
  // Another run may have pushed a newer regeneration since: then its request update wins.
  const now = await lsRemote(git, options.remote, [branch]);
  if (now.get(branch) !== f.branchSha) {
    options.log(`${branch} was regenerated by another bump meanwhile; leaving the request to it`);
    const found = await ctx.host.findOpenRequest(branch);
    const request = found.kind === 'found' ? { url: found.request.url, number: found.request.number } : null;
    return { ...result, request, action: f.branchAction, summary: `${f.what}: ${pushedWhat}, since superseded by another bump` };
  }
  const outcome = await openOrUpdateRequest(ctx.host, { branch, base: baseBranch, title: f.title, body: f.body, labels: options.labels });
  const action: BumpAction = outcome.action === 'created' ? 'created' : f.pushed || outcome.action === 'updated' ? 'updated' : 'unchanged';
  const verb = outcome.action === 'created' ? 'opened' : outcome.action === 'updated' ? 'updated' : 'left unchanged';
  const kind = ctx.host.provider === 'github' ? 'pull request' : 'merge request';
  const mark = ctx.host.provider === 'github' ? '#' : '!';
  return {
    ...result,
    request: { url: outcome.request.url, number: outcome.request.number },
    action,
    summary: `${f.what}: ${pushedWhat}; ${verb} ${kind} ${mark}${outcome.request.number} ${outcome.request.url}`,
  };
}

function remoteError(remote: string, stderr: string): Error {
  if (/authentication|permission denied|could not read (username|password)|403|401/i.test(stderr)) {
    return new UserError(`the remote ${remote} refused access: check the credentials git uses for it. git said: ${stderr}`);
  }
  return new Error(`cannot reach the remote ${remote}: ${stderr}`);
}

function pushError(remote: string, branch: string, stderr: string, attempts: number): Error {
  if (isLostRace(stderr)) return new Error(`could not push ${branch} to ${remote}: it kept moving (${attempts} attempts). git said: ${stderr}`);
  if (/protected branch|pre-receive hook declined|denied/i.test(stderr)) {
    return new UserError(`the remote ${remote} refused ${branch}: allow the bot to push mw-gitops/bump/* branches. git said: ${stderr}`);
  }
  return remoteError(remote, stderr);
}

