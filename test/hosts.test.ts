import { UserError } from '../config/errors.js';
import { createGitHubHost, githubSettings } from '../cli/hosts/github.js';
import { createGitLabHost, gitlabSettings } from '../cli/hosts/gitlab.js';
import { chooseProvider, createHost, openOrUpdateRequest } from '../cli/hosts/index.js';
import type { RequestContent } from '../cli/hosts/types.js';
import { envScrubber } from '../cli/secrets.js';
import { rateLimited, startGitHub, type FakeGitHub } from './support/github-server.js';
import { startGitLab, type FakeGitLab } from './support/gitlab-server.js';
import { startServer } from './support/http-server.js';

const GH_TOKEN = 'ghs_secretTOKEN1234567890';
const GL_TOKEN = 'glpat-secretTOKEN0987654321';
const FAST = { retryBaseMs: 5 };

const content: RequestContent = {
  branch: 'mw-gitops/bump/publish-83',
  base: 'main',
  title: 'Bump publish-83 to t1',
  body: 'body one',
  labels: ['images', 'bot'],
};

async function expectUserError(promise: Promise<unknown>, pattern: RegExp, secret: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message).not.toContain(secret);
}

describe('GitHub', () => {
  let gh: FakeGitHub;
  const env = () => ({ GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'wikimedia/deploy', GITHUB_TOKEN: GH_TOKEN });
  const host = (extra: Record<string, string> = {}) => createGitHubHost(githubSettings({}, { ...env(), ...extra }), { ...FAST, scrub: envScrubber(env()) });

  beforeEach(async () => {
    gh = await startGitHub({ owner: 'wikimedia', repo: 'deploy', token: GH_TOKEN });
  });
  afterEach(async () => {
    await gh.close();
    expect(gh.schemaErrors).toEqual([]);
  });

  test('opens one pull request, then updates that same one, then leaves it alone', async () => {
    const first = await openOrUpdateRequest(host(), content);
    expect(first.action).toBe('created');
    expect(first.request).toMatchObject({ number: 1, title: content.title, body: 'body one', labels: ['images', 'bot'], branch: content.branch, base: 'main' });
    expect(first.request.url).toBe(`${gh.url}/wikimedia/deploy/pull/1`);

    const second = await openOrUpdateRequest(host(), { ...content, title: 'Bump publish-83 to t2', body: 'body two' });
    expect(second).toMatchObject({ action: 'updated', request: { number: 1, title: 'Bump publish-83 to t2', body: 'body two' } });
    expect(gh.pulls).toHaveLength(1);

    const writes = gh.requests.filter((r) => r.method !== 'GET').length;
    const third = await openOrUpdateRequest(host(), { ...content, title: 'Bump publish-83 to t2', body: 'body two' });
    expect(third.action).toBe('unchanged');
    expect(gh.requests.filter((r) => r.method !== 'GET').length).toBe(writes);

    const list = gh.requests.find((r) => r.method === 'GET');
    expect(list?.query.get('head')).toBe('wikimedia:mw-gitops/bump/publish-83');
    expect(list?.query.get('state')).toBe('open');
  });

  test('a 422 "already exists" on create finds the open request and updates it', async () => {
    await host().createRequest(content);
    const result = await host().createRequest({ ...content, title: 'other' });
    expect(result.kind).toBe('exists');
    expect(gh.requests.some((r) => r.status === 422)).toBe(true);
    const outcome = await openOrUpdateRequest(host(), { ...content, title: 'other' });
    expect(outcome).toMatchObject({ action: 'updated', request: { number: 1, title: 'other' } });
  });

  test('5xx once and a rate limit once are retried by the octokit plugins', async () => {
    gh.inject({ method: 'GET', path: /\/pulls$/, reply: { status: 502, body: { message: 'Server Error' } } });
    gh.inject({ method: 'POST', path: /\/pulls$/, reply: () => rateLimited(1) });
    const outcome = await openOrUpdateRequest(host(), content);
    expect(outcome.action).toBe('created');
    expect(gh.requests.map((r) => `${r.method} ${r.status}`).slice(0, 4)).toEqual(['GET 502', 'GET 200', 'POST 403', 'POST 201']);
  });

  test('writes are spaced as GitHub asks: a second apart, three after one that notifies (seconds of retryBaseMs)', async () => {
    const second = 100;
    const spacedHost = createGitHubHost(githubSettings({}, env()), { retryBaseMs: second, scrub: envScrubber(env()) });
    await openOrUpdateRequest(spacedHost, content);
    await openOrUpdateRequest(spacedHost, { ...content, branch: 'mw-gitops/bump/build' });
    const writes = gh.requests.filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/wikimedia/deploy/pulls',
      'POST /repos/wikimedia/deploy/issues/1/labels',
      'POST /repos/wikimedia/deploy/pulls',
      'POST /repos/wikimedia/deploy/issues/2/labels',
    ]);
    // Measured where the requests arrive, a few ms after the plugin let them go.
    const gap = (a: number, b: number) => writes[b].at - writes[a].at;
    expect(gap(0, 1)).toBeGreaterThanOrEqual(second - 25);
    expect(gap(0, 2)).toBeGreaterThanOrEqual(3 * second - 25);
  });

  test('401 and 403 name GITHUB_TOKEN and never show it', async () => {
    const wrong = 'ghs_wrongTOKEN_abcdefghijk';
    const bad = createGitHubHost(githubSettings({}, { ...env(), GITHUB_TOKEN: wrong }), FAST);
    await expectUserError(openOrUpdateRequest(bad, content), /GITHUB_TOKEN.*401/, wrong);
    gh.inject({ reply: { status: 403, body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' } } });
    await expectUserError(openOrUpdateRequest(host(), content), /403 Forbidden.*GITHUB_TOKEN|GITHUB_TOKEN.*403/, GH_TOKEN);
  });

  test('an unknown repository names GITHUB_REPOSITORY', async () => {
    await expectUserError(openOrUpdateRequest(host({ GITHUB_REPOSITORY: 'wikimedia/nope' }), content), /GITHUB_REPOSITORY/, GH_TOKEN);
  });

  test('a rate limit that does not reset soon is reported, not waited for', async () => {
    gh.inject({ reply: () => rateLimited(3600) });
    const err = await openOrUpdateRequest(host(), content).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/rate limit exhausted/);
  });
});

