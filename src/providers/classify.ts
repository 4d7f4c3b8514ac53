/**
 * Decides whether a thrown value is worth retrying, reading the shapes the openai and Anthropic
 * SDKs, fetch, axios and plain objects throw.
 * @packageDocumentation
 */

import { isHeadersLike, readHeader, type HeadersLike } from './headers';
import { findGoogleRpcDetail } from './google-rpc';
import { parseJsonText } from './header-values';
import { isObjectLike } from '../util/values';

/** What can be read off any thrown value. */
export interface ErrorFacts {
  /** HTTP status (100–999). */
  readonly status?: number;
  /** Response headers. */
  readonly headers?: HeadersLike;
  /** The parsed error body (a JSON text body is parsed). */
  readonly body?: unknown;
}

type MutableFacts = { -readonly [K in keyof ErrorFacts]: ErrorFacts[K] };

const NO_FACTS: ErrorFacts = Object.freeze({});
const MAX_CAUSE_DEPTH = 5;

/**
 * Status/headers/body from the shapes real clients throw:
 * - openai and @anthropic-ai/sdk `APIError`: `.status`, `.headers` (a Headers object), `.error` (parsed body)
 * - a fetch `Response` (thrown or rejected): `.status`, `.headers`
 * - axios-style `error.response = { status, headers, data }`
 * - plain `{ status | statusCode, headers? (record), body?|error?|data? }`
 * Non-objects → {}. Never throws (getters that throw must be caught).
 *
 * Also read: `responseHeaders` / `responseBody` (Vercel AI SDK `APICallError`), a body given as JSON
 * text (parsed), and — for an error with a status but no body — a JSON object embedded in the
 * message (as `@google/genai` `ApiError` does). Stream bodies (a fetch `Response.body`) are skipped.
 * Only the value itself is read, not its `cause`: a wrapper such as a retry-exhausted error must not
 * look like the 429 inside it.
 *
 * @param error - anything that was thrown or rejected.
 */
export function errorFacts(error: unknown): ErrorFacts {
  if (!isObjectLike(error)) return NO_FACTS;
  const response = objectProp(error, 'response');
  const status = statusOf(error) ?? (response === undefined ? undefined : statusOf(response));

  let headers = headersProp(error, 'headers') ?? headersProp(error, 'responseHeaders');
  if (headers === undefined && response !== undefined) headers = headersProp(response, 'headers');

  let body = bodyProp(error, 'body') ?? bodyProp(error, 'error') ?? bodyProp(error, 'data') ?? bodyProp(error, 'responseBody');
  if (body === undefined && response !== undefined) body = bodyProp(response, 'data') ?? bodyProp(response, 'body');
  if (body === undefined && status !== undefined) body = bodyInMessage(error);

  if (status === undefined && headers === undefined && body === undefined) return NO_FACTS;
  const facts: MutableFacts = {};
  if (status !== undefined) facts.status = status;
  if (headers !== undefined) facts.headers = headers;
  if (body !== undefined) facts.body = body;
  return facts;
}

/** Why an error is worth retrying. */
export type RetryReason = 'rate-limited' | 'overloaded' | 'server-error' | 'request-timeout' | 'conflict' | 'network' | 'attempt-timeout' | 'should-retry-header' | 'custom';

/** Why an error is not retried. */
export type NoRetryReason = 'aborted' | 'client-error' | 'quota-exhausted' | 'should-retry-header' | 'not-retryable' | 'custom';

/** The verdict on one error. */
export interface Classification {
  /** Whether another attempt may succeed. */
  readonly retryable: boolean;
  /** RetryReason when retryable, NoRetryReason when not */
  readonly reason: RetryReason | NoRetryReason;
  /** HTTP status, when known. */
  readonly status?: number;
  /** Response headers, when known (for wait hints and rate-limit snapshots). */
  readonly headers?: HeadersLike;
  /** Parsed error body, when known. */
  readonly body?: unknown;
}

const ABORTED: Classification = Object.freeze({ retryable: false, reason: 'aborted' });
const ATTEMPT_TIMEOUT: Classification = Object.freeze({ retryable: true, reason: 'attempt-timeout' });
const NETWORK: Classification = Object.freeze({ retryable: true, reason: 'network' });
const NOT_RETRYABLE: Classification = Object.freeze({ retryable: false, reason: 'not-retryable' });

