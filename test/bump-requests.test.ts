/**
 * bump --open-pr against real git (bare origin on disk) and local servers that answer like GitHub
 * (schema-checked) and GitLab, configured the way CI systems configure them. The rejected GitHub
 * token runs the real CLI (what the process prints must not show it); the rest calls runBump in
 * process, reported the way the command reports it (runBumpReported).
 */
import { execFileSync } from 'node:child_process';
import { startGitHub, rateLimited, type FakeGitHub } from './support/github-server.js';
import { startGitLab, type FakeGitLab } from './support/gitlab-server.js';
import { bumpOptions, createSourceRepo, runBumpReported, runCli, type CliResult, T1, T2, type SourceRepo } from './support/source-repo.js';

const BRANCH = 'mw-gitops/bump/publish-83';
const GH_TOKEN = 'ghs_e2eSECRETtoken_0123456789';
const GL_TOKEN = 'glpat-e2eSECRETtoken_9876543';

let repo: SourceRepo;
beforeEach(async () => {
  repo = await createSourceRepo();
});
afterEach(async () => {
  await repo.cleanup();
});

const hasBranch = (name: string) => {
  try {
    execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${name}`], { cwd: repo.origin, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** `bump --flavour publish-83 --tag <tag> --open-pr --labels images,bot --json`, in this process: what the command would print. */
function bump(tag: string, extra: NodeJS.ProcessEnv): Promise<CliResult> {
  return runBumpReported(
    bumpOptions(repo, tag, { base: undefined, openPr: true, labels: ['images', 'bot'], env: { ...repo.env, ...extra }, retryBaseMs: 10 }),
  );
}

/** The same through the real command, as a child process. */
function bumpCli(tag: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return runCli(['bump', '--flavour', 'publish-83', '--tag', tag, '--open-pr', '--labels', 'images,bot', '--json'], {
    cwd: repo.src,
    env: { ...repo.env, MW_GITOPS_RETRY_BASE_MS: '10', ...env },
  });
}

function expectNoToken(results: CliResult[], token: string): void {
  for (const r of results) {
    expect(r.stdout).not.toContain(token);
    expect(r.stderr).not.toContain(token);
  }
}

describe('GitHub', () => {
  let gh: FakeGitHub;
  beforeEach(async () => {
    gh = await startGitHub({ owner: 'wikimedia', repo: 'mw-gitops', token: GH_TOKEN, hasBranch });
  });
  afterEach(async () => {
    await gh.close();
    expect(gh.schemaErrors).toEqual([]);
  });
  const env = () => ({ GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'wikimedia/mw-gitops', GITHUB_TOKEN: GH_TOKEN });

  test('the first bump opens one pull request; a newer tag updates that same one', async () => {
    gh.inject({ method: 'GET', path: /\/pulls$/, reply: { status: 503, body: { message: 'Service Unavailable' } } });
    const first = await bump(T1, env());
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      branch: BRANCH,
      commit: repo.git(['rev-parse', BRANCH], repo.origin).trim(),
      request: { url: `${gh.url}/wikimedia/mw-gitops/pull/1`, number: 1 },
      action: 'created',
    });
    expect(gh.pulls).toHaveLength(1);
    const pull = gh.pulls[0];
    expect(pull).toMatchObject({ head: BRANCH, base: 'main', title: `Bump publish-83 to ${T1}`, labels: ['images', 'bot'] });
    for (const ns of ['mw-web', 'mw-api-ext', 'mw-api-int']) expect(pull.body).toContain(`| ${ns} |`);
    expect(pull.body).toContain(`mediawiki-multiversion:${T1}`);
    expect(pull.body).toContain('testservers → canaries → production');

    gh.inject({ method: 'PATCH', reply: () => rateLimited(1) });
    const second = await bump(T2, env());
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ request: { number: 1 }, action: 'updated' });
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0].title).toBe(`Bump publish-83 to ${T2}`);
    expect(gh.pulls[0].body).toContain(`mediawiki-multiversion:${T2}`);
    expect(gh.pulls[0].body).not.toContain(`mediawiki-multiversion:${T1}`);
    expect(gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pulls'))).toHaveLength(1);

    const writes = gh.requests.filter((r) => r.method !== 'GET').length;
    const third = await bump(T2, env());
    expect(JSON.parse(third.stdout)).toMatchObject({ request: { number: 1 }, action: 'unchanged' });
    expect(gh.requests.filter((r) => r.method !== 'GET').length).toBe(writes);
    expectNoToken([first, second, third], GH_TOKEN);
  });

  test('a rejected token exits 2 naming GITHUB_TOKEN, without showing it, before pushing', async () => {
    const wrong = 'ghs_wrongSECRET_abcdef012345';
    const result = await bumpCli(T1, { ...env(), GITHUB_TOKEN: wrong });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/GITHUB_TOKEN/);
    expect(result.stdout).toBe('');
    expectNoToken([result], wrong);
    expect(hasBranch(BRANCH)).toBe(false);
  });

  test('GitHub and GitLab both configured needs --provider', async () => {
    const result = await bump(T1, { ...env(), CI_API_V4_URL: 'http://127.0.0.1:9/api/v4', CI_PROJECT_PATH: 'g/p', GITLAB_TOKEN: GL_TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--provider github\|gitlab/);
    expectNoToken([result], GH_TOKEN);
    expectNoToken([result], GL_TOKEN);
    expect(hasBranch(BRANCH)).toBe(false);
  });
});

describe('GitLab', () => {
  let gl: FakeGitLab;
  beforeEach(async () => {
    gl = await startGitLab({ project: 'releng/mw-gitops', token: GL_TOKEN, hasBranch });
  });
  afterEach(async () => {
    await gl.close();
    expect(gl.shapeErrors).toEqual([]);
  });
  const env = () => ({ CI_API_V4_URL: `${gl.url}/api/v4`, CI_PROJECT_PATH: 'releng/mw-gitops', GITLAB_TOKEN: GL_TOKEN });

  test('the first bump opens one merge request; a newer tag updates that same one', async () => {
    gl.inject({ method: 'POST', reply: { status: 502, body: { message: '502 Bad Gateway' } } });
    const first = await bump(T1, env());
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      branch: BRANCH,
      request: { url: `${gl.url}/releng/mw-gitops/-/merge_requests/1`, number: 1 },
      action: 'created',
    });
    expect(gl.mergeRequests).toHaveLength(1);
    const mr = gl.mergeRequests[0];
    expect(mr).toMatchObject({ sourceBranch: BRANCH, targetBranch: 'main', title: `Bump publish-83 to ${T1}`, labels: ['images', 'bot'] });
    for (const ns of ['mw-web', 'mw-api-ext', 'mw-api-int']) expect(mr.description).toContain(`| ${ns} |`);
    expect(mr.description).toContain(`mediawiki-multiversion:${T1}`);

    const second = await bump(T2, env());
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ request: { number: 1 }, action: 'updated' });
    expect(gl.mergeRequests).toHaveLength(1);
    expect(gl.mergeRequests[0].title).toBe(`Bump publish-83 to ${T2}`);
    expect(gl.mergeRequests[0].description).toContain(`mediawiki-multiversion:${T2}`);
    expectNoToken([first, second], GL_TOKEN);
  });

  test('a rejected token exits 2 naming GITLAB_TOKEN, without showing it', async () => {
    // In process: how the command prints a rejected token is the GitHub test's; this is GitLab's message.
    const wrong = 'glpat-wrongSECRET_abcdef0123';
    const result = await bump(T1, { ...env(), GITLAB_TOKEN: wrong });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/GITLAB_TOKEN/);
    expectNoToken([result], wrong);
  });
});
