/**
 * Keeps tokens out of everything bump prints: messages of errors from git and the HTTP clients
 * pass through a scrubber before they reach stderr.
 */
import { redact } from '../git/redact.js';

/** Environment variables whose values are secrets. */
export const SECRET_VARIABLES = ['GITHUB_TOKEN', 'GITLAB_TOKEN', 'GH_TOKEN', 'CI_JOB_TOKEN'] as const;

export type Scrub = (text: string) => string;

/** A function that replaces each secret (and its URL-encoded form) with `***` and drops credentials from URLs (git/redact.ts). */
export function scrubber(secrets: Iterable<string | undefined>): Scrub {
  const values = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    values.add(secret);
    values.add(encodeURIComponent(secret));
  }
  const list = [...values];
  return (text: string) => redact(text, list);
}

export function envScrubber(env: NodeJS.ProcessEnv): Scrub {
  return scrubber(SECRET_VARIABLES.map((name) => env[name]));
}
