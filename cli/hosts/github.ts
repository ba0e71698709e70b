/**
 * GitHub pull requests through @octokit/rest, composed with @octokit/plugin-throttling for GitHub's
 * advice to space out writes. Retries follow ./forge-http.ts (one policy and one time bound for both
 * forges) rather than the plugins': @octokit/plugin-retry ignores Retry-After and retries a create
 * blindly, and the throttling plugin's own retries (which read a Retry-After only as seconds) would
 * run outside the bound, so its rate-limit handlers decline and withRetry decides.
 *
 * Settings as GitHub Actions provides them: GITHUB_API_URL (default https://api.github.com, or
 * `https://<host>/api/v3` for GitHub Enterprise Server), GITHUB_REPOSITORY (`owner/name`),
 * GITHUB_TOKEN; `--api-url` and `--repository` override the first two. The token is read from the
 * environment only.
 */
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck/light.js';
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
import { ForgeBudget, ForgeTimeoutError, classifyStatus, isFetchFailure, withRetry, type Failure, type RetryCall } from './forge-http.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

export interface GitHubSettings {
  readonly apiUrl: string;
  /** Which flag or variable apiUrl came from, for messages. */
  readonly apiUrlFrom: string;
  readonly owner: string;
  readonly repo: string;
  readonly repositoryFrom: string;
  readonly token: string;
  /** What kind of token GITHUB_TOKEN holds, for the advice a 403 prints. */
  readonly tokenKind: TokenKind;
}

/**
 * `actions`: GitHub Actions' own GITHUB_TOKEN (a `ghs_` installation token inside a workflow);
 * `app`: another GitHub App installation token; `fine-grained` / `classic`: personal access tokens
 * (`github_pat_` / `ghp_`). GitHub documents these prefixes; anything else is `other`.
 */
export type TokenKind = 'actions' | 'app' | 'fine-grained' | 'classic' | 'other';

