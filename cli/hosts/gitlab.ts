/**
 * GitLab merge requests through @gitbeaker/rest.
 *
 * Settings as GitLab CI provides them: CI_API_V4_URL (`https://<host>/api/v4`; the /api/v4 is
 * stripped, gitbeaker adds it) or GITLAB_URL (the instance URL), CI_PROJECT_PATH
 * (`group/project`), GITLAB_TOKEN (a project, group or personal access token with `api` scope;
 * CI_JOB_TOKEN cannot open merge requests); `--api-url` and `--project` override. The token is
 * read from the environment only.
 *
 * gitbeaker builds the API calls; the HTTP under them is ours (a requesterFn, gitbeaker's extension
 * point), because gitbeaker's own retries 429 and 502 for about 0.25 s in all, ignores Retry-After
 * and waits up to 300 s for an answer. Timeouts, retries and their bound follow ./forge-http.ts;
 * a create is retried after a 5xx or a dropped connection only once a look-up shows it did not land
 * (GitLab also refuses a second open merge request from one branch with 409).
 */
import { createRequesterFn, GitbeakerRequestError, type RequestHandlerFn } from '@gitbeaker/requester-utils';
import { Gitlab } from '@gitbeaker/rest';
import { UserError } from '../../config/errors.js';
import type { Scrub } from '../secrets.js';
import {
  baseDiffers,
  decodeJson,
  missingLabels,
  needsUpdate,
  type CreateResult,
  type FindResult,
  type GitHost,
  type HostRequest,
  type RequestContent,
  type RetryOptions,
  type UpdateResult,
} from './types.js';
import { ForgeAnswerError, ForgeBudget, ForgeTimeoutError, classifyStatus, isFetchFailure, withRetry, type Failure, type RetryCall } from './forge-http.js';

export const DEFAULT_GITLAB_URL = 'https://gitlab.com';

export interface GitLabSettings {
  /** Instance URL without /api/v4. */
  readonly host: string;
  readonly hostFrom: string;
  /** `group/subgroup/project` or a numeric id. */
  readonly project: string;
  readonly projectFrom: string;
  readonly token: string;
}

export interface GitLabFlags {
  readonly apiUrl?: string;
  readonly project?: string;
}

