/**
 * Forges that rate-limit, fail, hang or answer garbage, against real HTTP servers on 127.0.0.1.
 * Timing is shortened through the host options (the defaults are checked against docs/bump.md).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../config/errors.js';
import { REQUEST_TIMEOUT_SECONDS, TOTAL_BOUND_SECONDS, parseRetryAfter } from '../cli/hosts/forge-http.js';
import { createGitHubHost, githubSettings } from '../cli/hosts/github.js';
import { createGitLabHost, gitlabSettings } from '../cli/hosts/gitlab.js';
import { openOrUpdateRequest } from '../cli/hosts/index.js';
import type { RequestContent } from '../cli/hosts/types.js';
import { startGitHub, type FakeGitHub } from './support/github-server.js';
import { startGitLab, type FakeGitLab } from './support/gitlab-server.js';
import { PROJECT } from './support/cli.js';

const GL_TOKEN = 'glpat-secretTOKEN0987654321';
const GH_TOKEN = 'ghs_secretTOKEN1234567890';
/** One Retry-After second lasts 50 ms; requests may take 1 s; all of a host's calls 3 s. */
const QUICK = { retryBaseMs: 50, requestTimeoutMs: 1000, totalTimeoutMs: 3000 };

const content: RequestContent = { branch: 'mw-gitops/bump/publish-83', base: 'main', title: 'Bump publish-83 to t1', body: 'body', labels: ['images'] };

async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (err: unknown) => ({ err }),
  );
  if (!('err' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.err).toBeInstanceOf(Error);
  return outcome.err as Error;
}

