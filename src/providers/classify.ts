/**
 * Decides whether a thrown value is worth retrying, reading the shapes the openai and Anthropic SDKs, the
 * Vercel AI SDK, LangChain, `@google/genai`, fetch, axios and plain objects throw.
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
 * Also read: `statusCode`, `responseHeaders` (a plain record) and `responseBody` (text) of the Vercel AI SDK's
 * `APICallError` — `responseBody` is preferred to its `data` (the body as the provider package's schema parsed
 * it, which drops fields such as Gemini's `error.details`) —, a body given as JSON text (parsed), and — for an
 * error with a status but no body — a JSON object embedded in the message: `@google/genai`'s `ApiError` carries
 * only `status` and a message that is the JSON error body (`{"error":{...,"details":[RetryInfo, QuotaFailure]}}`,
 * or `got status: 429 ... {...}` for an error event in a stream); its response headers are not reachable.
 * Stream bodies (a fetch `Response.body`) are skipped.
 * Only the value itself is read, not its `cause`: a wrapper such as a retry-exhausted error must not
 * look like the 429 inside it (the AI SDK's `RetryError` is unwrapped by {@link classifyError}, not here).
 *
 * @param error - anything that was thrown or rejected.
 */
export function errorFacts(error: unknown): ErrorFacts {
  if (!isObjectLike(error)) return NO_FACTS;
  const response = objectProp(error, 'response');
  const status = statusOf(error) ?? (response === undefined ? undefined : statusOf(response));

  let headers = headersProp(error, 'headers') ?? headersProp(error, 'responseHeaders');
  if (headers === undefined && response !== undefined) headers = headersProp(response, 'headers');

  let body = bodyProp(error, 'body') ?? bodyProp(error, 'error') ?? bodyProp(error, 'responseBody') ?? bodyProp(error, 'data');
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
  /**
   * Set when the error was the Vercel AI SDK's `RetryError`: the SDK retried on its own (its default
   * `maxRetries: 2`) before giving up, and this verdict is its `lastError`'s. The SDK's retries hide 429s from
   * the runtime and multiply the requests sent; the runtime should say once that `maxRetries: 0` belongs on
   * the SDK call.
   */
  readonly sdkRetried?: true;
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
  // Bun's fetch (as the AI SDK lists them)
  'ConnectionRefused',
  'ConnectionClosed',
  'FailedToOpenSocket',
]);

/** Error names of timeouts and connection failures, wherever they sit in the wrapping chain. */
const NETWORK_NAMES: ReadonlySet<string> = new Set([
  'APIConnectionError',
  'APIConnectionTimeoutError',
  // LangChain (`@langchain/openai` turns openai's APIConnectionTimeoutError into a plain Error of this name;
  // a Runnable's `timeout` option and `AbortSignal.timeout()` reject with a DOMException of this name)
  'TimeoutError',
  // @anthropic-ai/sdk 1.x: an error that opts into the SDK's connection-error retry policy
  'RetryableError',
]);

/** Names of cancellations: the caller stopped the call. */
const ABORT_NAMES: ReadonlySet<string> = new Set([
  'AbortError',
  'APIUserAbortError',
  // LangChain 1.x: a model call cancelled through its signal
  'ModelAbortError',
  // Next.js: the client went away (the AI SDK treats it as an abort)
  'ResponseAborted',
]);

/**
 * Error `type`/`code` strings of errors sent inside a 200 stream (an SSE `error` event), which the SDKs throw
 * without an HTTP status: Anthropic's `error.type`, openai's `error.type`/`error.code` (chat completions and the
 * Responses API's `error` event and `response.failed`).
 */
const IN_BAND: ReadonlyMap<string, readonly [boolean, RetryReason | NoRetryReason]> = new Map<string, readonly [boolean, RetryReason | NoRetryReason]>([
  ['overloaded_error', [true, 'overloaded']],
  ['rate_limit_error', [true, 'rate-limited']],
  ['rate_limit_exceeded', [true, 'rate-limited']],
  ['insufficient_quota', [false, 'quota-exhausted']],
  ['api_error', [true, 'server-error']],
  ['server_error', [true, 'server-error']],
  ['timeout_error', [true, 'request-timeout']],
  ['conflict_error', [true, 'conflict']],
  ['invalid_request_error', [false, 'client-error']],
  ['authentication_error', [false, 'client-error']],
  ['permission_error', [false, 'client-error']],
  ['billing_error', [false, 'client-error']],
  ['not_found_error', [false, 'client-error']],
  ['request_too_large', [false, 'client-error']],
  ['invalid_prompt', [false, 'client-error']],
  ['context_length_exceeded', [false, 'client-error']],
]);

