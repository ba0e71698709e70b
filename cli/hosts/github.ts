/**
 * GitHub pull requests through @octokit/rest, composed with @octokit/plugin-retry (5xx and
 * network errors) and @octokit/plugin-throttling (primary and secondary rate limits, and GitHub's
 * advice to space out writes).
 *
 * Settings as GitHub Actions provides them: GITHUB_API_URL (default https://api.github.com, or
 * `https://<host>/api/v3` for GitHub Enterprise Server), GITHUB_REPOSITORY (`owner/name`),
 * GITHUB_TOKEN; `--api-url` and `--repository` override the first two. The token is read from the
 * environment only.
 */
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { UserError } from '../../config/errors.js';
import type { Scrub } from '../secrets.js';
import {
  baseDiffers,
  contentDiffers,
  decodeJson,
  missingLabels,
  sameName,
  needsUpdate,
  type CreateResult,
  type FindResult,
  type GitHost,
  type HostRequest,
  type RequestContent,
  type RetryOptions,
  type UpdateResult,
} from './types.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

export interface GitHubSettings {
  readonly apiUrl: string;
  /** Which flag or variable apiUrl came from, for messages. */
  readonly apiUrlFrom: string;
  readonly owner: string;
  readonly repo: string;
  readonly repositoryFrom: string;
  readonly token: string;
}

export interface GitHubFlags {
  readonly apiUrl?: string;
  readonly repository?: string;
}

/** Reads the settings; a missing or malformed one is a UserError naming the variable or flag. */
export function githubSettings(flags: GitHubFlags, env: NodeJS.ProcessEnv): GitHubSettings {
  const [apiUrlRaw, apiUrlFrom] = flags.apiUrl
    ? [flags.apiUrl, '--api-url']
    : env.GITHUB_API_URL
      ? [env.GITHUB_API_URL, 'GITHUB_API_URL']
      : [DEFAULT_GITHUB_API_URL, 'the default'];
  const apiUrl = httpUrl(apiUrlRaw, apiUrlFrom).replace(/\/+$/, '');
  const [repository, repositoryFrom] = flags.repository ? [flags.repository, '--repository'] : [env.GITHUB_REPOSITORY, 'GITHUB_REPOSITORY'];
  if (!repository) {
    throw new UserError('GITHUB_REPOSITORY is not set: name the repository to open the pull request in as owner/name (or pass --repository).');
  }
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repository);
  if (!match) throw new UserError(`${repositoryFrom} must be owner/name, got ${JSON.stringify(repository)}.`);
  const token = env.GITHUB_TOKEN;
  if (!token) {
    throw new UserError('GITHUB_TOKEN is not set: opening a pull request needs a token with pull-requests: write (and issues: write for labels).');
  }
  return { apiUrl, apiUrlFrom, owner: match[1], repo: match[2], repositoryFrom, token };
}

