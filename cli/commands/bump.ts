/**
 * `mw-gitops bump (--flavour F --tag T [--digest D] | --build B) [--open-pr]`: see docs/bump.md.
 * Parses flags and prints; the work is in cli/bump/run.ts.
 */
import type { Command } from 'commander';
import { UserError } from '../../config/errors.js';
import { DEFAULT_CONFIG_DIR } from '../../synth/config-files.js';
import { BRANCH_PREFIX, BUILD_BRANCH, runBump, type BumpResult, type BumpTarget } from '../bump/run.js';
import { scrubError } from '../../git/redact.js';
import { envScrubber } from '../secrets.js';
import { progressReporter } from '../progress.js';

export interface BumpFlags {
  flavour?: string;
  tag?: string;
  digest?: string;
  kind?: string;
  build?: string;
  openPr?: boolean;
  provider?: string;
  apiUrl?: string;
  repository?: string;
  project?: string;
  labels?: string;
  base?: string;
  remote: string;
  configDir: string;
  out: string;
  json?: boolean;
  dryRun?: boolean;
}

/** Test knob: milliseconds one "retry after N seconds" second lasts for the HTTP clients. */
export const RETRY_BASE_VARIABLE = 'MW_GITOPS_RETRY_BASE_MS';

export function register(program: Command): void {
  const command = program
    .command('bump')
    .description(
      'Set an image flavour to a new tag (or every flavour to a new build) in images.yaml, re-render dist/, and push ' +
        `the result as one commit on top of the remote base branch to the bot branch ${BRANCH_PREFIX}<flavour> ` +
        `(${BUILD_BRANCH} for --build), regenerated on every run. With --open-pr, open or update the one pull/merge ` +
        "request from that branch. Works in a temporary git worktree: your checkout is not touched. A tag the base " +
        'already has is a no-op. Exit codes: 0 done, 2 bad input or settings, 1 anything else.',
    )
    .option('--flavour <name>', 'the mw or web flavour to bump (a key of mw_flavours or web_flavours in images.yaml); needs --tag')
    .option('--tag <tag>', 'the new image tag of --flavour (OCI tag: letters, digits, "_", "." and "-", at most 128)')
    .option('--digest <digest>', 'also pin the image by digest (sha256:<64 hex>); a new tag without it drops digests pinned for the old tag')
    .option('--kind <mw_kind>', 'which image of an mw flavour --digest pins (image, debug-image, cli-image)', undefined)
    .option('--build <build>', 'set every flavour\'s tag to <build>-<flavour> (instead of --flavour/--tag)');
  requestOptions(command)
    .addHelpText(
      'after',
      '\nTokens come only from the environment: GITHUB_TOKEN (GitHub; with GITHUB_API_URL, GITHUB_REPOSITORY) or\n' +
        'GITLAB_TOKEN (GitLab; with CI_API_V4_URL or GITLAB_URL, CI_PROJECT_PATH). Commits use GIT_AUTHOR_* /\n' +
        'GIT_COMMITTER_* when set, else mw-gitops <mw-gitops@localhost>.\n\n' +
        'Examples:\n' +
        '  mw-gitops bump --flavour publish-83 --tag 2025-03-11-120000-publish-83\n' +
        '  GITHUB_TOKEN=… mw-gitops bump --build 2025-03-11-120000 --open-pr --labels images --json\n',
    )
    .action((flags: BumpFlags) => execute(flags, target(flags)));
}

