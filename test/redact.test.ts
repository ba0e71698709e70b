/**
 * Credentials in remote URLs: described, displayed without them, scrubbed from any message.
 */
import { describeRemote, redact, stripCredentials } from '../git/redact.js';

test('a password in an https URL is a secret, in raw and percent-decoded form', () => {
  const r = describeRemote('https://deploy:p%40ss%2Fw0rd@git.example.org/sre/deploy.git');
  expect(r.display).toBe('https://git.example.org/sre/deploy.git');
  expect(r.secrets).toEqual(expect.arrayContaining(['p%40ss%2Fw0rd', 'p@ss/w0rd']));
  expect(r.secrets).not.toContain('deploy'); // a short user name is not hidden everywhere
});

test('a token used as the user name is a secret', () => {
  const r = describeRemote('https://ghp_abcdefghijklmnop1234@github.com/org/repo.git');
  expect(r.display).toBe('https://github.com/org/repo.git');
  expect(r.secrets).toContain('ghp_abcdefghijklmnop1234');
  const t = describeRemote('https://ghp_abcdefghijklmnop1234:x-oauth-basic@github.com/org/repo.git');
  expect(t.secrets).toContain('ghp_abcdefghijklmnop1234');
});

test('ssh and plain paths carry no secret and are shown as given', () => {
  for (const url of ['ssh://git@host/org/repo.git', 'git@host:org/repo.git', '/srv/deploy.git', 'file:///srv/deploy.git']) {
    expect(describeRemote(url)).toEqual({ url, display: url, secrets: [] });
  }
});

test('redact removes secrets and any user:password@ in a message', () => {
  const { secrets } = describeRemote('https://bot:hunter2hunter2@example.org/x.git');
  const msg = "fatal: unable to access 'https://bot:hunter2hunter2@example.org/x.git/': 403; password hunter2hunter2";
  const out = redact(msg, secrets);
  expect(out).not.toContain('hunter2hunter2');
  expect(out).toContain('https://example.org/x.git/');
  // URLs we were never told about are cleaned too
  expect(redact('see http://someone:else@other.example/ and ssh://git@host/x')).toBe('see http://other.example/ and ssh://git@host/x');
  expect(stripCredentials('https://u:p@h/r')).toBe('https://h/r');
});

test('credential query parameters and headers are scrubbed from any message; other parameters stay', () => {
  const msg =
    "fatal: unable to access 'https://gitlab.example/g/p.git?private_token=glpat-AAAA1111&ref=main': 403; " +
    'GET https://api.example/x?Access_Token=tok-BBBB;token=CCCC#top; Authorization: Bearer DDDD; PRIVATE-TOKEN: EEEE';
  const out = redact(msg);
  for (const secret of ['glpat-AAAA1111', 'tok-BBBB', 'CCCC', 'DDDD', 'EEEE']) expect(out).not.toContain(secret);
  expect(out).toContain('?private_token=***&ref=main');
  expect(out).toContain('#top');
  expect(redact('https://example.org/?keyboard=1&page=2 and a token=in prose')).toBe('https://example.org/?keyboard=1&page=2 and a token=in prose');
});

test('a remote with a token in its query: displayed without it, the value a secret everywhere', () => {
  const r = describeRemote('https://oauth2:s3cr3t-pw@gitlab.example/g/p.git?private_token=glpat-s3cr3t-q');
  expect(r.display).toBe('https://gitlab.example/g/p.git?private_token=***');
  expect(r.secrets).toEqual(expect.arrayContaining(['glpat-s3cr3t-q', 's3cr3t-pw']));
  expect(redact('the token glpat-s3cr3t-q leaked', r.secrets)).toBe('the token *** leaked');
});
