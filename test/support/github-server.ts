/**
 * A GitHub-like REST server for tests: the pull-request endpoints bump uses, answering with
 * bodies built from GitHub's own OpenAPI examples and checked against GitHub's own schemas
 * (test/fixtures/github-openapi-pulls.json, extracted from @octokit/openapi; see
 * test/fixtures/README.md). Every answer that does not match its schema is recorded in
 * `schemaErrors`, which tests assert is empty.
 *
 *   GET   /repos/{owner}/{repo}/pulls?state=&head=owner:branch&base=   pull-request-simple[]
 *   POST  /repos/{owner}/{repo}/pulls                                  201 pull-request | 422 validation-error
 *   GET   /repos/{owner}/{repo}/pulls/{n}                              pull-request
 *   PATCH /repos/{owner}/{repo}/pulls/{n}                              pull-request
 *   POST  /repos/{owner}/{repo}/issues/{n}/labels                      label[]
 *   401 basic-error for a wrong token, 404 basic-error for other repositories.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startServer, type FakeServer, type LoggedRequest, type Reply } from './http-server.js';

type Json = Record<string, unknown>;

const fixture = JSON.parse(readFileSync(new URL('../fixtures/github-openapi-pulls.json', import.meta.url), 'utf8')) as {
  components: { schemas: Record<string, Json>; examples: Record<string, { value: unknown }> };
};

const ajv = new Ajv({ strict: false, allErrors: true });
// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const formatsModule = addFormatsModule as unknown as { default?: (ajv: Ajv) => Ajv };
(formatsModule.default ?? (addFormatsModule as unknown as (ajv: Ajv) => Ajv))(ajv);
ajv.addSchema(fixture, 'github-openapi');
const validator = (name: string): ValidateFunction => ajv.getSchema(`github-openapi#/components/schemas/${name}`)!;
const schemas = {
  pullRequest: validator('pull-request'),
  pullRequestSimple: validator('pull-request-simple'),
  label: validator('label'),
  validationError: validator('validation-error'),
  basicError: validator('basic-error'),
};

export interface StoredPull {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: 'open' | 'closed';
  labels: string[];
  createdAt: string;
  updatedAt: string;
}

export interface FakeGitHub extends FakeServer {
  readonly pulls: StoredPull[];
  /** Answers that did not validate against GitHub's schema (should stay empty). */
  readonly schemaErrors: string[];
}

export interface FakeGitHubOptions {
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  /** Whether a branch exists (e.g. in the bare repository); POST /pulls answers 422 if not. */
  readonly hasBranch?: (branch: string) => boolean;
}

const clone = <T>(value: T): T => structuredClone(value);

