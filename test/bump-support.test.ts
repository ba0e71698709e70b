import { withIdentity } from '../git/identity.js';
import { envScrubber, scrubber } from '../cli/secrets.js';

test('the scrubber hides tokens, their URL-encoded form and credentials in URLs', () => {
  const scrub = scrubber(['s3cr3t/t+k', undefined, 'ab']);
  expect(scrub('token s3cr3t/t+k and s3cr3t%2Ft%2Bk')).toBe('token *** and ***');
  expect(scrub("fatal: unable to access 'https://x-access-token:abc@github.com/o/r.git/'")).toBe("fatal: unable to access 'https://github.com/o/r.git/'");
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