test('a GitHub-like server with sparse answers and no content-type still gets one request, updated', async () => {
  // Not every server is GitHub: bump must not depend on fields it does not need.
  const pulls: { number: number; title: string; body: string; head: string }[] = [];
  const server = await startServer((req) => {
    if (req.method === 'GET') return { status: 200, text: JSON.stringify(pulls.map((p) => ({ number: p.number, title: p.title, body: p.body, head: { ref: p.head } }))) };
    if (req.method === 'POST') {
      const body = req.body as { head: string; title: string; body: string };
      pulls.push({ number: pulls.length + 1, title: body.title, body: body.body, head: body.head });
      return { status: 201, text: JSON.stringify({ number: pulls.length, html_url: `http://x/pull/${pulls.length}` }) };
    }
    const p = pulls[Number(req.path.split('/').pop()) - 1];
    Object.assign(p, req.body);
    return { status: 200, text: JSON.stringify({ number: p.number, title: p.title, body: p.body }) };
  });
  try {
    const host = createGitHubHost(githubSettings({}, { GITHUB_API_URL: server.url, GITHUB_REPOSITORY: 'o/r', GITHUB_TOKEN: GH_TOKEN }), FAST);
    const plain = { ...content, labels: [] };
    expect((await openOrUpdateRequest(host, plain)).action).toBe('created');
    expect(await openOrUpdateRequest(host, { ...plain, title: 'new title' })).toMatchObject({ action: 'updated', request: { number: 1 } });
    expect(pulls).toHaveLength(1);
    expect((await openOrUpdateRequest(host, { ...plain, title: 'new title' })).action).toBe('unchanged');
  } finally {
    await server.close();
  }
});

