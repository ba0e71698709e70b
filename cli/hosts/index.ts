/**
 * Picks the git host from `--provider` or from the variables the CI system set, and opens or
 * updates the one request per branch.
 */
import { UserError } from '../../config/errors.js';
import { createGitHubHost, githubSettings } from './github.js';
import { createGitLabHost, gitlabSettings } from './gitlab.js';
import { PROVIDERS, type GitHost, type ProviderName, type RequestContent, type RequestOutcome, type RetryOptions } from './types.js';
import type { Scrub } from '../secrets.js';

export type { GitHost, ProviderName, RequestContent, RequestOutcome } from './types.js';

export interface HostFlags {
  readonly provider?: string;
  readonly apiUrl?: string;
  /** GitHub owner/name. */
  readonly repository?: string;
  /** GitLab group/project. */
  readonly project?: string;
}

const GITHUB_VARIABLES = ['GITHUB_REPOSITORY', 'GITHUB_API_URL', 'GITHUB_TOKEN'] as const;
const GITLAB_VARIABLES = ['CI_PROJECT_PATH', 'CI_API_V4_URL', 'GITLAB_URL', 'GITLAB_TOKEN'] as const;

/**
 * `--provider`, else decided by what is set: `--repository` / `--project`; then which token is
 * set (CI runners set location variables such as GITHUB_REPOSITORY on their own, but a token only
 * when the job asks for it); then which host's location variables are set. Still both: UserError.
 */
export function chooseProvider(flags: HostFlags, env: NodeJS.ProcessEnv): ProviderName {
  if (flags.provider !== undefined) {
    if (!(PROVIDERS as readonly string[]).includes(flags.provider)) {
      throw new UserError(`unknown --provider ${JSON.stringify(flags.provider)}; valid providers: ${PROVIDERS.join(', ')}.`);
    }
    return flags.provider as ProviderName;
  }
  if (flags.repository && flags.project) {
    throw new UserError('--repository (GitHub) and --project (GitLab) were both given; choose the host with --provider github|gitlab.');
  }
  if (flags.repository) return 'github';
  if (flags.project) return 'gitlab';
  const githubToken = Boolean(env.GITHUB_TOKEN);
  const gitlabToken = Boolean(env.GITLAB_TOKEN);
  if (githubToken !== gitlabToken) return githubToken ? 'github' : 'gitlab';
  const github = GITHUB_VARIABLES.filter((v) => env[v]);
  const gitlab = GITLAB_VARIABLES.filter((v) => env[v]);
  const githubPlace = github.some((v) => v !== 'GITHUB_TOKEN');
  const gitlabPlace = gitlab.some((v) => v !== 'GITLAB_TOKEN');
  if (githubPlace && !gitlabPlace) return 'github';
  if (gitlabPlace && !githubPlace) return 'gitlab';
  if (github.length > 0 && gitlab.length > 0) {
    throw new UserError(
      `both GitHub (${github.join(', ')}) and GitLab (${gitlab.join(', ')}) settings are present; choose one with --provider github|gitlab.`,
    );
  }
  throw new UserError(
    '--open-pr needs a git host: set GITHUB_REPOSITORY and GITHUB_TOKEN (GitHub) or CI_PROJECT_PATH and GITLAB_TOKEN (GitLab), or pass --provider github|gitlab.',
  );
}

export interface HostOptions extends RetryOptions {
  readonly warn?: (message: string) => void;
  readonly scrub?: Scrub;
}

/** Builds the host from flags and environment; every missing setting is a UserError naming it. */
export function createHost(flags: HostFlags, env: NodeJS.ProcessEnv, options: HostOptions = {}): GitHost {
  const provider = chooseProvider(flags, env);
  if (provider === 'github') {
    if (flags.project) throw new UserError('--project is for GitLab; on GitHub name the repository with --repository owner/name.');
    return createGitHubHost(githubSettings(flags, env), options);
  }
  if (flags.repository) throw new UserError('--repository is for GitHub; on GitLab name the project with --project group/project.');
  return createGitLabHost(gitlabSettings(flags, env), options);
}

/** Updates the open request from `content.branch`, or creates one; never a second one. */
export async function openOrUpdateRequest(host: GitHost, content: RequestContent): Promise<RequestOutcome> {
  const found = await host.findOpenRequest(content.branch);
  if (found.kind === 'found') {
    const updated = await host.updateRequest(found.request, content);
    return { action: updated.kind, request: updated.request };
  }
  const created = await host.createRequest(content);
  if (created.kind === 'created') return { action: 'created', request: created.request };
  // Another run opened it between our look-up and our create: bring it up to date instead.
  const updated = await host.updateRequest(created.request, content);
  return { action: updated.kind, request: updated.request };
}