export async function startGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const pulls: StoredPull[] = [];
  const schemaErrors: string[] = [];
  let nextNumber = 1;
  let now = Date.parse('2025-03-04T10:00:00Z');
  const tick = () => new Date((now += 1000)).toISOString().replace('.000Z', 'Z');
  const full = `${options.owner}/${options.repo}`;
  let base = '';

  const check = (validate: ValidateFunction, value: unknown, what: string) => {
    if (!validate(value)) schemaErrors.push(`${what}: ${ajv.errorsText(validate.errors)}`);
    return value;
  };
  const repository = (): Json => {
    const repo = clone((fixture.components.examples['pull-request'].value as Json).base as Json).repo as Json;
    const owner = repo.owner as Json;
    Object.assign(owner, { login: options.owner, html_url: `${base}/${options.owner}` });
    return Object.assign(repo, { name: options.repo, full_name: full, html_url: `${base}/${full}`, url: `${base}/repos/${full}` });
  };
  const labelObjects = (names: string[]): Json[] =>
    names.map((name, i) => ({
      ...clone((fixture.components.examples['label-items'].value as Json[])[0]),
      id: 1000 + i,
      node_id: `LA_${i}`,
      url: `${base}/repos/${full}/labels/${encodeURIComponent(name)}`,
      name,
      description: `${name} label`,
      default: false,
    }));
  const fill = (template: Json, pull: StoredPull): Json => {
    const url = `${base}/repos/${full}/pulls/${pull.number}`;
    const html = `${base}/${full}/pull/${pull.number}`;
    const ref = (name: string) => ({
      ...(template.head as Json),
      label: `${options.owner}:${name}`,
      ref: name,
      sha: '6dcb09b5b57875f334f61aebed695e2e4193db5e',
      repo: repository(),
    });
    return Object.assign(template, {
      id: 1000 + pull.number,
      node_id: `PR_${pull.number}`,
      number: pull.number,
      url,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${base}/repos/${full}/issues/${pull.number}`,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      comments_url: `${base}/repos/${full}/issues/${pull.number}/comments`,
      state: pull.state,
      locked: false,
      title: pull.title,
      body: pull.body,
      labels: labelObjects(pull.labels),
      milestone: null,
      active_lock_reason: null,
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: null,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      // The official example lists a team without the `type` its own schema requires.
      requested_teams: [],
      head: ref(pull.head),
      base: ref(pull.base),
      draft: false,
      auto_merge: null,
    });
  };
  const pullRequest = (pull: StoredPull): Json => {
    const value = fill(clone(fixture.components.examples['pull-request'].value as Json), pull);
    Object.assign(value, { merged: false, mergeable: null, rebaseable: null, mergeable_state: 'unknown', merged_by: null, comments: 0, review_comments: 0, commits: 1, additions: 1, deletions: 1, changed_files: 1 });
    return check(schemas.pullRequest, value, `pull-request #${pull.number}`) as Json;
  };
  const simple = (pull: StoredPull): Json =>
    check(schemas.pullRequestSimple, fill(clone((fixture.components.examples['pull-request-simple-items'].value as Json[])[0]), pull), `pull-request-simple #${pull.number}`) as Json;
  const basicError = (status: number, message: string): Reply => ({
    status,
    body: check(schemas.basicError, { message, documentation_url: 'https://docs.github.com/rest', status: String(status) }, `basic-error ${status}`),
  });
  const validationFailed = (errors: Json[], doc: string): Reply => ({
    status: 422,
    body: check(schemas.validationError, { message: 'Validation Failed', errors, documentation_url: doc }, 'validation-error'),
  });

  const handler = (req: LoggedRequest): Reply => {
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${options.token}` && auth !== `Bearer ${options.token}`) return basicError(401, 'Bad credentials');
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(req.path);
    if (!m || `${m[1]}/${m[2]}`.toLowerCase() !== full.toLowerCase()) return basicError(404, 'Not Found');
    const rest = m[3];
    const body = (req.body ?? {}) as Json;

    if (rest === '/pulls' && req.method === 'GET') {
      const state = req.query.get('state') ?? 'open';
      const head = req.query.get('head');
      const baseRef = req.query.get('base');
      const perPage = Number(req.query.get('per_page') ?? 30);
      const page = Number(req.query.get('page') ?? 1);
      const matching = pulls
        .filter((p) => state === 'all' || p.state === state)
        .filter((p) => !head || !head.includes(':') || head.toLowerCase() === `${options.owner}:${p.head}`.toLowerCase() || head === `${options.owner}:${p.head}`)
        .filter((p) => !baseRef || p.base === baseRef)
        .sort((a, b) => b.number - a.number);
      return { status: 200, body: matching.slice((page - 1) * perPage, page * perPage).map(simple) };
    }
    if (rest === '/pulls' && req.method === 'POST') {
      const { title, head, base: baseRef } = body as { title?: string; head?: string; base?: string };
      const doc = 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request';
      if (!title || !head || !baseRef) return validationFailed([{ resource: 'PullRequest', code: 'missing_field', field: !title ? 'title' : !head ? 'head' : 'base' }], doc);
      const headRef = head.includes(':') ? head.split(':')[1] : head;
      if (options.hasBranch && !options.hasBranch(headRef)) return validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }], doc);
      if (options.hasBranch && !options.hasBranch(baseRef)) return validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }], doc);
      if (pulls.some((p) => p.state === 'open' && p.head === headRef && p.base === baseRef)) {
        return validationFailed([{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${options.owner}:${headRef}.` }], doc);
      }
      const at = tick();
      const pull: StoredPull = { number: nextNumber++, title, body: (body.body as string | undefined) ?? null, head: headRef, base: baseRef, state: 'open', labels: [], createdAt: at, updatedAt: at };
      pulls.push(pull);
      return { status: 201, body: pullRequest(pull), headers: { location: `${base}/repos/${full}/pulls/${pull.number}` } };
    }
    const one = /^\/pulls\/(\d+)$/.exec(rest);
    if (one) {
      const pull = pulls.find((p) => p.number === Number(one[1]));
      if (!pull) return basicError(404, 'Not Found');
      if (req.method === 'GET') return { status: 200, body: pullRequest(pull) };
      if (req.method === 'PATCH') {
        if (typeof body.title === 'string') pull.title = body.title;
        if (typeof body.body === 'string') pull.body = body.body;
        if (typeof body.base === 'string') pull.base = body.base;
        if (body.state === 'open' || body.state === 'closed') pull.state = body.state;
        pull.updatedAt = tick();
        return { status: 200, body: pullRequest(pull) };
      }
    }
    const labels = /^\/issues\/(\d+)\/labels$/.exec(rest);
    if (labels && req.method === 'POST') {
      const pull = pulls.find((p) => p.number === Number(labels[1]));
      if (!pull) return basicError(404, 'Not Found');
      const names = Array.isArray(body) ? body : ((body.labels as unknown[]) ?? []);
      for (const name of names) if (typeof name === 'string' && !pull.labels.includes(name)) pull.labels.push(name);
      const answer = labelObjects(pull.labels);
      answer.forEach((l, i) => check(schemas.label, l, `label ${i}`));
      return { status: 200, body: answer };
    }
    return basicError(404, 'Not Found');
  };

  const server = await startServer(handler, {
    'x-github-media-type': 'github.v3; format=json',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-resource': 'core',
  });
  base = server.url;
  return Object.assign(server, { pulls, schemaErrors });
}

/** A primary rate-limit answer as GitHub sends it: 403, remaining 0, reset in `seconds`. */
export function rateLimited(seconds = 1): Reply {
  const reset = Math.floor(Date.now() / 1000) + seconds;
  return {
    status: 403,
    headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': String(reset), 'x-ratelimit-resource': 'core' },
    body: { message: 'API rate limit exceeded for installation ID 1.', documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting', status: '403' },
  };
}
