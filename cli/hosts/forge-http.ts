/**
 * Timing and retry policy shared by the GitHub and GitLab clients, so both forges behave the same
 * when they are slow, rate-limited or broken (docs/bump.md, "Slow, rate-limited or broken forges"):
 *
 * - Every request gets REQUEST_TIMEOUT_SECONDS (20 s) to answer, body included.
 * - All requests of one host (one bump run) share a budget of TOTAL_BOUND_SECONDS (60 s) counted
 *   from the first request: no retry wait runs past it, and a request started near its end gets only
 *   what is left. A bump therefore gives up on its forge within 60 s.
 * - 429 Too Many Requests (and GitHub's 403 rate limits) are retried always: the forge refused the
 *   request without acting on it. The wait is the server's Retry-After (seconds or an HTTP date), else
 *   its rate-limit reset time, else 1, 2, 4, … s. A wait that would end past the budget is not
 *   started: the call fails at once, saying how long the forge asked to wait.
 * - 5xx answers and dropped connections are retried only for idempotent calls (reads, and writes that
 *   set values): a create that may have been applied is retried only by a caller that first checks
 *   that it did not land.
 * - A request that gets no answer in time is not retried: the forge accepted it and went silent,
 *   and a write may have landed. Running bump again is safe (it updates the open request).
 */

/** Seconds one request may take, body included. */
export const REQUEST_TIMEOUT_SECONDS = 20;
/** Seconds all forge requests of one bump may take together, retry waits included. */
export const TOTAL_BOUND_SECONDS = 60;
/** Attempts per call at most, whatever the budget (a Retry-After of 0 must not spin). */
const MAX_ATTEMPTS = 6;
const RETRIED_SERVER_STATUSES = new Set([500, 502, 503, 504]);

export interface ForgeTiming {
  /** Milliseconds one request may take. @default 20000 */
  readonly requestTimeoutMs?: number;
  /** Milliseconds all requests of one host may take together. @default 60000 */
  readonly totalTimeoutMs?: number;
  /** Milliseconds one "second" of Retry-After, backoff or GitHub's spacing of writes lasts (tests shorten it). @default 1000 */
  readonly retryBaseMs?: number;
}

/** The forge accepted the request (or the connection) and did not answer in time. */
export class ForgeTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForgeTimeoutError';
  }
}

/** The forge answered, but not with what an API answers (HTML, malformed JSON). Never retried. */
export class ForgeAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForgeAnswerError';
  }
}

/** How long a bump may still talk to its forge; starts at the first request. */
export class ForgeBudget {
  readonly requestTimeoutMs: number;
  readonly totalMs: number;
  readonly secondMs: number;
  private deadline: number | undefined;

  constructor(timing: ForgeTiming = {}) {
    this.requestTimeoutMs = timing.requestTimeoutMs ?? REQUEST_TIMEOUT_SECONDS * 1000;
    this.totalMs = timing.totalTimeoutMs ?? TOTAL_BOUND_SECONDS * 1000;
    this.secondMs = timing.retryBaseMs ?? 1000;
  }

  remainingMs(): number {
    this.deadline ??= Date.now() + this.totalMs;
    return Math.max(0, this.deadline - Date.now());
  }

  /** "20 s" / "60 s" as the user configured them, for messages. */
  describeRequestTimeout(): string {
    return seconds(this.requestTimeoutMs);
  }

  describeBound(): string {
    return seconds(this.totalMs);
  }