const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Provider-aware classification, in this order:
 * 1. Aborts are never retried (reason 'aborted'): error.name 'AbortError', openai/anthropic `APIUserAbortError`, DOMException AbortError, or code 'ABORT_ERR'.
 * 2. Our own AttemptTimeoutError (code 'ATTEMPT_TIMEOUT') → retryable 'attempt-timeout'.
 * 3. Header `x-should-retry: true|false` overrides everything below (reason 'should-retry-header').
 * 4. 429 whose body says quota/billing is exhausted (`insufficient_quota` in body.error.code/type, body.code/type, or the message; Gemini RESOURCE_EXHAUSTED with a QuotaFailure violation whose quotaId/quotaMetric mentions "PerDay" / per-day) → not retryable 'quota-exhausted'.
 * 5. 408 → 'request-timeout', 409 → 'conflict', 429 → 'rate-limited', 529 → 'overloaded', other 500–599 (503 included) → 'server-error' (all retryable).
 * 6. Any other 4xx (400, 401, 403, 404, 422, ...) → not retryable 'client-error'.
 * 7. Network failures → retryable 'network': openai/anthropic `APIConnectionError` and `APIConnectionTimeoutError` (by `name` or constructor name, no status), errno codes ECONNRESET, ETIMEDOUT, ECONNREFUSED, EPIPE, EAI_AGAIN, ENETUNREACH, EHOSTUNREACH, ECONNABORTED, UND_ERR_SOCKET, UND_ERR_CONNECT_TIMEOUT, UND_ERR_HEADERS_TIMEOUT, UND_ERR_BODY_TIMEOUT, "socket hang up", "fetch failed" (TypeError from undici) — looked for through the `error.cause` chain (depth ≤ 5).
 * 8. Anything else → not retryable 'not-retryable'.
 *
 * Never throws. The result carries the status, headers and body that were found.
 * @param error - anything that was thrown or rejected.
 */
export function classifyError(error: unknown): Classification {
  if (!isObjectLike(error)) return NOT_RETRYABLE;
  if (isAbort(error)) return ABORTED;
  if (stringProp(error, 'code') === 'ATTEMPT_TIMEOUT') return ATTEMPT_TIMEOUT;

  const facts = errorFacts(error);
  const shouldRetry = readHeader(facts.headers, 'x-should-retry');
  if (shouldRetry !== undefined) {
    const lower = shouldRetry.toLowerCase();
    if (lower === 'true') return verdict(true, 'should-retry-header', facts);
    if (lower === 'false') return verdict(false, 'should-retry-header', facts);
  }

  const status = facts.status;
  if (status !== undefined) {
    if (status === 429) {
      return isQuotaExhausted(error, facts.body) ? verdict(false, 'quota-exhausted', facts) : verdict(true, 'rate-limited', facts);
    }
    if (status === 408) return verdict(true, 'request-timeout', facts);
    if (status === 409) return verdict(true, 'conflict', facts);
    if (status === 529) return verdict(true, 'overloaded', facts);
    if (status >= 500 && status <= 599) return verdict(true, 'server-error', facts);
    if (status >= 400 && status <= 499) return verdict(false, 'client-error', facts);
  } else if (isNetworkFailure(error)) {
    return facts === NO_FACTS ? NETWORK : verdict(true, 'network', facts);
  }
  return facts === NO_FACTS ? NOT_RETRYABLE : verdict(false, 'not-retryable', facts);
}

function verdict(retryable: boolean, reason: RetryReason | NoRetryReason, facts: ErrorFacts): Classification {
  const out: { -readonly [K in keyof Classification]: Classification[K] } = { retryable, reason };
  if (facts.status !== undefined) out.status = facts.status;
  if (facts.headers !== undefined) out.headers = facts.headers;
  if (facts.body !== undefined) out.body = facts.body;
  return out;
}

function isAbort(error: object): boolean {
  const name = stringProp(error, 'name');
  if (name === 'AbortError' || name === 'APIUserAbortError') return true;
  if (stringProp(error, 'code') === 'ABORT_ERR') return true;
  return hasConstructorNamed(error, 'APIUserAbortError');
}

