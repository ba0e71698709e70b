/**
 * Keeps tokens out of everything bump prints: messages of errors from git and the HTTP clients
 * pass through a scrubber before they reach stderr.
 */

/** Environment variables whose values are secrets. */
export const SECRET_VARIABLES = ['GITHUB_TOKEN', 'GITLAB_TOKEN', 'GH_TOKEN', 'CI_JOB_TOKEN'] as const;

/** Credentials written into URLs: `https://user:secret@host` or `https://secret@host`. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

export type Scrub = (text: string) => string;

/** A function that replaces each secret (and its URL-encoded form) and any URL credentials with `***`. */
export function scrubber(secrets: Iterable<string | undefined>): Scrub {
  const values = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    values.add(secret);
    values.add(encodeURIComponent(secret));
  }
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text.replace(URL_CREDENTIALS, '$1***@');
    for (const value of sorted) out = out.split(value).join('***');
    return out;
  };
}

export function envScrubber(env: NodeJS.ProcessEnv): Scrub {
  return scrubber(SECRET_VARIABLES.map((name) => env[name]));
}
