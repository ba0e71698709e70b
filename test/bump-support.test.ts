import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from '../cli/bump/lock.js';
import { withIdentity } from '../cli/bump/run.js';
import { envScrubber, scrubber } from '../cli/secrets.js';

test('the scrubber hides tokens, their URL-encoded form and credentials in URLs', () => {
  const scrub = scrubber(['s3cr3t/t+k', undefined, 'ab']);
  expect(scrub('token s3cr3t/t+k and s3cr3t%2Ft%2Bk')).toBe('token *** and ***');
  expect(scrub("fatal: unable to access 'https://x-access-token:abc@github.com/o/r.git/'")).toBe("fatal: unable to access 'https://***@github.com/o/r.git/'");
  // Too short to be a token: left alone rather than mangling every "ab".
  expect(scrub('ab')).toBe('ab');
  expect(envScrubber({ GITHUB_TOKEN: 'ghp_abcdef', GITLAB_TOKEN: 'glpat-xyz123' })('ghp_abcdef glpat-xyz123')).toBe('*** ***');
});

test('commit identity: GIT_* from the environment, else mw-gitops <mw-gitops@localhost>', () => {
  expect(withIdentity({})).toMatchObject({
    GIT_AUTHOR_NAME: 'mw-gitops',
    GIT_AUTHOR_EMAIL: 'mw-gitops@localhost',
    GIT_COMMITTER_NAME: 'mw-gitops',
    GIT_COMMITTER_EMAIL: 'mw-gitops@localhost',
  });
  expect(withIdentity({ GIT_AUTHOR_NAME: 'CI', GIT_AUTHOR_EMAIL: 'ci@example.org' })).toMatchObject({
    GIT_COMMITTER_NAME: 'CI',
    GIT_COMMITTER_EMAIL: 'ci@example.org',
  });
});

describe('the bump lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mw-gitops-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('runs holders one at a time and removes the file afterwards', async () => {
    const path = join(dir, 'lock');
    const order: string[] = [];
    const job = (name: string) =>
      withLock(
        path,
        async () => {
          order.push(`${name} in`);
          await new Promise((resolve) => setTimeout(resolve, 20));
          order.push(`${name} out`);
        },
        { pollMs: 5 },
      );
    await Promise.all([job('a'), job('b')]);
    expect(order).toEqual(order[0] === 'a in' ? ['a in', 'a out', 'b in', 'b out'] : ['b in', 'b out', 'a in', 'a out']);
    await expect(readFile(path)).rejects.toThrow();
  });

  test('a lock left by a process that is gone is taken over', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, `999999999 ${hostname()}\n`);
    await expect(withLock(path, async () => 'ran', { pollMs: 5, timeoutMs: 1000 })).resolves.toBe('ran');
  });

  test('a live holder makes the next one give up after the timeout, naming the file', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, `${process.pid} ${hostname()}\n`);
    await expect(withLock(path, async () => 'ran', { pollMs: 5, timeoutMs: 50 })).rejects.toThrow(/another mw-gitops bump holds .*lock/);
  });
});