/** A server that accepts connections (and, with `headersOnly`, sends headers) and then never answers. */
async function silentServer(headersOnly = false): Promise<{ url: string; close: () => Promise<void>; hits: () => number }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits += 1;
    if (headersOnly) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('Retry-After', () => {
  test('is read as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2);
    expect(parseRetryAfter(' 120 ', now)).toBe(120);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

test('the default bounds are the ones docs/bump.md states, and the total is at most 60 s', () => {
  const doc = readFileSync(`${PROJECT}/docs/bump.md`, 'utf8');
  expect(TOTAL_BOUND_SECONDS).toBeLessThanOrEqual(60);
  expect(doc).toContain(`${REQUEST_TIMEOUT_SECONDS} s per request`);
  expect(doc).toMatch(new RegExp(`${TOTAL_BOUND_SECONDS} s for all forge calls\\s+of one bump`));
});

describe('GitLab', () => {
  let gl: FakeGitLab;
  let warnings: string[];
  const host = (timing: Partial<typeof QUICK> = {}, url = gl.url) =>
    createGitLabHost(gitlabSettings({}, { CI_API_V4_URL: `${url}/api/v4`, CI_PROJECT_PATH: 'releng/deploy', GITLAB_TOKEN: GL_TOKEN }), {
      ...QUICK,
      ...timing,
      warn: (m) => warnings.push(m),
    });
  const tooMany = (retryAfter: string) => ({ status: 429, headers: { 'retry-after': retryAfter }, body: { message: '429 Too Many Requests' } });

  beforeEach(async () => {
    warnings = [];
    gl = await startGitLab({ project: 'releng/deploy', token: GL_TOKEN });
  });
  afterEach(async () => {
    await gl.close();
  });

  test('429 with Retry-After: 2 twice, then 201: the create waits as asked and succeeds once', async () => {
    gl.inject({ method: 'POST', times: 2, reply: tooMany('2') });
    const outcome = await openOrUpdateRequest(host(), content);
    expect(outcome).toMatchObject({ action: 'created', request: { number: 1 } });
    expect(gl.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([429, 429, 201]);
    expect(gl.mergeRequests).toHaveLength(1);
    expect(warnings).toEqual([expect.stringMatching(/429.*retrying in 2s/), expect.stringMatching(/429.*retrying in 2s/)]);
  });

  test('a Retry-After given as an HTTP date is honoured too', async () => {
    const soon = () => tooMany(new Date(Date.now() + 1000).toUTCString());
    gl.inject({ method: 'GET', reply: soon });
    expect((await openOrUpdateRequest(host(), content)).action).toBe('created');
    expect(warnings[0]).toMatch(/retrying in [12]s/);
  });

  test('429 forever: fails within the bound with a clear one-line message, nothing created', async () => {
    gl.inject({ times: 1000, reply: tooMany('2') });
    const err = await failure(openOrUpdateRequest(host(), content));
    expect(err).not.toBeInstanceOf(UserError);
    expect(err.message).toMatch(/^GitLab rate limit exhausted while listing open merge requests of releng\/deploy.*run again later$/);
    expect(err.message).not.toContain('\n');
    expect(gl.mergeRequests).toHaveLength(0);
    expect(gl.requests.every((r) => r.status === 429)).toBe(true);
  });

  test('a Retry-After longer than the bound is not waited for', async () => {
    gl.inject({ times: 1000, reply: tooMany('3600') });
    const err = await failure(openOrUpdateRequest(host({ retryBaseMs: 1000 }), content));
    expect(err.message).toMatch(/asks to wait 3600 s, more than is left of the 3 s/);
    expect(gl.requests).toHaveLength(1);
  });

  test('a 502 on create is not retried blindly: the look-up finds the merge request that landed', async () => {
    gl.inject({
      method: 'POST',
      reply: () => {
        // The create was applied, and then the proxy in front failed.
        gl.mergeRequests.push({ iid: 1, title: content.title, description: content.body, sourceBranch: content.branch, targetBranch: 'main', state: 'opened', labels: ['images'], createdAt: '', updatedAt: '' });
        return { status: 502, body: { message: 'Bad Gateway' } };
      },
    });
    const outcome = await openOrUpdateRequest(host(), content);
    expect(outcome).toMatchObject({ action: 'created', request: { number: 1 } });
    expect(gl.mergeRequests).toHaveLength(1);
    expect(gl.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'POST 502', 'GET 200']);
  });

  test('a 503 on create that did not land is retried after the look-up', async () => {
    gl.inject({ method: 'POST', reply: { status: 503, body: { message: 'Service Unavailable' } } });
    expect((await openOrUpdateRequest(host(), content)).action).toBe('created');
    expect(gl.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'POST 503', 'GET 200', 'POST 201']);
  });

  test('a server that accepts the connection and never answers: a clear error, not retried', async () => {
    const silent = await silentServer();
    try {
      const err = await failure(openOrUpdateRequest(host({ requestTimeoutMs: 300 }, silent.url), content));
      expect(err.message).toMatch(/^GitLab did not answer GET \/api\/v4\/projects\/releng%2Fdeploy\/merge_requests within 0\.3 s while listing open merge requests/);
      expect(err.message).not.toMatch(/cannot reach/);
      expect(silent.hits()).toBe(1);
    } finally {
      await silent.close();
    }
  });

  test('headers and then silence: the body read times out too', async () => {
    const silent = await silentServer(true);
    try {
      const err = await failure(openOrUpdateRequest(host({ requestTimeoutMs: 300 }, silent.url), content));
      expect(err.message).toMatch(/did not answer GET .* within 0\.3 s/);
    } finally {
      await silent.close();
    }
  });

  test('a request started near the end of the bound gets only what is left', async () => {
    const silent = await silentServer();
    try {
      const err = await failure(openOrUpdateRequest(host({ requestTimeoutMs: 5000, totalTimeoutMs: 400 }, silent.url), content));
      expect(err.message).toMatch(/within the rest of the 0\.4 s bound for forge calls/);
    } finally {
      await silent.close();
    }
  });

  test('malformed JSON and HTML are named as such, never as "cannot reach"', async () => {
    gl.inject({ method: 'GET', reply: { status: 200, text: '[{"iid": 1,', headers: { 'content-type': 'application/json' } } });
    const malformed = await failure(openOrUpdateRequest(host(), content));
    expect(malformed.message).toMatch(/^GitLab answered GET \/api\/v4\/projects\/releng%2Fdeploy\/merge_requests with malformed JSON: \[\{"iid": 1, while listing/);
    gl.inject({ method: 'GET', reply: { status: 200, text: '<!DOCTYPE html>\n<html><body>Sign in</body></html>', headers: { 'content-type': 'text/html; charset=utf-8' } } });
    const html = await failure(openOrUpdateRequest(host(), content));
    expect(html.message).toMatch(/with an HTML page, not JSON .* is http:\/\/127\.0\.0\.1:\d+ \(CI_API_V4_URL\) the GitLab instance\?$/);
    for (const err of [malformed, html]) {
      expect(err.message).not.toMatch(/cannot reach/);
      expect(err.message).not.toContain('\n');
    }
    expect(gl.mergeRequests).toHaveLength(0);
  });

  test('a refused connection is "cannot reach", after retries of the read', async () => {
    const url = gl.url;
    await gl.close();
    const err = await failure(openOrUpdateRequest(host({}, url), content));
    expect(err.message).toMatch(/^cannot reach the GitLab API at http:\/\/127\.0\.0\.1:\d+ while listing open merge requests of releng\/deploy: ECONNREFUSED$/);
    expect(warnings.length).toBeGreaterThan(0);
    gl = await startGitLab({ project: 'releng/deploy', token: GL_TOKEN });
  });
});

describe('GitHub', () => {
  let gh: FakeGitHub;
  let warnings: string[];
  const env = (extra: Record<string, string> = {}) => ({ GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'wikimedia/deploy', GITHUB_TOKEN: GH_TOKEN, ...extra });
  const host = (extra: Record<string, string> = {}, timing: Partial<typeof QUICK> = {}) =>
    createGitHubHost(githubSettings({}, env(extra)), { ...QUICK, ...timing, warn: (m) => warnings.push(m) });
  const forbidden = (message: string) => ({ status: 403, body: { message, documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request', status: '403' } });

  beforeEach(async () => {
    warnings = [];
    gh = await startGitHub({ owner: 'wikimedia', repo: 'deploy', token: GH_TOKEN });
  });
  afterEach(async () => {
    await gh.close();
  });

  test('a 429 with Retry-After is waited for as asked', async () => {
    gh.inject({ method: 'GET', times: 2, reply: { status: 429, headers: { 'retry-after': '2' }, body: { message: 'Too Many Requests' } } });
    expect((await openOrUpdateRequest(host(), content)).action).toBe('created');
    expect(warnings).toEqual([expect.stringMatching(/retrying in 2s/), expect.stringMatching(/retrying in 2s/)]);
  });

  test('a secondary rate limit asking for more than the bound fails at once, clearly', async () => {
    gh.inject({ times: 100, reply: { status: 403, headers: { 'retry-after': '120' }, body: { message: 'You have exceeded a secondary rate limit.' } } });
    const err = await failure(openOrUpdateRequest(host(), content));
    expect(err.message).toMatch(/^GitHub rate limit exhausted while listing open pull requests of wikimedia\/deploy: it asks to wait 120 s/);
    expect(gh.requests).toHaveLength(1);
  });

  test('a 500 on create is retried only after a look-up shows it did not land', async () => {
    gh.inject({ method: 'POST', path: /\/pulls$/, reply: { status: 500, body: { message: 'Server Error' } } });
    // plugin-throttling spaces pull request creations 3 s apart, as GitHub asks: allow for it.
    expect((await openOrUpdateRequest(host({}, { totalTimeoutMs: 10_000 }), content)).action).toBe('created');
    expect(gh.pulls).toHaveLength(1);
    expect(gh.requests.map((r) => `${r.method} ${r.status}`).slice(0, 4)).toEqual(['GET 200', 'POST 500', 'GET 200', 'POST 201']);
  });

  test('an API that accepts the connection and never answers: a clear error within the bound', async () => {
    const silent = await silentServer();
    try {
      const hanging = createGitHubHost(githubSettings({}, env({ GITHUB_API_URL: silent.url })), { ...QUICK, requestTimeoutMs: 300 });
      const err = await failure(openOrUpdateRequest(hanging, content));
      expect(err.message).toMatch(/^GitHub did not answer GET \/repos\/wikimedia\/deploy\/pulls within 0\.3 s while listing open pull requests/);
      expect(silent.hits()).toBe(1);
    } finally {
      await silent.close();
    }
  });

  test("a 403 to Actions' GITHUB_TOKEN names the repository setting and how to get workflows on the PR", async () => {
    gh.inject({ method: 'POST', reply: forbidden('GitHub Actions is not permitted to create or approve pull requests.') });
    const err = await failure(openOrUpdateRequest(host({ GITHUB_ACTIONS: 'true' }), content));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain('"Allow GitHub Actions to create and approve pull requests"');
    expect(err.message).toContain('Settings → Actions → General → Workflow permissions');
    expect(err.message).toMatch(/start no workflows.*GitHub App installation token.*fine-grained personal access token/);
    expect(err.message).not.toContain(GH_TOKEN);
  });

  test('a 403 to a personal access token names the permission of its kind', async () => {
    const fineGrained = 'github_pat_11AAAAAAA0secret';
    gh.inject({ method: 'GET', reply: forbidden('Resource not accessible by personal access token') });
    const fine = await failure(openOrUpdateRequest(host({ GITHUB_TOKEN: fineGrained }), content));
    expect(fine.message).toMatch(/fine-grained personal access token needs access to wikimedia\/deploy with Pull requests: write and Contents: write/);
    expect(fine.message).not.toMatch(/Allow GitHub Actions/);
    gh.inject({ method: 'GET', reply: forbidden('Resource not accessible by personal access token') });
    const classic = await failure(openOrUpdateRequest(host({ GITHUB_TOKEN: 'ghp_classicSecret0123' }), content));
    expect(classic.message).toMatch(/classic personal access token needs the repo scope/);
    gh.inject({ method: 'GET', reply: forbidden('Resource not accessible by integration') });
    const app = await failure(openOrUpdateRequest(host(), content));
    expect(app.message).toMatch(/GitHub App's installation on wikimedia\/deploy needs the permissions Pull requests: write and Contents: write/);
  });
});
