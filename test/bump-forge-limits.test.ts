/**
 * bump --open-pr against a rate-limiting GitLab: real git (bare origin on disk) and the fake
 * GitLab on 127.0.0.1. Waiting and retrying runs in this process (retryBaseMs 10); giving up runs
 * the real CLI, whose exit code and one-line error are the point (MW_GITOPS_RETRY_BASE_MS=10).
 * Either way one Retry-After second lasts 10 ms.
 */
import { startGitLab, type FakeGitLab } from './support/gitlab-server.js';
import { bumpOptions, createSourceRepo, runBumpReported, runCli, type CliResult, type SourceRepo } from './support/source-repo.js';

const GL_TOKEN = 'glpat-limitsSECRETtoken_1357';
const TAG = '2025-03-11-120000-publish-83';

let repo: SourceRepo;
let gl: FakeGitLab;
beforeEach(async () => {
  repo = await createSourceRepo();
  gl = await startGitLab({ project: 'releng/deploy', token: GL_TOKEN });
});
afterEach(async () => {
  await gl.close();
  await repo.cleanup();
});

const glEnv = () => ({ CI_API_V4_URL: `${gl.url}/api/v4`, CI_PROJECT_PATH: 'releng/deploy', GITLAB_TOKEN: GL_TOKEN });

/** `bump --flavour publish-83 --tag TAG --open-pr --json` in this process: what the command would print. */
function bump(): Promise<CliResult> {
  return runBumpReported(bumpOptions(repo, TAG, { base: undefined, openPr: true, env: { ...repo.env, ...glEnv() }, retryBaseMs: 10 }));
}

/** The same through the real command, as a child process. */
function bumpCli(): Promise<CliResult> {
  return runCli(['bump', '--flavour', 'publish-83', '--tag', TAG, '--open-pr', '--json'], {
    cwd: repo.src,
    env: { ...repo.env, MW_GITOPS_RETRY_BASE_MS: '10', ...glEnv() },
  });
}

const tooMany = { status: 429, headers: { 'retry-after': '2' }, body: { message: '429 Too Many Requests' } };

test('GitLab answers 429 with Retry-After: 2 twice, then 201: bump waits and opens one merge request', async () => {
  gl.inject({ method: 'POST', times: 2, reply: tooMany });
  const result = await bump();
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ request: { number: 1 }, action: 'created' });
  expect(gl.mergeRequests).toHaveLength(1);
  expect(result.stderr.match(/GitLab rate-limited the request while opening a merge request .* \(429\); retrying in 2s/g)).toHaveLength(2);
  expect(result.stderr).not.toContain(GL_TOKEN);
});

test('GitLab answers 429 forever: bump exits 1 with one clear line, and no merge request exists', async () => {
  gl.inject({ method: 'POST', times: 1000, reply: tooMany });
  const result = await bumpCli();
  expect(result.code).toBe(1);
  const errors = result.stderr.split('\n').filter((line) => /rate limit exhausted/.test(line));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/GitLab rate limit exhausted while opening a merge request from mw-gitops\/bump\/publish-83 into main in releng\/deploy: still refused \(429\) after 6 attempts; nothing was changed by this request, run again later/);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(gl.mergeRequests).toHaveLength(0);
  expect(gl.requests.filter((r) => r.method === 'POST').every((r) => r.status === 429)).toBe(true);
});
