/**
 * The wait hint policy: {@link serverWaitHint} picks the server's requested wait out of a response (headers
 * first, then a Gemini `RetryInfo` in the body), using the value parsers of `header-values.ts`.
 * @packageDocumentation
 */

import { readHeader, type HeadersLike } from './headers';
import { findGoogleRpcDetail, retryInfoMs } from './google-rpc';
import { MAX_HINT_MS, capped, roundMs, parseGoDuration, parseHeaderNumber, parseRateLimitField, parseResetTimestamp, parseRetryAfter, secondsToMs, type RateLimitFieldItem } from './header-values';

export { MAX_HINT_MS };

/** Which header or body field a {@link WaitHint} came from. */
export type WaitHintSource = 'retry-after-ms' | 'retry-after' | 'x-ratelimit-reset' | 'anthropic-ratelimit-reset' | 'ratelimit' | 'retry-info';

/** A wait the server asked for. */
export interface WaitHint {
  /** Milliseconds to wait, finite, 0 ≤ ms ≤ {@link MAX_HINT_MS}. */
  readonly ms: number;
  /** Where it was read from. */
  readonly source: WaitHintSource;
}

/** `[reset header, remaining header]` per resource, built once. */
type ResetPair = readonly [reset: string, remaining: string];
const OPENAI_RESETS: readonly ResetPair[] = ['requests', 'tokens'].map(
  (r): ResetPair => [`x-ratelimit-reset-${r}`, `x-ratelimit-remaining-${r}`],
);
const ANTHROPIC_RESETS: readonly ResetPair[] = ['requests', 'tokens', 'input-tokens', 'output-tokens'].map(
  (r): ResetPair => [`anthropic-ratelimit-${r}-reset`, `anthropic-ratelimit-${r}-remaining`],
);

/**
 * The server's requested wait, from (in priority order, first usable wins):
 * 1. `retry-after-ms`, then `x-ms-retry-after-ms` (Azure) — milliseconds, may be fractional
 * 2. `retry-after` — seconds or HTTP-date
 * 3. OpenAI `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens` (Go durations) of the resources whose `x-ratelimit-remaining-*` is 0 (the latest of them)
 * 4. Anthropic `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset` (RFC 3339), same rule
 * 5. IETF `RateLimit` field `t=` parameter (seconds) — e.g. `"burst";r=0;t=30` (also the older `ratelimit-reset: 30`)
 * 6. Gemini `google.rpc.RetryInfo.retryDelay` ("26s", "0.5s") found in the error body: accept `body.error.details[]`, `body.details[]`, or an array body `[ { error: {...} } ]`; detail objects have `"@type"` ending in `google.rpc.RetryInfo`.
 * Returns undefined when none is usable. Never throws, never NaN/negative/Infinity.
 *
 * @param headers - response headers (nullish when unknown).
 * @param body - the parsed error body, or its JSON text.
 * @param nowMs - the current time (epoch ms) for date-valued headers.
 */
export function serverWaitHint(headers: HeadersLike | null | undefined, body: unknown, nowMs: number): WaitHint | undefined {
  if (headers !== null && headers !== undefined) {
    const fromHeaders = headerWaitHint(headers, nowMs);
    if (fromHeaders !== undefined) return fromHeaders;
  }
  if (body === null || body === undefined) return undefined;
  try {
    const ms = retryInfoMs(findGoogleRpcDetail(body, 'google.rpc.RetryInfo'));
    return ms === undefined ? undefined : { ms, source: 'retry-info' };
  } catch {
    return undefined;
  }
}

function headerWaitHint(headers: HeadersLike, nowMs: number): WaitHint | undefined {
  let ms = capped(numberOrUndefined(readHeader(headers, 'retry-after-ms')));
  ms ??= capped(numberOrUndefined(readHeader(headers, 'x-ms-retry-after-ms')));
  if (ms !== undefined) return { ms: roundMs(ms), source: 'retry-after-ms' };
  let v = readHeader(headers, 'retry-after');
  if (v !== undefined) {
    ms = parseRetryAfter(v, nowMs);
    if (ms !== undefined) return { ms, source: 'retry-after' };
  }
  ms = resourceResetMs(headers, OPENAI_RESETS, nowMs, false);
  if (ms !== undefined) return { ms, source: 'x-ratelimit-reset' };
  ms = resourceResetMs(headers, ANTHROPIC_RESETS, nowMs, true);
  if (ms !== undefined) return { ms, source: 'anthropic-ratelimit-reset' };
  v = readHeader(headers, 'ratelimit');
  if (v !== undefined) {
    ms = ietfResetMs(parseRateLimitField(v));
    if (ms !== undefined) return { ms, source: 'ratelimit' };
  }
  v = readHeader(headers, 'ratelimit-reset');
  if (v !== undefined && parseHeaderNumber(readHeader(headers, 'ratelimit-remaining') ?? '') === 0) {
    ms = secondsToMs(parseHeaderNumber(v));
    if (ms !== undefined) return { ms, source: 'ratelimit' };
  }
  return undefined;
}

/**
 * The latest reset among the resources the provider reports as exhausted (remaining 0). A reset header alone
 * is not a wait hint: it says when a bucket is full again, and on a 5xx (or a 429 for another resource) that
 * can be minutes away while a retry would be accepted now. Remaining headers are only read when a reset
 * header is present.
 */
function resourceResetMs(
  headers: HeadersLike,
  pairs: readonly ResetPair[],
  nowMs: number,
  timestamps: boolean,
): number | undefined {
  let maxExhausted: number | undefined;
  for (const [resetName, remainingName] of pairs) {
    const text = readHeader(headers, resetName);
    if (text === undefined) continue;
    const remaining = readHeader(headers, remainingName);
    if (remaining === undefined || parseHeaderNumber(remaining) !== 0) continue;
    const ms = timestamps ? parseResetTimestamp(text, nowMs) : parseGoDuration(text);
    if (ms !== undefined && (maxExhausted === undefined || ms > maxExhausted)) maxExhausted = ms;
  }
  return maxExhausted;
}

function numberOrUndefined(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseHeaderNumber(text);
}

function ietfResetMs(items: readonly RateLimitFieldItem[]): number | undefined {
  let maxExhausted: number | undefined;
  for (const item of items) {
    if (item.r !== 0) continue; // only an exhausted quota makes `t` a wait
    const ms = secondsToMs(item.t);
    if (ms !== undefined && (maxExhausted === undefined || ms > maxExhausted)) maxExhausted = ms;
  }
  return maxExhausted;
}