function httpUrl(value: string, from: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`${from} is not a URL: ${JSON.stringify(value)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`${from} must be an http(s) URL, got ${JSON.stringify(value)}.`);
  if (url.username || url.password) throw new UserError(`${from} must not carry credentials; put the token in the environment variable instead.`);
  return url.toString();
}

export interface GitHubHostOptions extends RetryOptions {
  /** Where retry and rate-limit notices go (already scrubbed). */
  readonly warn?: (message: string) => void;
  readonly scrub?: Scrub;
}

const Client = Octokit.plugin(retry, throttling);
type Client = InstanceType<typeof Client>;

/** The fields bump reads from a pull-request or pull-request-simple answer (all checked, none trusted). */
interface PullLike {
  number?: number;
  html_url?: string;
  url?: string;
  title?: string;
  body?: string | null;
  state?: string;
  labels?: ({ name?: string } | string)[];
  head?: { ref?: string; label?: string; repo?: { full_name?: string } | null };
  base?: { ref?: string };
}

export function createGitHubHost(settings: GitHubSettings, options: GitHubHostOptions = {}): GitHost {
  const scrub = options.scrub ?? ((s: string) => s.split(settings.token).join('***'));
  const warn = (message: string) => options.warn?.(scrub(message));
  const baseMs = options.retryBaseMs ?? 1000;
  const maxWait = options.maxRateLimitWaitSeconds ?? 300;
  const { owner, repo } = settings;
  const full = `${owner}/${repo}`;
  const onLimit = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    if (retryCount < 3 && retryAfter <= maxWait) {
      warn(`GitHub ${kind} reached on ${request.method} ${request.url}; retrying in ${retryAfter}s`);
      return true;
    }
    return false;
  };
  const octokit: Client = new Client({
    baseUrl: settings.apiUrl,
    auth: settings.token,
    userAgent: 'mw-gitops-bump',
    log: { debug: () => {}, info: () => {}, warn: (m: string) => warn(m), error: () => {} },
    retry: { retryAfterBaseValue: baseMs },
    throttle: {
      retryAfterBaseValue: baseMs,
      onRateLimit: onLimit('rate limit'),
      onSecondaryRateLimit: onLimit('secondary rate limit'),
    },
  });

  const toRequest = (value: unknown): HostRequest => {
    const pull = (value ?? {}) as PullLike;
    if (typeof pull.number !== 'number') throw new Error(`GitHub answered with a pull request without a number: ${JSON.stringify(value).slice(0, 200)}`);
    return {
      number: pull.number,
      url: pull.html_url ?? pull.url ?? '',
      title: pull.title ?? '',
      body: pull.body ?? '',
      labels: (pull.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((n) => n !== ''),
      branch: pull.head?.ref ?? '',
      base: pull.base?.ref ?? '',
    };
  };
  /** An open pull request from `branch` in this repository (fork heads and closed ones excluded). */
  const isMine = (pull: PullLike, branch: string): boolean => {
    if (pull.head?.ref !== branch) return false;
    if (pull.state !== undefined && pull.state !== 'open') return false;
    if (pull.head.repo?.full_name) return sameName(pull.head.repo.full_name, full);
    if (pull.head.label) return sameName(pull.head.label, `${owner}:${branch}`);
    return true;
  };

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw explain(err, what, settings, scrub);
    }
  };

  const findOpenRequest = async (branch: string): Promise<FindResult> => {
    // GitHub allows one open pull request per head and base, so one page is enough.
    const { data } = await call(`listing open pull requests of ${full}`, () =>
      octokit.rest.pulls.list({ owner, repo, head: `${owner}:${branch}`, state: 'open', per_page: 100 }),
    );
    const pulls = await decodeJson(data);
    if (!Array.isArray(pulls)) throw new Error(`GitHub answered the pull request list of ${full} with something that is not a list`);
    // GitHub ignores a malformed head filter; check every answer ourselves.
    const mine = (pulls as PullLike[]).find((p) => isMine(p, branch));
    return mine ? { kind: 'found', request: toRequest(mine) } : { kind: 'none' };
  };

  const addLabels = async (request: HostRequest, labels: readonly string[]): Promise<HostRequest> => {
    if (labels.length === 0) return request;
    const { data } = await call(`labelling pull request #${request.number} of ${full}`, () =>
      octokit.rest.issues.addLabels({ owner, repo, issue_number: request.number, labels: [...labels] }),
    );
    const answer = await decodeJson(data);
    const names = Array.isArray(answer) ? answer.map((l: { name?: string } | string) => (typeof l === 'string' ? l : (l?.name ?? ''))).filter((n) => n !== '') : [];
    return { ...request, labels: [...new Set([...request.labels, ...labels, ...names])] };
  };

  return {
    provider: 'github',
    description: `GitHub repository ${full} at ${settings.apiUrl}`,
    findOpenRequest,

    async createRequest(content: RequestContent): Promise<CreateResult> {
      let created: HostRequest;
      try {
        const { data } = await octokit.rest.pulls.create({ owner, repo, head: content.branch, base: content.base, title: content.title, body: content.body });
        created = toRequest(await decodeJson(data));
      } catch (err) {
        if (status(err) === 422 && /already exists/i.test(errorText(err))) {
          const found = await findOpenRequest(content.branch);
          if (found.kind === 'found') return { kind: 'exists', request: found.request };
          throw new Error(`GitHub says a pull request from ${content.branch} already exists in ${full}, but none is open from that branch`);
        }
        throw explain(err, `opening a pull request from ${content.branch} into ${content.base} in ${full}`, settings, scrub);
      }
      return { kind: 'created', request: await addLabels(created, content.labels) };
    },

    async updateRequest(existing: HostRequest, content: RequestContent): Promise<UpdateResult> {
      if (!needsUpdate(existing, content)) return { kind: 'unchanged', request: existing };
      let request = existing;
      if (contentDiffers(existing, content)) {
        const { data } = await call(`updating pull request #${existing.number} of ${full}`, () =>
          octokit.rest.pulls.update({
            owner,
            repo,
            pull_number: existing.number,
            title: content.title,
            body: content.body,
            ...(baseDiffers(existing, content) ? { base: content.base } : {}),
          }),
        );
        request = toRequest(await decodeJson(data));
      }
      request = await addLabels(request, missingLabels(request, content));
      return { kind: 'updated', request };
    },
  };
}

