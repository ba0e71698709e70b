/**
 * Keeping credentials in remote URLs out of everything we print, throw or commit.
 *
 * A remote such as `https://user:secret@host/repo.git` (or `https://TOKEN@host/...`) is
 * needed to talk to the remote, but git echoes URLs in their errors. Every message
 * that can contain one goes through `redact` (errors: `scrubError`) before it leaves the
 * process. Pure functions.
 */

/** A remote as given by the user, with what must never be shown. */
export interface RemoteDescription {
  /** The URL or path exactly as given (may contain credentials): only ever handed to git. */
  readonly url: string;
  /** The same without credentials, safe to print and to commit. */
  readonly display: string;
  /** Strings that must not appear in any output (raw and percent-decoded forms). */
  readonly secrets: readonly string[];
}

// scheme://[userinfo@]authority/...; userinfo is everything up to the last '@' before the path.
const URL_WITH_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@([^/?#@]*)(.*)$/is;
const CREDENTIAL_SCHEMES = new Set(['http://', 'https://', 'ftp://', 'ftps://']);

export function describeRemote(url: string): RemoteDescription {
  const inQuery = querySecrets(url);
  if (inQuery.length > 0) {
    // ?private_token=… : the value is a secret wherever it shows up; the display drops it.
    const rest = describeRemote(url.replace(SECRET_QUERY, '$1***'));
    const secrets = new Set(rest.secrets);
    for (const value of inQuery) addSecret(secrets, value);
    return { url, display: rest.display, secrets: [...secrets].sort((a, b) => b.length - a.length) };
  }
  const m = URL_WITH_USERINFO.exec(url);
  if (!m) return { url, display: url, secrets: [] };
  const [, scheme, userinfo, host, rest] = m;
  const colon = userinfo.indexOf(':');
  const secrets = new Set<string>();
  if (colon >= 0) {
    const password = userinfo.slice(colon + 1);
    addSecret(secrets, password);
    addSecret(secrets, userinfo);
    // `TOKEN:x-oauth-basic`: a token-like user name is as secret as the password. (Short names
    // such as `git` or `oauth2` are not, and hiding them would mangle unrelated text.)
    const user = userinfo.slice(0, colon);
    if (user.length >= 16) addSecret(secrets, user);
  } else if (CREDENTIAL_SCHEMES.has(scheme.toLowerCase())) {
    // https://TOKEN@host/...: the user name is the credential.
    addSecret(secrets, userinfo);
  } else {
    // ssh://git@host/...: a plain user name, not a secret; keep the URL as it is.
    return { url, display: url, secrets: [] };
  }
  return { url, display: `${scheme}${host}${rest}`, secrets: [...secrets].sort((a, b) => b.length - a.length) };
}

function addSecret(secrets: Set<string>, value: string): void {
  if (!value) return;
  secrets.add(value);
  try {
    const decoded = decodeURIComponent(value);
    if (decoded) secrets.add(decoded);
  } catch {
    // not valid percent-encoding: the raw form is enough
  }
  // git and curl may re-encode what they print
  const encoded = encodeURIComponent(value);
  if (encoded) secrets.add(encoded);
}

// Any credential-looking userinfo in any URL inside a message (covers URLs we did not parse).
const USERINFO_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@'"<>]+)@/gi;

/** Query parameters whose values are credentials (GitLab's private_token, OAuth's access_token, signed URLs, …). */
const SECRET_PARAMETERS = [
  'private_token', 'access_token', 'refresh_token', 'id_token', 'job_token', 'token', 'auth', 'authorization',
  'api_key', 'apikey', 'key', 'secret', 'client_secret', 'password', 'passwd', 'pass', 'sig', 'signature',
  'x-amz-signature', 'x-amz-credential', 'x-amz-security-token', 'x-goog-signature', 'code',
];
// `?name=value` or `&name=value` (also `;`), name case-insensitive and maybe percent-encoded; the value up to the next separator.
const SECRET_QUERY = new RegExp(`([?&;](?:${SECRET_PARAMETERS.map((p) => p.replace(/[-_]/g, '[-_]')).join('|')})=)([^&;#\\s'"<>]*)`, 'gi');
// `Authorization: Bearer …` / `PRIVATE-TOKEN: …` headers, should a client echo a request.
const SECRET_HEADER = /\b((?:authorization|proxy-authorization)\s*[:=]\s*(?:bearer|token|basic)?\s*|(?:private|job)-token\s*[:=]\s*)[^\s'",}]+/gi;

function querySecrets(url: string): string[] {
  return [...url.matchAll(SECRET_QUERY)].map((m) => m[2]).filter((v) => v.length > 0 && v !== '***');
}

/**
 * Removes every secret, every `user:password@`, every credential query parameter value
 * (`?private_token=…`, `&access_token=…`) and every credential header from a message.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret) out = out.split(secret).join('***');
  }
  return out
    .replace(USERINFO_IN_TEXT, (whole, scheme: string, userinfo: string) =>
      userinfo.includes(':') || CREDENTIAL_SCHEMES.has(scheme.toLowerCase()) ? scheme : whole,
    )
    .replace(SECRET_QUERY, (whole, name: string, value: string) => (value === '' || value === '***' ? whole : `${name}***`))
    .replace(SECRET_HEADER, '$1***');
}

/** A URL with any credentials removed (for `Source-Repository:` trailers and displays). */
export function stripCredentials(url: string): string {
  return describeRemote(url).display;
}

/**
 * The error with every secret removed from its message and stack, in place, so its class (and
 * with it the exit code) is kept. Anything thrown that is not an Error becomes one.
 */
export function scrubError(err: unknown, scrub: (text: string) => string): Error {
  if (!(err instanceof Error)) return new Error(scrub(String(err)));
  const message = scrub(err.message);
  if (message !== err.message) err.message = message;
  if (err.stack) err.stack = scrub(err.stack);
  return err;
}
