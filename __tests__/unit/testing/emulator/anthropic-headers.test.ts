import { rfc3339, setAnthropicRateLimitHeaders, setAnthropicRetryAfter } from '../../../../src/testing/emulator/anthropic-headers';
import { ModelQuota } from '../../../../src/testing/emulator/quota';

describe('emulator Anthropic headers', () => {
  it('writes RFC 3339 UTC timestamps at whole seconds, rounded up', () => {
    expect(rfc3339(Date.UTC(2025, 0, 8, 22, 25, 31))).toBe('2025-01-08T22:25:31Z');
    expect(rfc3339(Date.UTC(2025, 0, 8, 22, 25, 31) + 1)).toBe('2025-01-08T22:25:32Z');
    expect(rfc3339(Date.UTC(2025, 11, 31, 23, 59, 59, 500))).toBe('2026-01-01T00:00:00Z');
  });

  it('reports requests and the one token budget (as tokens and input-tokens, no output-tokens), resets when full', () => {
    const quota = new ModelQuota({ requestsPerMinute: 60, tokensPerMinute: 6000 }, 0, 0);
    quota.tryAdmit(600, 0); // 1 request, 600 tokens: full again in 1 s and 6 s
    quota.refill(0);
    const headers: Record<string, string> = {};
    const now = Date.UTC(2025, 5, 1, 12, 0, 0);
    setAnthropicRateLimitHeaders(headers, quota, now);
    expect(headers).toEqual({
      'anthropic-ratelimit-requests-limit': '60',
      'anthropic-ratelimit-requests-remaining': '59',
      'anthropic-ratelimit-requests-reset': '2025-06-01T12:00:01Z',
      'anthropic-ratelimit-tokens-limit': '6000',
      'anthropic-ratelimit-tokens-remaining': '5400',
      'anthropic-ratelimit-tokens-reset': '2025-06-01T12:00:06Z',
      'anthropic-ratelimit-input-tokens-limit': '6000',
      'anthropic-ratelimit-input-tokens-remaining': '5400',
      'anthropic-ratelimit-input-tokens-reset': '2025-06-01T12:00:06Z',
    });
  });

  it('never reports a negative remaining (a bucket in debt reads 0)', () => {
    const quota = new ModelQuota({ requestsPerMinute: 60, tokensPerMinute: 100 }, 0, 0);
    quota.minuteTokens.take(150);
    expect(quota.minuteTokens.current()).toBe(-50);
    const headers: Record<string, string> = {};
    setAnthropicRateLimitHeaders(headers, quota, 0);
    expect(headers['anthropic-ratelimit-tokens-remaining']).toBe('0');
  });

  it('sets retry-after in whole seconds, rounded up, at least 1', () => {
    const headers: Record<string, string> = {};
    setAnthropicRetryAfter(headers, 1);
    expect(headers['retry-after']).toBe('1');
    setAnthropicRetryAfter(headers, 1001);
    expect(headers['retry-after']).toBe('2');
    setAnthropicRetryAfter(headers, 59_000);
    expect(headers['retry-after']).toBe('59');
  });
});
