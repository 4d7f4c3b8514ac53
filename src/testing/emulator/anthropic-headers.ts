/**
 * Anthropic rate-limit response headers of the provider emulator:
 * `anthropic-ratelimit-{requests,tokens,input-tokens}-{limit,remaining,reset}`, resets as RFC 3339 timestamps.
 * @packageDocumentation
 */
import type { ModelQuota } from './quota';
import type { TokenBucket } from './bucket';

/**
 * An RFC 3339 UTC timestamp at whole seconds, rounded up (waiting until it is always enough), as Anthropic
 * writes them: `2025-01-08T22:25:31Z`.
 * @param epochMs - the instant (ms since the epoch).
 * @returns the timestamp.
 */
export function rfc3339(epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function setResource(
  headers: Record<string, string>,
  resource: string,
  limit: number,
  bucket: TokenBucket,
  nowEpochMs: number,
): void {
  const remaining = Math.floor(bucket.current());
  headers[`anthropic-ratelimit-${resource}-limit`] = String(limit);
  headers[`anthropic-ratelimit-${resource}-remaining`] = String(remaining > 0 ? remaining : 0);
  headers[`anthropic-ratelimit-${resource}-reset`] = rfc3339(nowEpochMs + bucket.msUntilFull());
}

/**
 * Fills the `anthropic-ratelimit-*` headers from a model's minute buckets (refilled to now): the reset is when
 * the bucket is full again. The emulator keeps one token budget per model, input and output together, where
 * Anthropic limits them apart: it reports that budget as `tokens` and `input-tokens`, and sends no
 * `output-tokens` (a client summing Anthropic's input and output limits then reads the one budget).
 * @param headers - the header object to fill.
 * @param quota - the model's quota state.
 * @param nowEpochMs - the wall clock, for the timestamps.
 */
export function setAnthropicRateLimitHeaders(
  headers: Record<string, string>,
  quota: ModelQuota,
  nowEpochMs: number,
): void {
  const { requestsPerMinute, tokensPerMinute } = quota.limits;
  setResource(headers, 'requests', requestsPerMinute, quota.minuteRequests, nowEpochMs);
  setResource(headers, 'tokens', tokensPerMinute, quota.minuteTokens, nowEpochMs);
  setResource(headers, 'input-tokens', tokensPerMinute, quota.minuteTokens, nowEpochMs);
}

/**
 * Adds Anthropic's `retry-after` (whole seconds, rounded up, at least 1) to a 429.
 * @param headers - the header object to fill.
 * @param waitMs - time until the request would fit (> 0, finite).
 */
export function setAnthropicRetryAfter(headers: Record<string, string>, waitMs: number): void {
  headers['retry-after'] = String(Math.max(1, Math.ceil(waitMs / 1000)));
}