/** How many nested AI SDK `RetryError`s are unwrapped. */
const MAX_UNWRAP = 3;

/**
 * Provider-aware classification, in this order:
 * 0. The Vercel AI SDK's `RetryError` (name `AI_RetryError`: the SDK's own retries gave up) is unwrapped: its
 *    `lastError` (else the last of `errors`) is classified by the rules below and the verdict carries
 *    `sdkRetried: true`. A `RetryError` whose `reason` is `'abort'` is 'aborted'.
 * 1. Aborts are never retried (reason 'aborted'): error.name 'AbortError', openai/anthropic `APIUserAbortError`, LangChain `ModelAbortError`, Next.js `ResponseAborted`, DOMException AbortError, or code 'ABORT_ERR'.
 * 2. Our own AttemptTimeoutError (code 'ATTEMPT_TIMEOUT') → retryable 'attempt-timeout'.
 * 3. Header `x-should-retry: true|false` overrides everything below (reason 'should-retry-header').
 * 4. 429 whose body says quota/billing is exhausted (`insufficient_quota` in body.error.code/type, body.code/type, or the message; Gemini RESOURCE_EXHAUSTED with a QuotaFailure violation whose quotaId/quotaMetric mentions "PerDay" / per-day; an AI SDK `APICallError` whose `isRetryable` is false — `@ai-sdk/openai` says so of `insufficient_quota`) → not retryable 'quota-exhausted'.
 * 5. 408 → 'request-timeout', 409 → 'conflict', 429 → 'rate-limited', 529 → 'overloaded', other 500–599 (503 included) → 'server-error' (all retryable).
 * 6. Any other 4xx (400, 401, 403, 404, 422, ...) → not retryable 'client-error'.
 * 7. No HTTP status but an error sent inside a stream, known by its type or code (the error's own `type`/`code`, then its body's `error.type`/`error.code`, then `type`/`code`): `overloaded_error` → 'overloaded'; `rate_limit_error`, `rate_limit_exceeded` → 'rate-limited'; `api_error`, `server_error` → 'server-error'; `timeout_error` → 'request-timeout', `conflict_error` → 'conflict' (retryable); `insufficient_quota` → 'quota-exhausted'; `invalid_request_error`, `authentication_error`, `permission_error`, `billing_error`, `not_found_error`, `request_too_large`, `invalid_prompt`, `context_length_exceeded` → 'client-error' (not retryable). This is how an Anthropic `overloaded_error` event in a stream, which the SDK throws as an `APIError` without a status, is retried.
 * 8. Network failures and client-side timeouts → retryable 'network': errors named `APIConnectionError`, `APIConnectionTimeoutError` (openai, Anthropic; by `name` or constructor name), `TimeoutError` (LangChain's wrapper of a timeout, `AbortSignal.timeout()`, a LangChain Runnable's `timeout`), Anthropic `RetryableError`; an AI SDK `APICallError` without a status whose `isRetryable` is true (the SDK could not connect); errno codes ECONNRESET, ETIMEDOUT, ECONNREFUSED, EPIPE, EAI_AGAIN, ENETUNREACH, EHOSTUNREACH, ECONNABORTED, UND_ERR_SOCKET, UND_ERR_CONNECT_TIMEOUT, UND_ERR_HEADERS_TIMEOUT, UND_ERR_BODY_TIMEOUT (and Bun's ConnectionRefused, ConnectionClosed, FailedToOpenSocket); "socket hang up"; a TypeError "fetch failed", "failed to fetch" or "terminated" (undici, a body cut mid-stream). Looked for through the wrapping chain (depth ≤ 5): `error.cause`, else `error.error` when that is an Error.
 * 9. Anything else → not retryable 'not-retryable'.
 *
 * A timeout is retryable because it was not the caller's: the runtime checks the caller's own signal before
 * classifying, so a `TimeoutError` that reaches here came from a timeout inside the attempt.
 *
 * Never throws. The result carries the status, headers and body that were found.
 * @param error - anything that was thrown or rejected.
 */