  /**
   * A fetch that gives each request the per-request timeout (or what is left of the budget, if
   * less) and reads the whole body under it, so a server that sends headers and then stalls is
   * caught too. Timeouts become a ForgeTimeoutError naming the forge, method and path.
   */
  fetch(forge: string): typeof fetch {
    return async (input, init) => {
      const remaining = this.remainingMs();
      const request = new Request(input, init);
      const where = `${request.method} ${new URL(request.url).pathname}`;
      if (remaining <= 0) throw new ForgeTimeoutError(`${forge} calls ran out of their ${this.describeBound()} bound before ${where}`);
      const limit = Math.min(this.requestTimeoutMs, remaining);
      const timeout = AbortSignal.timeout(limit);
      const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      try {
        const response = await fetch(request, { signal });
        const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
        return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      } catch (err) {
        if (!timeout.aborted) throw err;
        const why = limit < this.requestTimeoutMs ? `the rest of the ${this.describeBound()} bound for forge calls` : this.describeRequestTimeout();
        throw new ForgeTimeoutError(`${forge} did not answer ${where} within ${why}`);
      }
    };
  }
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Seconds a Retry-After header asks to wait: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (!/[a-z]/i.test(text) || Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * fetch's "no connection" error (refused, reset, DNS): a TypeError "fetch failed" with the system
 * error as its cause. Checked by name, as it may come from another realm (test sandboxes).
 */
export function isFetchFailure(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown } | null;
  return e?.name === 'TypeError' && e.message === 'fetch failed';
}

/** What went wrong with one attempt, as far as retrying goes. */
export type Failure =
  /** Refused before acting: safe to repeat. `waitSeconds` from Retry-After or a reset time. */
  | { readonly kind: 'rate-limited'; readonly label: string; readonly waitSeconds?: number }
  /** A 5xx or a dropped connection: the request may or may not have been applied. */
  | { readonly kind: 'transient'; readonly label: string }
  /** Anything retrying cannot help with (4xx, timeouts, malformed answers). */
  | { readonly kind: 'final' };

/**
 * The failure kind of an HTTP status and its headers. GitHub signals rate limits with 403 or 429
 * and `x-ratelimit-remaining: 0` or a Retry-After (its secondary limits); GitLab with 429,
 * Retry-After and `RateLimit-Reset`.
 */
export function classifyStatus(status: number, header: (name: string) => string | null | undefined, message = ''): Failure {
  const retryAfter = parseRetryAfter(header('retry-after'));
  const reset = Number(header('x-ratelimit-reset') ?? header('ratelimit-reset'));
  const resetWait = Number.isFinite(reset) && reset > 0 ? Math.max(0, Math.ceil(reset - Date.now() / 1000) + 1) : undefined;
  const limited =
    status === 429 || (status === 403 && (header('x-ratelimit-remaining') === '0' || retryAfter !== undefined || /secondary rate limit/i.test(message)));
  if (limited) return { kind: 'rate-limited', label: String(status), waitSeconds: retryAfter ?? resetWait };
  if (RETRIED_SERVER_STATUSES.has(status)) return { kind: 'transient', label: String(status) };
  return { kind: 'final' };
}

export interface RetryCall<T> {
  /** "opening a merge request from … into …", for messages. */
  readonly what: string;
  /** Whether repeating the call after a 5xx or dropped connection is harmless. */
  readonly idempotent: boolean;
  /**
   * For calls that are not idempotent: runs before a retry and returns the result if the first
   * attempt landed after all (undefined: it did not, retrying is safe).
   */
  readonly landed?: () => Promise<T | undefined>;
}

export interface RetryHooks {
  readonly forge: string;
  readonly budget: ForgeBudget;
  readonly classify: (err: unknown) => Failure;
  /** A retry notice for the user (stderr). */
  readonly warn: (message: string) => void;
  /** The final error for the user, once retrying is over. */
  readonly explain: (err: unknown, what: string) => Error;
}

/** Runs `fn` under the policy above. */
export async function withRetry<T>(hooks: RetryHooks, call: RetryCall<T>, fn: () => Promise<T>): Promise<T> {
  const { forge, budget } = hooks;
  for (let attempt = 1; ; attempt++) {
    let failure: Failure;
    let error: unknown;
    try {
      return await fn();
    } catch (err) {
      error = err;
      failure = hooks.classify(err);
    }
    const unsafe = failure.kind === 'transient' && !call.idempotent && call.landed === undefined;
    if (failure.kind === 'final' || unsafe) throw hooks.explain(error, call.what);
    const waitSeconds = (failure.kind === 'rate-limited' ? failure.waitSeconds : undefined) ?? 2 ** (attempt - 1);
    const waitMs = waitSeconds * budget.secondMs;
    // The first test matters only when tests shorten the second: a forge asking for more than the bound is never waited for.
    const outOfTime = waitSeconds * 1000 >= budget.totalMs || waitMs >= budget.remainingMs();
    if (outOfTime || attempt >= MAX_ATTEMPTS) {
      if (failure.kind === 'transient') throw hooks.explain(error, call.what);
      const why = outOfTime
        ? `it asks to wait ${waitSeconds} s, more than is left of the ${budget.describeBound()} mw-gitops waits for a forge`
        : `still refused (${failure.label}) after ${attempt} attempts`;
      throw new Error(`${forge} rate limit exhausted while ${call.what}: ${why}; nothing was changed by this request, run again later`);
    }
    const why = failure.kind === 'rate-limited' ? 'rate-limited the request' : 'failed';
    hooks.warn(`${forge} ${why} while ${call.what} (${failure.label}); retrying in ${waitSeconds}s`);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    if (failure.kind === 'transient' && !call.idempotent && call.landed) {
      const result = await call.landed();
      if (result !== undefined) return result;
    }
  }
}