export function gitlabSettings(flags: GitLabFlags, env: NodeJS.ProcessEnv): GitLabSettings {
  const [raw, hostFrom] = flags.apiUrl
    ? [flags.apiUrl, '--api-url']
    : env.CI_API_V4_URL
      ? [env.CI_API_V4_URL, 'CI_API_V4_URL']
      : env.GITLAB_URL
        ? [env.GITLAB_URL, 'GITLAB_URL']
        : [DEFAULT_GITLAB_URL, 'the default'];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`${hostFrom} is not a URL: ${JSON.stringify(raw)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`${hostFrom} must be an http(s) URL, got ${JSON.stringify(raw)}.`);
  if (url.username || url.password) throw new UserError(`${hostFrom} must not carry credentials; put the token in GITLAB_TOKEN instead.`);
  const host = url
    .toString()
    .replace(/\/+$/, '')
    .replace(/\/api\/v4$/, '');
  const [project, projectFrom] = flags.project ? [flags.project, '--project'] : [env.CI_PROJECT_PATH, 'CI_PROJECT_PATH'];
  if (!project) throw new UserError('CI_PROJECT_PATH is not set: name the project to open the merge request in as group/project (or pass --project).');
  if (!/^(\d+|[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+)$/.test(project)) {
    throw new UserError(`${projectFrom} must be a project path such as group/project (or a numeric id), got ${JSON.stringify(project)}.`);
  }
  const token = env.GITLAB_TOKEN;
  if (!token) throw new UserError('GITLAB_TOKEN is not set: opening a merge request needs a token with the api scope (CI_JOB_TOKEN cannot).');
  return { host, hostFrom, project, projectFrom, token };
}

export interface GitLabHostOptions extends RetryOptions {
  readonly warn?: (message: string) => void;
  readonly scrub?: Scrub;
}

/** The fields bump reads from a merge request answer (all checked, none trusted). */
interface MergeRequestLike {
  iid?: number;
  web_url?: string;
  title?: string;
  description?: string | null;
  state?: string;
  labels?: unknown;
  source_branch?: string;
  target_branch?: string;
  source_project_id?: number;
  target_project_id?: number;
}

export function createGitLabHost(settings: GitLabSettings, options: GitLabHostOptions = {}): GitHost {
  const scrub = options.scrub ?? ((s: string) => s.split(settings.token).join('***'));
  const warn = (message: string) => options.warn?.(scrub(message));
  const budget = new ForgeBudget(options);
  const api = new Gitlab({
    host: settings.host,
    token: settings.token,
    requesterFn: createRequesterFn((_, requestOptions) => Promise.resolve(requestOptions), gitlabRequestHandler(budget)),
    // gitbeaker's own timeout (a signal per call) is off: the budget times every request.
    queryTimeout: 0,
  });
  const project = settings.project;
  const retrying = <T>(call: RetryCall<T>, fn: () => Promise<T>): Promise<T> =>
    withRetry({ forge: 'GitLab', budget, classify, warn, explain: (err, what) => explain(err, what, settings, scrub) }, call, fn);

  const toRequest = async (value: unknown): Promise<HostRequest> => {
    const mr = ((await decodeJson(value)) ?? {}) as MergeRequestLike;
    if (typeof mr.iid !== 'number') throw new Error(`GitLab answered with a merge request without an iid: ${JSON.stringify(mr).slice(0, 200)}`);
    return {
      number: mr.iid,
      url: mr.web_url ?? '',
      title: mr.title ?? '',
      body: mr.description ?? '',
      labels: Array.isArray(mr.labels) ? mr.labels.map((l) => (typeof l === 'string' ? l : String((l as { name?: unknown }).name ?? ''))).filter((n) => n !== '') : [],
      branch: mr.source_branch ?? '',
      base: mr.target_branch ?? '',
    };
  };
  /** An open merge request from `branch` of this project (not from a fork). */
  const isMine = (mr: MergeRequestLike, branch: string): boolean =>
    mr.source_branch === branch &&
    (mr.state === undefined || mr.state === 'opened') &&
    (mr.source_project_id === undefined || mr.target_project_id === undefined || mr.source_project_id === mr.target_project_id);

  const findOpenRequest = async (branch: string): Promise<FindResult> => {
    const answer = await decodeJson(
      await retrying({ what: `listing open merge requests of ${project}`, idempotent: true }, () =>
        api.MergeRequests.all({ projectId: project, sourceBranch: branch, state: 'opened', perPage: 100, maxPages: 1 }),
      ),
    );
    if (!Array.isArray(answer)) throw new Error(`GitLab answered the merge request list of ${project} with something that is not a list`);
    const mine = (answer as MergeRequestLike[]).find((mr) => isMine(mr, branch));
    return mine ? { kind: 'found', request: await toRequest(mine) } : { kind: 'none' };
  };

  return {
    provider: 'gitlab',
    description: `GitLab project ${project} at ${settings.host}`,
    findOpenRequest,

    async createRequest(content: RequestContent): Promise<CreateResult> {
      const what = `opening a merge request from ${content.branch} into ${content.base} in ${project}`;
      const landed = async (): Promise<CreateResult | undefined> => {
        const found = await findOpenRequest(content.branch);
        return found.kind === 'found' ? { kind: 'created', request: found.request } : undefined;
      };
      try {
        return await retrying<CreateResult>({ what, idempotent: false, landed }, async () => {
            const mr = await api.MergeRequests.create(project, content.branch, content.base, content.title, {
              description: content.body,
              removeSourceBranch: true,
              ...(content.labels.length > 0 ? { labels: content.labels.join(',') } : {}),
            });
            return { kind: 'created', request: await toRequest(mr) };
          });
      } catch (err) {
        // GitLab: 409 {"message":["Another open merge request already exists for this source branch: !7"]}
        if (status(err) === 409 && /already exists/i.test(description(err))) {
          const found = await findOpenRequest(content.branch);
          if (found.kind === 'found') return { kind: 'exists', request: found.request };
          throw new Error(`GitLab says a merge request from ${content.branch} already exists in ${project}, but none is open from that branch`);
        }
        throw err;
      }
    },

    async updateRequest(existing: HostRequest, content: RequestContent): Promise<UpdateResult> {
      if (!needsUpdate(existing, content)) return { kind: 'unchanged', request: existing };
      const add = missingLabels(existing, content);
      // Sets title and description and adds labels: repeating it changes nothing.
      const mr = await retrying({ what: `updating merge request !${existing.number} of ${project}`, idempotent: true }, () =>
        api.MergeRequests.edit(project, existing.number, {
          title: content.title,
          description: content.body,
          ...(baseDiffers(existing, content) ? { targetBranch: content.base } : {}),
          ...(add.length > 0 ? { addLabels: add.join(',') } : {}),
        }),
      );
      return { kind: 'updated', request: await toRequest(mr) };
    },
  };
}

/**
 * One HTTP exchange for gitbeaker, under the budget's timeouts; no retries here (see withRetry).
 * Answers are decoded here so that a body that is not JSON is a ForgeAnswerError naming the call,
 * and an HTTP error a GitbeakerRequestError carrying the response (status, Retry-After).
 */
function gitlabRequestHandler(budget: ForgeBudget): RequestHandlerFn {
  const timedFetch = budget.fetch('GitLab');
  return async (endpoint, options = {}) => {
    const { prefixUrl, searchParams, method, headers, body } = options as {
      prefixUrl?: string;
      searchParams?: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string | FormData;
    };
    const url = new URL(endpoint, prefixUrl?.endsWith('/') ? prefixUrl : `${prefixUrl ?? ''}/`);
    url.search = searchParams ?? '';
    const request = new Request(url, { method, headers, body });
    const response = await timedFetch(request);
    const text = await response.text();
    const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const where = `${request.method} ${url.pathname}`;
    if (!response.ok) {
      const description = errorDescription(text, type);
      throw new GitbeakerRequestError(description, { cause: { description, request, response } });
    }
    return {
      body: response.status === 204 ? null : (parseAnswer(text, type, where) as Record<string, unknown>),
      headers: Object.fromEntries(response.headers),
      status: response.status,
    };
  };
}

function parseAnswer(text: string, type: string, where: string): unknown {
  if (type === 'text/html' || /^\s*<(!doctype|html)/i.test(text)) {
    throw new ForgeAnswerError(`GitLab answered ${where} with an HTML page, not JSON (${snippet(text)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const what = type === 'application/json' ? 'malformed JSON' : `something that is not JSON (content-type ${type || 'none'})`;
    throw new ForgeAnswerError(`GitLab answered ${where} with ${what}: ${snippet(text)}`);
  }
}

/** GitLab's `message` or `error` field, else the start of the body on one line. */
function errorDescription(text: string, type: string): string {
  if (type === 'application/json') {
    try {
      const parsed = JSON.parse(text) as { message?: unknown; error?: unknown } | null;
      const field = parsed?.error ?? parsed?.message;
      if (field !== undefined) return typeof field === 'string' ? field : JSON.stringify(field);
    } catch {
      // Malformed error bodies fall through to the raw text.
    }
  }
  return snippet(text);
}

function snippet(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

function classify(err: unknown): Failure {
  if (err instanceof ForgeTimeoutError || err instanceof ForgeAnswerError) return { kind: 'final' };
  const response = (err as { cause?: { response?: unknown } } | null)?.cause?.response;
  if (isGitbeakerError(err) && response instanceof Response) return classifyStatus(response.status, (name) => response.headers.get(name), description(err));
  if (isFetchFailure(err)) return { kind: 'transient', label: 'connection failed' };
  return { kind: 'final' };
}

function isGitbeakerError(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.startsWith('Gitbeaker');
}

/** The HTTP status of a GitbeakerRequestError (or of an error `explain` wrapped). */
function status(err: unknown): number | undefined {
  const e = err as { cause?: { response?: { status?: unknown } }; status?: unknown } | null;
  const s = e?.cause?.response?.status ?? e?.status;
  return typeof s === 'number' ? s : undefined;
}

function description(err: unknown): string {
  const e = err as { cause?: { description?: unknown }; message?: unknown } | null;
  const d = e?.cause?.description ?? e?.message;
  return typeof d === 'string' ? d : JSON.stringify(d ?? '');
}

/** Wraps an error in a clear one; the original stays as `cause` with its status for callers. */
function explain(err: unknown, what: string, settings: GitLabSettings, scrub: Scrub): Error {
  const code = status(err);
  const detail = scrub(description(err));
  let out: Error;
  if (code === 401) {
    out = new UserError(`GitLab rejected GITLAB_TOKEN (401 Unauthorized) while ${what}: set GITLAB_TOKEN to a valid token with the api scope. GitLab said: ${detail}`);
  } else if (code === 403) {
    out = new UserError(
      `GitLab refused GITLAB_TOKEN (403 Forbidden) while ${what}: the token needs the api scope and Developer access to ${settings.project}. GitLab said: ${detail}`,
    );
  } else if (code === 404) {
    out = new UserError(
      `GitLab answered 404 Not Found while ${what}: check the project ${settings.project} (${settings.projectFrom}) and the URL ${settings.host} (${settings.hostFrom}), and that GITLAB_TOKEN can see it.`,
    );
  } else if (code === 409) {
    out = new Error(`GitLab answered 409 Conflict while ${what}: ${detail}`);
  } else if (code === 400 || code === 422) {
    out = new UserError(`GitLab refused the request while ${what} (${code}): ${detail}`);
  } else if (code !== undefined) {
    out = new Error(`GitLab API error ${code} while ${what}: ${detail}`);
  } else if (err instanceof ForgeTimeoutError) {
    out = new Error(`${scrub(err.message)} while ${what}; running bump again is safe (it updates an open merge request instead of opening another)`);
  } else if (err instanceof ForgeAnswerError) {
    out = new Error(`${scrub(err.message)} while ${what}: is ${settings.host} (${settings.hostFrom}) the GitLab instance?`);
  } else if (isGitbeakerError(err)) {
    out = new Error(`GitLab API at ${settings.host} failed while ${what}: ${detail}`);
  } else {
    const reason = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
    const because = typeof reason?.code === 'string' ? reason.code : typeof reason?.message === 'string' ? reason.message : detail;
    out = new Error(`cannot reach the GitLab API at ${settings.host} while ${what}: ${scrub(because)}`);
  }
  Object.defineProperty(out, 'cause', { value: { description: description(err), response: { status: code } }, enumerable: false });
  return out;
}
