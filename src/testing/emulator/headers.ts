/**
 * Rate-limit response headers of the provider emulator (OpenAI format).
 * @packageDocumentation
 */
import type { ModelQuota } from './quota';

/**
 * Formats a duration the way Go's `time.Duration.String` does, at millisecond precision
 * (rounded up so that waiting the printed time is always enough): `0s`, `120ms`, `1.5s`,
 * `6m0s`, `1h0m0s`.
 * @param ms - duration in ms (fractional; negative counts as 0).
 * @returns the Go-style duration.
 */
export function goDuration(ms: number): string {
  const total = ms > 0 ? Math.ceil(ms) : 0;
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const msInMinute = total % 60_000;
  const wholeSeconds = Math.floor(msInMinute / 1000);
  const fraction = msInMinute % 1000;
  const seconds =
    fraction === 0
      ? `${wholeSeconds}s`
      : `${wholeSeconds}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

/**
 * Fills the `x-ratelimit-*` headers from a model's minute buckets (which must be refilled to
 * the current time): limits, remaining (floored, never negative) and time until full as Go
 * durations.
 * @param headers - the header object to fill.
 * @param quota - the model's quota state.
 */
export function setRateLimitHeaders(headers: Record<string, string>, quota: ModelQuota): void {
  const requests = quota.minuteRequests;
  const tokens = quota.minuteTokens;
  const remainingRequests = Math.floor(requests.current());
  const remainingTokens = Math.floor(tokens.current());
  headers['x-ratelimit-limit-requests'] = String(quota.limits.requestsPerMinute);
  headers['x-ratelimit-limit-tokens'] = String(quota.limits.tokensPerMinute);
  headers['x-ratelimit-remaining-requests'] = String(remainingRequests > 0 ? remainingRequests : 0);
  headers['x-ratelimit-remaining-tokens'] = String(remainingTokens > 0 ? remainingTokens : 0);
  headers['x-ratelimit-reset-requests'] = goDuration(requests.msUntilFull());
  headers['x-ratelimit-reset-tokens'] = goDuration(tokens.msUntilFull());
}

/**
 * Adds `retry-after` (whole seconds, rounded up) and `retry-after-ms` (rounded up) to a 429.
 * @param headers - the header object to fill.
 * @param waitMs - time until the request would fit (> 0, finite).
 */
export function setRetryAfterHeaders(headers: Record<string, string>, waitMs: number): void {
  const ms = Math.max(1, Math.ceil(waitMs));
  headers['retry-after'] = String(Math.ceil(ms / 1000));
  headers['retry-after-ms'] = String(ms);
}