/** The options bump and rollback share: where the branch goes, the request, output. */
export function requestOptions(command: Command): Command {
  return command
    .option('--open-pr', 'open a pull request (GitHub) or merge request (GitLab) from the branch, or update the open one')
    .option('--provider <name>', 'git host for --open-pr: github or gitlab (default: decided by the variables that are set; needed when both are)')
    .option('--api-url <url>', 'API URL, overriding GITHUB_API_URL (GitHub) or CI_API_V4_URL / GITLAB_URL (GitLab)')
    .option('--repository <owner/name>', 'GitHub repository, overriding GITHUB_REPOSITORY')
    .option('--project <group/project>', 'GitLab project path, overriding CI_PROJECT_PATH')
    .option('--labels <a,b>', 'comma-separated labels to add to the request', '')
    .option('--base <branch>', "the branch the bot branch is regenerated from and the request targets (default: the remote's default branch, else main)")
    .option('--remote <name>', 'the git remote to fetch the base from and push the branch to', 'origin')
    .option('--config-dir <dir>', 'the configuration directory (deployments.yaml, images.yaml and the catalogues of sites and services)', DEFAULT_CONFIG_DIR)
    .option('--out <dir>', 'the rendered tree re-rendered by the bump', 'dist')
    .option('--dry-run', 'print the branch, commit message, request title and body it would send; push nothing, call no API')
    .option('--json', 'print one JSON object: {branch, commit, request: {url, number} | null, action: created|updated|unchanged} (with --dry-run: {branch, dryRun, message, title, body})');
}

/** Runs bump (or rollback) with these flags and prints the result. */
export async function execute(flags: BumpFlags, bumpTarget: BumpTarget, extraLabels: readonly string[] = []): Promise<void> {
      const env = process.env;
      const scrub = envScrubber(env);
      try {
        const retryBase = Number(env[RETRY_BASE_VARIABLE]);
        const result = await runBump({
          cwd: process.cwd(),
          target: bumpTarget,
          base: flags.base,
          remote: flags.remote,
          configDir: flags.configDir,
          out: flags.out,
          openPr: Boolean(flags.openPr),
          host: { provider: flags.provider, apiUrl: flags.apiUrl, repository: flags.repository, project: flags.project },
          labels: [...new Set([...labels(flags.labels), ...extraLabels])],
          env,
          scrub,
          log: (message) => process.stderr.write(`${scrub(message)}\n`),
          retryBaseMs: Number.isFinite(retryBase) && retryBase >= 0 && env[RETRY_BASE_VARIABLE] ? retryBase : undefined,
          dryRun: Boolean(flags.dryRun),
          progress: progressReporter({ json: flags.json, env }),
        });
        if (result.preview) {
          process.stdout.write(scrub(previewText(result.branch, result.preview, Boolean(flags.json))));
        } else if (flags.json) {
          process.stdout.write(resultJson(result));
        } else {
          process.stdout.write(`${scrub(result.summary)}\n`);
        }
      } catch (err) {
        throw scrubError(err, scrub);
      }
}

/** The `--json` line of a run that was not a dry run. */
export function resultJson(result: BumpResult): string {
  return `${JSON.stringify({ branch: result.branch, commit: result.commit, request: result.request, action: result.action })}\n`;
}

/** What a dry run would push and send, for people or (--json) for programs. */
export function previewText(branch: string, preview: { message: string; title: string; body: string }, json: boolean): string {
  if (json) return `${JSON.stringify({ branch, dryRun: true, ...preview })}\n`;
  return [`branch: ${branch}`, '', '--- commit message ---', preview.message.trimEnd(), '', `--- request title ---`, preview.title, '', '--- request body ---', preview.body.trimEnd(), ''].join('\n');
}

function target(flags: BumpFlags): BumpTarget {
  if (flags.build !== undefined) {
    if (flags.flavour !== undefined || flags.tag !== undefined || flags.digest !== undefined) {
      throw new UserError('--build sets every flavour; do not combine it with --flavour, --tag or --digest.');
    }
    return { kind: 'build', build: flags.build };
  }
  if (flags.flavour === undefined || flags.tag === undefined) {
    throw new UserError('bump needs --flavour F --tag T, or --build B.');
  }
  if (flags.kind !== undefined && flags.digest === undefined) throw new UserError('--kind says which image --digest pins; give --digest too.');
  return { kind: 'flavour', flavour: flags.flavour, tag: flags.tag, digest: flags.digest, digestKind: flags.kind };
}

function labels(value: string | undefined): string[] {
  return [...new Set((value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''))];
}
