/**
 * One interface over the git hosts bump opens requests on: GitHub pull requests and GitLab merge
 * requests. Implementations: ./github.ts, ./gitlab.ts; ./index.ts picks one from flags and the
 * variables CI systems set.
 *
 * Expected outcomes are results (discriminated unions); problems the user must fix (bad token,
 * unknown repository) are thrown as UserError naming the variable or flag to change; anything
 * else is thrown as an Error whose message carries no token.
 */

import type { ForgeTiming } from './forge-http.js';

export type ProviderName = 'github' | 'gitlab';

export const PROVIDERS: readonly ProviderName[] = ['github', 'gitlab'];

/** A pull request (GitHub) or merge request (GitLab), as bump needs to see it. */
export interface HostRequest {
  /** PR number / MR iid: what people type after # or !. */
  readonly number: number;
  readonly url: string;
  readonly title: string;
  readonly body: string;
  readonly labels: readonly string[];
  /** The branch the request merges from. */
  readonly branch: string;
  readonly base: string;
}

export interface RequestContent {
  /** Source branch (the bot's branch), in the same repository. */
  readonly branch: string;
  /** Target branch. */
  readonly base: string;
  readonly title: string;
  readonly body: string;
  /** Labels to add (labels people added by hand are left alone). */
  readonly labels: readonly string[];
}

export type FindResult = { readonly kind: 'found'; readonly request: HostRequest } | { readonly kind: 'none' };

export type CreateResult =
  | { readonly kind: 'created'; readonly request: HostRequest }
  /** The host says an open request from this branch exists already (a race with another run). */
  | { readonly kind: 'exists'; readonly request: HostRequest };

export type UpdateResult =
  | { readonly kind: 'updated'; readonly request: HostRequest }
  /** Title, body and labels were already as wanted: nothing was sent. */
  | { readonly kind: 'unchanged'; readonly request: HostRequest };

export interface GitHost {
  readonly provider: ProviderName;
  /** "GitHub repository owner/name at https://…", for messages. */
  readonly description: string;
  /** The open request whose source is `branch`, if any. */
  findOpenRequest(branch: string): Promise<FindResult>;
  createRequest(content: RequestContent): Promise<CreateResult>;
  /** Sets title and body, adds missing labels. */
  updateRequest(existing: HostRequest, content: RequestContent): Promise<UpdateResult>;
}

/** What `bump --open-pr` did with the request. */
export type RequestOutcome =
  | { readonly action: 'created'; readonly request: HostRequest }
  | { readonly action: 'updated'; readonly request: HostRequest }
  | { readonly action: 'unchanged'; readonly request: HostRequest };

/** Timeouts and retry timing (./forge-http.ts), shortened by tests. */
export type RetryOptions = ForgeTiming;

export function needsUpdate(existing: HostRequest, content: RequestContent): boolean {
  return contentDiffers(existing, content) || missingLabels(existing, content).length > 0;
}

/** Title, body or target branch differ (labels aside). */
export function contentDiffers(existing: HostRequest, content: RequestContent): boolean {
  return existing.title !== content.title || normalizeBody(existing.body) !== normalizeBody(content.body) || baseDiffers(existing, content);
}

/** The request targets another branch (unknown when the host did not say). */
export function baseDiffers(existing: HostRequest, content: RequestContent): boolean {
  return existing.base !== '' && existing.base !== content.base;
}

export function missingLabels(existing: HostRequest, content: RequestContent): string[] {
  return content.labels.filter((l) => !existing.labels.includes(l));
}

/** Hosts may turn \n into \r\n in stored bodies; compare without that difference. */
function normalizeBody(body: string): string {
  return body.replace(/\r\n/g, '\n').trimEnd();
}

/**
 * The JSON a client handed back. Both clients decode by content type; a server that forgets
 * `content-type: application/json` gives a string (octokit) or a Blob (gitbeaker) instead.
 */
export async function decodeJson(value: unknown): Promise<unknown> {
  let text: string | undefined;
  if (typeof value === 'string') text = value;
  else if (value instanceof Blob) text = await value.text();
  else if (value instanceof ArrayBuffer) text = new TextDecoder().decode(value);
  if (text === undefined) return value;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const line = text.replace(/\s+/g, ' ').trim().slice(0, 120);
    const what = /^<(!doctype|html)/i.test(line) ? 'an HTML page, not JSON (is the API URL right?)' : 'something that is not JSON';
    throw new Error(`the API answered with ${what}: ${line}`);
  }
}

export function sameName(a: string | undefined | null, b: string): boolean {
  return (a ?? '').toLowerCase() === b.toLowerCase();
}