function status(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** The error's message plus the `errors` GitHub lists for a 422, where "already exists" lives. */
function errorText(err: unknown): string {
  const e = err as { message?: string; response?: { data?: unknown } } | null;
  return `${e?.message ?? ''} ${JSON.stringify(e?.response?.data ?? '')}`;
}

function serverMessage(err: unknown): string {
  const data = (err as { response?: { data?: { message?: unknown } } } | null)?.response?.data;
  return typeof data?.message === 'string' ? data.message : ((err as Error | null)?.message ?? String(err));
}

/** A clear error for the user; 401/403/404/422 are theirs to fix (UserError), the rest exit 1. */
function explain(err: unknown, what: string, settings: GitHubSettings, scrub: Scrub): Error {
  const code = status(err);
  const detail = scrub(serverMessage(err));
  const full = `${settings.owner}/${settings.repo}`;
  const headers = ((err as { response?: { headers?: Record<string, string> } } | null)?.response?.headers ?? {}) as Record<string, string>;
  if (code === 401) {
    return new UserError(`GitHub rejected GITHUB_TOKEN (401 Unauthorized) while ${what}: set GITHUB_TOKEN to a valid token. GitHub said: ${detail}`);
  }
  if (code === 403 || code === 429) {
    if (headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(detail)) {
      const reset = Number(headers['x-ratelimit-reset']);
      const when = Number.isFinite(reset) && reset > 0 ? ` (resets at ${new Date(reset * 1000).toISOString()})` : '';
      return new Error(`GitHub rate limit exhausted while ${what}${when}, after retrying; run again later. GitHub said: ${detail}`);
    }
    return new UserError(
      `GitHub refused GITHUB_TOKEN (403 Forbidden) while ${what}: give the token pull-requests: write and issues: write on ${full}. GitHub said: ${detail}`,
    );
  }
  if (code === 404) {
    return new UserError(
      `GitHub answered 404 Not Found while ${what}: check the repository ${full} (${settings.repositoryFrom}) and the API URL ${settings.apiUrl} (${settings.apiUrlFrom}), and that GITHUB_TOKEN can see it.`,
    );
  }
  if (code === 422) return new UserError(`GitHub refused the request while ${what} (422): ${scrub(errorText(err).trim())}`);
  if (code !== undefined) return new Error(`GitHub API error ${code} while ${what}, after retrying: ${detail}`);
  return new Error(`cannot reach the GitHub API at ${settings.apiUrl} while ${what}: ${detail}`);
}