function isNetworkFailure(error: object): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && isObjectLike(current); depth++) {
    const name = stringProp(current, 'name');
    if (name === 'APIConnectionError' || name === 'APIConnectionTimeoutError') return true;
    if (hasConstructorNamed(current, 'APIConnectionError')) return true;
    const code = stringProp(current, 'code');
    if (code !== undefined && NETWORK_CODES.has(code)) return true;
    const message = stringProp(current, 'message');
    if (message !== undefined) {
      if (message.includes('socket hang up')) return true;
      if (message === 'fetch failed' && name === 'TypeError') return true;
    }
    current = prop(current, 'cause');
  }
  return false;
}

/** Walks the prototype chain (bounded) comparing constructor names; subclasses count. */
function hasConstructorNamed(value: object, wanted: string): boolean {
  try {
    let proto: unknown = Object.getPrototypeOf(value);
    for (let depth = 0; depth < 8 && proto !== null && typeof proto === 'object'; depth++) {
      const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
      if (typeof ctor === 'function' && ctor.name === wanted) return true;
      proto = Object.getPrototypeOf(proto);
    }
  } catch {
    // a hostile proxy: not one of ours
  }
  return false;
}

const INSUFFICIENT_QUOTA = 'insufficient_quota';
const PER_DAY = /per[\s_-]?day|daily/i;

function isQuotaExhausted(error: object, body: unknown): boolean {
  const message = stringProp(error, 'message');
  if (message?.includes(INSUFFICIENT_QUOTA) === true) return true;
  if (typeof body === 'string') return body.includes(INSUFFICIENT_QUOTA);
  if (!isObjectLike(body)) return false;
  if (isInsufficientQuota(body)) return true;
  const inner = prop(body, 'error');
  if (isObjectLike(inner) && isInsufficientQuota(inner)) return true;
  return findGoogleRpcDetail(body, 'google.rpc.QuotaFailure', hasPerDayViolation) !== undefined;
}

function isInsufficientQuota(value: object): boolean {
  if (stringProp(value, 'code') === INSUFFICIENT_QUOTA || stringProp(value, 'type') === INSUFFICIENT_QUOTA) return true;
  const message = stringProp(value, 'message');
  return message?.includes(INSUFFICIENT_QUOTA) === true;
}

function hasPerDayViolation(detail: Readonly<Record<string, unknown>>): boolean {
  const violations = detail.violations;
  if (!Array.isArray(violations)) return false;
  const n = Math.min(violations.length, 32);
  for (let k = 0; k < n; k++) {
    const v: unknown = violations[k];
    if (!isObjectLike(v)) continue;
    const id = stringProp(v, 'quotaId');
    const metric = stringProp(v, 'quotaMetric');
    if ((id !== undefined && PER_DAY.test(id)) || (metric !== undefined && PER_DAY.test(metric))) return true;
  }
  return false;
}

function statusOf(value: object): number | undefined {
  const status = prop(value, 'status');
  if (isHttpStatus(status)) return status;
  const statusCode = prop(value, 'statusCode');
  return isHttpStatus(statusCode) ? statusCode : undefined;
}

function isHttpStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 999;
}

function headersProp(value: object, key: string): HeadersLike | undefined {
  const headers = prop(value, key);
  return isHeadersLike(headers) ? headers : undefined;
}

/** A body value; stream bodies are skipped, JSON text is parsed (other text kept as is). */
function bodyProp(value: object, key: string): unknown {
  const body = prop(value, key);
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') {
    if (body.length === 0) return undefined;
    return parseJsonText(body) ?? body;
  }
  if (typeof body === 'object') {
    if (typeof prop(body, 'getReader') === 'function' || typeof prop(body, 'pipe') === 'function') return undefined;
    return body;
  }
  return undefined;
}

/** A JSON object embedded in an error message: `got status: 429 ... {"error":{...}}`. */
function bodyInMessage(error: object): unknown {
  const message = stringProp(error, 'message');
  if (message === undefined) return undefined;
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  const parsed = parseJsonText(start === 0 ? message : message.slice(start));
  return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
}

function objectProp(value: object, key: string): object | undefined {
  const found = prop(value, key);
  return isObjectLike(found) ? found : undefined;
}

function stringProp(value: object, key: string): string | undefined {
  const found = prop(value, key);
  return typeof found === 'string' ? found : undefined;
}

/** Property read that survives throwing getters and proxies. */
function prop(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

