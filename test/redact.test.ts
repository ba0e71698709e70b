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