export function classifyError(error: unknown): Classification {
  return classify(error, 0);
}

function classify(error: unknown, unwrapped: number): Classification {
  if (!isObjectLike(error)) return NOT_RETRYABLE;
  if (unwrapped < MAX_UNWRAP && isAiSdkError(error, 'AI_RetryError')) return fromRetryError(error, unwrapped);
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
  } else {
    const inBand = inBandVerdict(error, facts.body);
    if (inBand !== undefined) return verdict(inBand[0], inBand[1], facts);
    if (isNetworkFailure(error)) return facts === NO_FACTS ? NETWORK : verdict(true, 'network', facts);
  }
  return facts === NO_FACTS ? NOT_RETRYABLE : verdict(false, 'not-retryable', facts);
}

/** The AI SDK's `RetryError`: the verdict on its last error, marked `sdkRetried`. */
function fromRetryError(error: object, unwrapped: number): Classification {
  const marked = (c: Classification): Classification => ({ ...c, sdkRetried: true });
  if (stringProp(error, 'reason') === 'abort') return marked(ABORTED);
  return marked(classify(prop(error, 'lastError') ?? lastOf(prop(error, 'errors')), unwrapped + 1));
}

/** The last element of an array (a hostile Proxy reads as nothing). */
function lastOf(list: unknown): unknown {
  try {
    return Array.isArray(list) && list.length > 0 ? prop(list, String(list.length - 1)) : undefined;
  } catch {
    return undefined;
  }
}

/** An AI SDK error of this name: its `Symbol.for('vercel.ai.error.<name>')` marker, or its `name`. */
function isAiSdkError(error: object, name: string): boolean {
  if (stringProp(error, 'name') === name) return true;
  try {
    return (error as Record<symbol, unknown>)[Symbol.for(`vercel.ai.error.${name}`)] === true;
  } catch {
    return false;
  }
}

/** Step 7: an error sent inside a stream, by its type or code. */
function inBandVerdict(error: object, body: unknown): readonly [boolean, RetryReason | NoRetryReason] | undefined {
  const inner = isObjectLike(body) ? prop(body, 'error') : undefined;
  const candidates: readonly unknown[] = [
    prop(error, 'type'),
    prop(error, 'code'),
    isObjectLike(inner) ? prop(inner, 'type') : undefined,
    isObjectLike(inner) ? prop(inner, 'code') : undefined,
    isObjectLike(body) ? prop(body, 'type') : undefined,
    isObjectLike(body) ? prop(body, 'code') : undefined,
  ];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    const found = IN_BAND.get(candidate);
    if (found !== undefined) return found;
  }
  return undefined;
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
  if (name !== undefined && ABORT_NAMES.has(name)) return true;
  if (stringProp(error, 'code') === 'ABORT_ERR') return true;
  return hasConstructorNamed(error, 'APIUserAbortError');
}

function isNetworkFailure(error: object): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && isObjectLike(current); depth++) {
    const name = stringProp(current, 'name');
    if (name !== undefined && NETWORK_NAMES.has(name)) return true;
    if (hasConstructorNamed(current, 'APIConnectionError')) return true;
    const code = stringProp(current, 'code');
    if (code !== undefined && NETWORK_CODES.has(code)) return true;
    const message = stringProp(current, 'message');
    if (message !== undefined) {
      if (message.includes('socket hang up')) return true;
      if (name === 'TypeError' && (message === 'fetch failed' || message === 'terminated' || message.toLowerCase() === 'failed to fetch')) return true;
    }
    if (isAiSdkError(current, 'AI_APICallError') && prop(current, 'isRetryable') === true && statusOf(current) === undefined) return true;
    current = wrapped(current);
  }
  return false;
}

/** The next link of a wrapping chain: `cause`, else an Error held in `error` (a body object there is not one). */
function wrapped(value: object): unknown {
  const cause = prop(value, 'cause');
  if (isObjectLike(cause)) return cause;
  const inner = prop(value, 'error');
  return isErrorObject(inner) ? inner : undefined;
}

function isErrorObject(value: unknown): boolean {
  if (!isObjectLike(value)) return false;
  try {
    return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
  } catch {
    return false;
  }
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
  if (isAiSdkError(error, 'AI_APICallError') && prop(error, 'isRetryable') === false) return true;
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

