/**
 * bump --dry-run and rollback against real git (a bare origin on disk) and the local server that
 * answers like GitHub: a dry run pushes nothing and shows what it would send; rollback restores
 * the tag before the current one on the base, through one branch and one request.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { runBump, type BumpOptions } from '../cli/bump/run.js';
import { UserError } from '../config/errors.js';
import { startGitHub, type FakeGitHub } from './support/github-server.js';
import { bumpOptions, createSourceRepo, runCli, T1, T2, type SourceRepo } from './support/source-repo.js';

const TOKEN = 'ghs_reviewSECRETtoken_0123456789';
const ROLLBACK_BRANCH = 'mw-gitops/rollback/publish-83';

let repo: SourceRepo;
beforeEach(async () => {
  repo = await createSourceRepo();
});
afterEach(async () => {
  await repo.cleanup();
});

const branches = () => repo.git(['for-each-ref', '--format=%(refname)', 'refs/heads'], repo.origin).trim().split('\n');

const options = (overrides: Partial<BumpOptions> = {}): BumpOptions => bumpOptions(repo, T1, overrides);

/** A bump of publish-83 to `tag` merged into main (images.yaml only: rollback reads its history, and re-renders). */
function mergedBump(clone: string, tag: string): void {
  const path = `${clone}/environments/images.yaml`;
  writeFileSync(path, readFileSync(path, 'utf8').replace(/^( {4}tag: )\S+-publish-83$/m, `$1${tag}`));
  repo.git(['commit', '--quiet', '-am', `Bump publish-83 to ${tag}`], clone);
  repo.git(['push', '--quiet', 'origin', 'main'], clone);
}

test('bump --dry-run prints branch, message, title and a body with the new tag, the releases and their plans; origin gets no branch', async () => {
  const before = branches();
  const r = await runCli(['bump', '--flavour', 'publish-83', '--tag', T1, '--dry-run', '--open-pr'], {
    cwd: repo.src,
    // A host that does not exist: a dry run must not call it.
    env: { ...repo.env, GITHUB_API_URL: 'http://127.0.0.1:9', GITHUB_REPOSITORY: 'wikimedia/mw-gitops', GITHUB_TOKEN: TOKEN },
  });
  expect(r.stderr).not.toMatch(/error|mw-gitops:/i);
  expect(r.stderr).not.toContain(TOKEN);
  expect(r.code).toBe(0);
  expect(branches()).toEqual(before);
  expect(r.stdout).toContain('branch: mw-gitops/bump/publish-83\n');
  expect(r.stdout).toContain(`--- commit message ---\nBump publish-83 to ${T1}\n`);
  expect(r.stdout).toContain(`--- request title ---\nBump publish-83 to ${T1}\n`);
  const body = r.stdout.slice(r.stdout.indexOf('--- request body ---'));
  expect(body).toContain(`\`${T1}\``);
  expect(body).toContain('```mermaid\nflowchart LR\n');
  expect(body).toMatch(/\| production \| \d+ \| .*`mw-web`.* \| \d+ \| \d+m \|/);
  expect(body).toContain('<details><summary>Plan: eqiad/mw-web/main (production, ');
  expect(body).toMatch(/\| 1 \| setWeight 10% \| \d+ \| \d+ \|/);
  expect(body).toContain(`mediawiki-multiversion:${T1}\``);
});

test('rollback: no earlier tag is exit 2; after two merged bumps it opens one request restoring the first tag, and again updates nothing', async () => {
  const gh: FakeGitHub = await startGitHub({
    owner: 'wikimedia',
    repo: 'mw-gitops',
    token: TOKEN,
    hasBranch: (name) => {
      try {
        execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${name}`], { cwd: repo.origin, stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    },
  });
  try {
    const env = { ...repo.env, GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'wikimedia/mw-gitops', GITHUB_TOKEN: TOKEN };
    const rollback = () => runBump(options({ target: { kind: 'rollback', flavour: 'publish-83' }, openPr: true, env, labels: ['rollback'] }));
    const original = /tag: (\S+)/.exec(repo.show('main', 'environments/images.yaml'))![1];

    const nothing = await rollback().catch((err: unknown) => err);
    expect(nothing).toBeInstanceOf(UserError);
    expect((nothing as UserError).exitCode).toBe(2);
    expect((nothing as UserError).message).toContain(`publish-83 has had no tag other than ${original} on origin/main: there is nothing to roll back to.`);

    const clone = repo.clone('reviewer');
    mergedBump(clone, T1);
    mergedBump(clone, T2);
    const first = await rollback();
    expect(first).toMatchObject({ branch: ROLLBACK_BRANCH, action: 'created', request: { number: 1 } });
    expect(repo.show(ROLLBACK_BRANCH, 'environments/images.yaml')).toContain(`tag: ${T1}\n`);
    expect(repo.show(ROLLBACK_BRANCH, 'dist/eqiad/mw-web/main/manifest.yaml')).toContain(`:${T1}`);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]).toMatchObject({ head: ROLLBACK_BRANCH, base: 'main', title: `Roll back publish-83 to ${T1} (from ${T2})`, labels: ['rollback'] });
    expect(gh.pulls[0].body).toContain('**Rollback**');

    const again = await rollback();
    expect(again).toMatchObject({ branch: ROLLBACK_BRANCH, commit: first.commit, action: 'unchanged', request: { number: 1 } });
    expect(gh.pulls).toHaveLength(1);

    // --to a tag the flavour never had on the base is exit 2.
    await expect(runBump(options({ target: { kind: 'rollback', flavour: 'publish-83', to: '2020-01-01-000000-publish-83' }, env }))).rejects.toThrow(
      /never had tag 2020-01-01-000000-publish-83 on origin\/main/,
    );
    expect(gh.schemaErrors).toEqual([]);
  } finally {
    await gh.close();
  }
});