export function tokenKind(token: string, env: NodeJS.ProcessEnv): TokenKind {
  if (token.startsWith('github_pat_')) return 'fine-grained';
  if (token.startsWith('ghp_')) return 'classic';
  if (token.startsWith('ghs_')) return env.GITHUB_ACTIONS === 'true' ? 'actions' : 'app';
  return env.GITHUB_ACTIONS === 'true' ? 'actions' : 'other';
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
  return { apiUrl, apiUrlFrom, owner: match[1], repo: match[2], repositoryFrom, token, tokenKind: tokenKind(token, env) };
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

const Client = Octokit.plugin(throttling);
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
  const budget = new ForgeBudget(options);
  const { owner, repo } = settings;
  const full = `${owner}/${repo}`;
  const octokit: Client = new Client({
    baseUrl: settings.apiUrl,
    auth: settings.token,
    userAgent: 'mw-gitops-bump',
    log: { debug: () => {}, info: () => {}, warn: (m: string) => warn(m), error: () => {} },
    request: { fetch: budget.fetch('GitHub') },
    // The plugin only spaces writes, as GitHub asks against secondary rate limits: a second
    // between writes, three between writes that notify (opening a pull request). Our retry loop
    // handles the limits themselves, so its handlers decline. Those seconds are the budget's, like
    // every other wait here.
    throttle: {
      onRateLimit: () => false,
      onSecondaryRateLimit: () => false,
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: budget.secondMs }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 3 * budget.secondMs }),
    },
  });
  const retrying = <T>(call: RetryCall<T>, fn: () => Promise<T>): Promise<T> =>
    withRetry({ forge: 'GitHub', budget, classify, warn, explain: (err, what) => explain(err, what, settings, scrub, budget) }, call, fn);

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

  const findOpenRequest = async (branch: string): Promise<FindResult> => {
    // GitHub allows one open pull request per head and base, so one page is enough.
    const { data } = await retrying({ what: `listing open pull requests of ${full}`, idempotent: true }, () =>
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
    // Adding labels a request already has changes nothing: safe to repeat.
    const { data } = await retrying({ what: `labelling pull request #${request.number} of ${full}`, idempotent: true }, () =>
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
      const what = `opening a pull request from ${content.branch} into ${content.base} in ${full}`;
      // After a 5xx the pull request may exist: look before opening it again.
      const landed = async (): Promise<HostRequest | undefined> => {
        const found = await findOpenRequest(content.branch);
        return found.kind === 'found' ? found.request : undefined;
      };
      let created: HostRequest;
      try {
        created = await retrying({ what, idempotent: false, landed }, async () => {
          const { data } = await octokit.rest.pulls.create({ owner, repo, head: content.branch, base: content.base, title: content.title, body: content.body });
          return toRequest(await decodeJson(data));
        });
      } catch (err) {
        if (status(err) === 422 && /already exists/i.test(errorText(err))) {
          const found = await findOpenRequest(content.branch);
          if (found.kind === 'found') return { kind: 'exists', request: found.request };
          throw new Error(`GitHub says a pull request from ${content.branch} already exists in ${full}, but none is open from that branch`);
        }
        throw err;
      }
      return { kind: 'created', request: await addLabels(created, content.labels) };
    },

    async updateRequest(existing: HostRequest, content: RequestContent): Promise<UpdateResult> {
      if (!needsUpdate(existing, content)) return { kind: 'unchanged', request: existing };
      let request = existing;
      if (contentDiffers(existing, content)) {
        const { data } = await retrying({ what: `updating pull request #${existing.number} of ${full}`, idempotent: true }, () =>
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

function classify(err: unknown): Failure {
  const e = err as { status?: unknown; cause?: unknown; response?: { headers?: Record<string, string> } } | null;
  if (e?.cause instanceof ForgeTimeoutError) return { kind: 'final' };
  const code = status(err);
  if (code === undefined) return { kind: 'final' };
  // @octokit/request reports a dropped connection as a 500 without a response.
  if (!e?.response) return isFetchFailure(e?.cause) ? { kind: 'transient', label: 'connection failed' } : { kind: 'final' };
  const headers = e.response.headers ?? {};
  return classifyStatus(code, (name) => headers[name], serverMessage(err));
}

/** What the token needs, said in the terms of its kind. */
function permissionAdvice(settings: GitHubSettings, detail: string): string {
  const full = `${settings.owner}/${settings.repo}`;
  const actionsRefused = /not permitted to create or approve pull requests/i.test(detail);
  if (settings.tokenKind === 'actions' || actionsRefused) {
    return (
      `GitHub Actions' GITHUB_TOKEN opens pull requests only when ${full} (or its organization) allows it under Settings → Actions → General → ` +
      `Workflow permissions → "Allow GitHub Actions to create and approve pull requests", and the workflow grants permissions: contents: write, ` +
      `pull-requests: write (issues: write for labels). Pull requests it opens start no workflows; for checks to run on them, pass a GitHub App ` +
      `installation token (e.g. from actions/create-github-app-token) or a fine-grained personal access token as GITHUB_TOKEN instead`
    );
  }
  if (settings.tokenKind === 'app') return `the GitHub App's installation on ${full} needs the permissions Pull requests: write and Contents: write (Issues: write for labels)`;
  if (settings.tokenKind === 'fine-grained') {
    return `the fine-grained personal access token needs access to ${full} with Pull requests: write and Contents: write (Issues: write for labels), approved by the organization if it requires approval`;
  }
  if (settings.tokenKind === 'classic') return `the classic personal access token needs the repo scope (public_repo for a public repository), authorized for SSO if the organization enforces it`;
  return `give the token pull-requests: write and contents: write (issues: write for labels) on ${full}`;
}

/** A clear error for the user; 401/403/404/422 are theirs to fix (UserError), the rest exit 1. The status stays on the error. */
function explain(err: unknown, what: string, settings: GitHubSettings, scrub: Scrub, budget: ForgeBudget): Error {
  const out = describe(err, what, settings, scrub, budget);
  const e = err as { status?: unknown; response?: unknown } | null;
  Object.defineProperty(out, 'status', { value: e?.status, enumerable: false });
  Object.defineProperty(out, 'response', { value: e?.response, enumerable: false });
  return out;
}

function describe(err: unknown, what: string, settings: GitHubSettings, scrub: Scrub, budget: ForgeBudget): Error {
  const code = status(err);
  const detail = scrub(serverMessage(err));
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause instanceof ForgeTimeoutError) {
    return new Error(`${scrub(cause.message)} while ${what}; running bump again is safe (it updates an open pull request instead of opening another)`);
  }
  if (code === 401) {
    return new UserError(`GitHub rejected GITHUB_TOKEN (401 Unauthorized) while ${what}: set GITHUB_TOKEN to a valid token. GitHub said: ${detail}`);
  }
  if (code === 403 || code === 429) {
    const headers = ((err as { response?: { headers?: Record<string, string> } } | null)?.response?.headers ?? {}) as Record<string, string>;
    if (code === 429 || headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(detail)) {
      const reset = Number(headers['x-ratelimit-reset']);
      const when = Number.isFinite(reset) && reset > 0 ? ` (resets at ${new Date(reset * 1000).toISOString()})` : '';
      return new Error(`GitHub rate limit exhausted while ${what}${when}, after waiting up to ${budget.describeBound()}; run again later. GitHub said: ${detail}`);
    }
    return new UserError(`GitHub refused GITHUB_TOKEN (403 Forbidden) while ${what}: ${permissionAdvice(settings, detail)}. GitHub said: ${detail}`);
  }
  if (code === 404) {
    return new UserError(
      `GitHub answered 404 Not Found while ${what}: check the repository ${settings.owner}/${settings.repo} (${settings.repositoryFrom}) and the API URL ${settings.apiUrl} (${settings.apiUrlFrom}), and that GITHUB_TOKEN can see it.`,
    );
  }
  if (code === 422) return new UserError(`GitHub refused the request while ${what} (422): ${scrub(errorText(err).trim())}`);
  if (code !== undefined && (err as { response?: unknown }).response) return new Error(`GitHub API error ${code} while ${what}: ${detail}`);
  return new Error(`cannot reach the GitHub API at ${settings.apiUrl} while ${what}: ${detail}`);
}