describe('GitLab', () => {
  let gl: FakeGitLab;
  const env = () => ({ CI_API_V4_URL: `${gl.url}/api/v4`, CI_PROJECT_PATH: 'releng/deploy', GITLAB_TOKEN: GL_TOKEN });
  const host = (extra: Record<string, string> = {}) => createGitLabHost(gitlabSettings({}, { ...env(), ...extra }), FAST);

  beforeEach(async () => {
    gl = await startGitLab({ project: 'releng/deploy', token: GL_TOKEN });
  });
  afterEach(async () => {
    await gl.close();
    expect(gl.shapeErrors).toEqual([]);
  });

  test('opens one merge request, then updates that same one', async () => {
    const first = await openOrUpdateRequest(host(), content);
    expect(first).toMatchObject({ action: 'created', request: { number: 1, title: content.title, labels: ['images', 'bot'] } });
    expect(first.request.url).toBe(`${gl.url}/releng/deploy/-/merge_requests/1`);
    const post = gl.requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/api/v4/projects/releng%2Fdeploy/merge_requests');

    const second = await openOrUpdateRequest(host(), { ...content, title: 'Bump publish-83 to t2', body: 'two' });
    expect(second).toMatchObject({ action: 'updated', request: { number: 1, title: 'Bump publish-83 to t2', body: 'two' } });
    expect(gl.mergeRequests).toHaveLength(1);
    expect((await openOrUpdateRequest(host(), { ...content, title: 'Bump publish-83 to t2', body: 'two' })).action).toBe('unchanged');
    const list = gl.requests.find((r) => r.method === 'GET');
    expect(list?.query.get('source_branch')).toBe(content.branch);
    expect(list?.query.get('state')).toBe('opened');
  });

  test('a 409 "already exists" on create finds the open request', async () => {
    await host().createRequest(content);
    expect(await host().createRequest(content)).toMatchObject({ kind: 'exists', request: { number: 1 } });
  });

  test('5xx is retried (502 by gitbeaker, 500 here) and a create is not duplicated', async () => {
    gl.inject({ method: 'GET', reply: { status: 502, body: { message: 'Bad Gateway' } } });
    gl.inject({ method: 'GET', reply: { status: 500, body: { message: '500 Internal Server Error' } } });
    const outcome = await openOrUpdateRequest(host(), content);
    expect(outcome.action).toBe('created');
    expect(gl.mergeRequests).toHaveLength(1);
  });

  test('401 and 403 name GITLAB_TOKEN and never show it', async () => {
    const wrong = 'glpat-wrongTOKEN_abcdefg';
    await expectUserError(openOrUpdateRequest(host({ GITLAB_TOKEN: wrong }), content), /GITLAB_TOKEN.*401/, wrong);
    gl.inject({ reply: { status: 403, body: { message: '403 Forbidden' } } });
    await expectUserError(openOrUpdateRequest(host(), content), /GITLAB_TOKEN \(403/, GL_TOKEN);
  });

  test('an unknown project names CI_PROJECT_PATH', async () => {
    await expectUserError(openOrUpdateRequest(host({ CI_PROJECT_PATH: 'releng/nope' }), content), /CI_PROJECT_PATH/, GL_TOKEN);
  });

  test('the host comes from CI_API_V4_URL without /api/v4, or from GITLAB_URL', () => {
    expect(gitlabSettings({}, { CI_API_V4_URL: 'https://gitlab.example.org/api/v4', CI_PROJECT_PATH: 'a/b', GITLAB_TOKEN: 'x' }).host).toBe('https://gitlab.example.org');
    expect(gitlabSettings({}, { GITLAB_URL: 'https://gitlab.example.org/', CI_PROJECT_PATH: 'a/b', GITLAB_TOKEN: 'x' }).host).toBe('https://gitlab.example.org');
    expect(gitlabSettings({ apiUrl: 'http://127.0.0.1:1/api/v4/', project: 'c/d' }, { CI_API_V4_URL: 'https://x/api/v4', CI_PROJECT_PATH: 'a/b', GITLAB_TOKEN: 'x' })).toMatchObject({
      host: 'http://127.0.0.1:1',
      project: 'c/d',
    });
  });
});

describe('choosing the host', () => {
  const github = { GITHUB_API_URL: 'https://api.github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_TOKEN: 't1234' };
  const gitlab = { CI_API_V4_URL: 'https://gitlab.com/api/v4', CI_PROJECT_PATH: 'g/p', GITLAB_TOKEN: 't5678' };

  test('by the variables that are set, by flags, or by --provider', () => {
    expect(chooseProvider({}, github)).toBe('github');
    expect(chooseProvider({}, gitlab)).toBe('gitlab');
    expect(chooseProvider({ provider: 'gitlab' }, { ...github, ...gitlab })).toBe('gitlab');
    expect(chooseProvider({ project: 'g/p' }, {})).toBe('gitlab');
    // A GitHub runner sets GITHUB_REPOSITORY by itself; the GitLab token says which host is meant.
    expect(chooseProvider({}, { GITHUB_REPOSITORY: 'o/r', GITHUB_API_URL: 'https://api.github.com', ...gitlab })).toBe('gitlab');
  });

  test('both hosts configured without --provider, or an unknown provider, is a usage error', () => {
    expect(() => chooseProvider({}, { ...github, ...gitlab })).toThrow(/--provider github\|gitlab/);
    expect(() => chooseProvider({ provider: 'bitbucket' }, github)).toThrow('unknown --provider "bitbucket"; valid providers: github, gitlab.');
    expect(() => chooseProvider({}, {})).toThrow(UserError);
  });

  test('missing settings name the variable to set', () => {
    expect(() => createHost({}, { GITHUB_REPOSITORY: 'o/r' })).toThrow(/GITHUB_TOKEN is not set/);
    expect(() => createHost({ provider: 'github' }, { GITHUB_TOKEN: 'x1234' })).toThrow(/GITHUB_REPOSITORY is not set/);
    expect(() => createHost({}, { ...github, GITHUB_REPOSITORY: 'no-slash' })).toThrow(/GITHUB_REPOSITORY must be owner\/name/);
    expect(() => createHost({}, { CI_PROJECT_PATH: 'g/p' })).toThrow(/GITLAB_TOKEN is not set/);
    expect(() => createHost({ provider: 'gitlab' }, { GITLAB_TOKEN: 'x1234' })).toThrow(/CI_PROJECT_PATH is not set/);
    expect(() => createHost({ apiUrl: 'https://user:pw@host' }, github)).toThrow(/must not carry credentials/);
  });
});
