import { parseRateLimitHeaders } from '../../../src/providers/rate-limit-headers';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

describe('parseRateLimitHeaders', () => {
  it('returns undefined when no rate-limit header is present', () => {
    expect(parseRateLimitHeaders(undefined, NOW)).toBeUndefined();
    expect(parseRateLimitHeaders(null, NOW)).toBeUndefined();
    expect(parseRateLimitHeaders(new Headers({ 'content-type': 'application/json' }), NOW)).toBeUndefined();
    expect(parseRateLimitHeaders({ 'retry-after': '3' }, NOW)).toBeUndefined();
  });

  it('reads the OpenAI header set (fetch Headers)', () => {
    const h = new Headers({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-limit-tokens': '150000',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-reset-tokens': '6m0s',
    });
    expect(parseRateLimitHeaders(h, NOW)).toEqual({
      requests: { limit: 60, remaining: 59, resetMs: 1000, perMinute: true },
      tokens: { limit: 150_000, remaining: 149_984, resetMs: 360_000, perMinute: true },
    });
  });

  it('reads Azure remaining-only headers (no limit, no reset)', () => {
    const snapshot = parseRateLimitHeaders({ 'x-ratelimit-remaining-requests': '99', 'x-ratelimit-remaining-tokens': '7000' }, NOW);
    expect(snapshot).toEqual({ requests: { remaining: 99 }, tokens: { remaining: 7000 } });
    // nothing is made up for what was not sent (the fields are there, undefined: one object shape for every snapshot)
    expect([snapshot!.requests!.limit, snapshot!.requests!.resetMs, snapshot!.requests!.perMinute]).toEqual([undefined, undefined, undefined]);
  });

  it('reads the Anthropic header set, RFC 3339 resets relative to now', () => {
    const h = {
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '49',
      'anthropic-ratelimit-requests-reset': '2025-01-15T12:00:01Z',
      'anthropic-ratelimit-tokens-limit': '80000',
      'anthropic-ratelimit-tokens-remaining': '79000',
      'anthropic-ratelimit-tokens-reset': '2025-01-15T12:00:05Z',
      'anthropic-ratelimit-input-tokens-limit': '40000',
      'anthropic-ratelimit-input-tokens-remaining': '39000',
      'anthropic-ratelimit-input-tokens-reset': '2025-01-15T12:00:02.500Z',
      'anthropic-ratelimit-output-tokens-limit': '8000',
      'anthropic-ratelimit-output-tokens-remaining': '0',
      'anthropic-ratelimit-output-tokens-reset': '2025-01-15T12:00:30Z',
    };
    expect(parseRateLimitHeaders(h, NOW)).toEqual({
      requests: { limit: 50, remaining: 49, resetMs: 1000, perMinute: true },
      // input + output: the input and output limits summed (a call Anthropic serves always fits), the later reset;
      // not tokens-*, its most restrictive limit
      tokens: { limit: 48_000, remaining: 39_000, resetMs: 30_000, perMinute: true },
      inputTokens: { limit: 40_000, remaining: 39_000, resetMs: 2500, perMinute: true },
      outputTokens: { limit: 8000, remaining: 0, resetMs: 30_000, perMinute: true },
    });
  });

  it('Anthropic without input and output limits: tokens-* as its most restrictive limit (never learned), or the one of them sent', () => {
    const tokensOnly = {
      'anthropic-ratelimit-requests-remaining': '49',
      'anthropic-ratelimit-tokens-limit': '8000',
      'anthropic-ratelimit-tokens-remaining': '7000',
    };
    expect(parseRateLimitHeaders(tokensOnly, NOW)?.tokens).toEqual({ limit: 8000, remaining: 7000, perMinute: undefined, mostRestrictive: true });
    const inputOnly = {
      'anthropic-ratelimit-tokens-limit': '8000',
      'anthropic-ratelimit-tokens-remaining': '7000',
      'anthropic-ratelimit-input-tokens-limit': '40000',
      'anthropic-ratelimit-input-tokens-remaining': '30000',
    };
    expect(parseRateLimitHeaders(inputOnly, NOW)?.tokens).toEqual({ limit: 40_000, remaining: 30_000, perMinute: true });
    // a part without its remaining figure: the sum's remaining is unknown, not understated
    const noOutputRemaining = { ...inputOnly, 'anthropic-ratelimit-output-tokens-limit': '8000' };
    expect(parseRateLimitHeaders(noOutputRemaining, NOW)?.tokens).toEqual({ limit: 48_000, perMinute: true });
  });

  it('reads mixed-case record keys and arrays', () => {
    const h = { 'X-RateLimit-Remaining-Requests': ['5', '6'], 'X-RateLimit-Limit-Requests': 10 };
    expect(parseRateLimitHeaders(h, NOW)).toEqual({ requests: { limit: 10, remaining: 5, perMinute: true } });
  });

  it('takes the first member of comma-joined duplicates', () => {
    const h = new Headers();
    h.append('x-ratelimit-remaining-requests', '3');
    h.append('x-ratelimit-remaining-requests', '4');
    h.append('anthropic-ratelimit-tokens-remaining', '100');
    h.append('anthropic-ratelimit-tokens-reset', '2025-01-15T12:00:01Z');
    h.append('anthropic-ratelimit-tokens-reset', '2025-01-15T12:00:09Z');
    expect(parseRateLimitHeaders(h, NOW)).toEqual({ requests: { remaining: 3 }, tokens: { remaining: 100, resetMs: 1000 } });
  });

  it('floors decimals and drops malformed, negative and huge fields', () => {
    const h = {
      'x-ratelimit-limit-requests': '60.9',
      'x-ratelimit-remaining-requests': '-1',
      'x-ratelimit-reset-requests': 'later',
      'x-ratelimit-limit-tokens': '1e6',
      'x-ratelimit-remaining-tokens': '9999999999999999',
      'x-ratelimit-reset-tokens': '-1s',
    };
    expect(parseRateLimitHeaders(h, NOW)).toEqual({ requests: { limit: 60, perMinute: true } });
  });

  it('returns undefined when the family is present but nothing parses', () => {
    expect(parseRateLimitHeaders({ 'x-ratelimit-remaining-requests': 'NaN' }, NOW)).toBeUndefined();
  });

  it('reads IETF RateLimit + RateLimit-Policy into requests, matching the policy by name', () => {
    const h = new Headers({
      'RateLimit-Policy': '"day";q=1000;w=86400, "burst";q=100;w=60',
      RateLimit: '"burst";r=50;t=30',
    });
    expect(parseRateLimitHeaders(h, NOW)).toEqual({ requests: { limit: 100, remaining: 50, resetMs: 30_000 } });
  });

  it('uses the most constraining IETF item', () => {
    const h = {
      'ratelimit-policy': '"day";q=1000;w=86400, "burst";q=100;w=60',
      ratelimit: '"day";r=900;t=3600, "burst";r=0;t=12',
    };
    expect(parseRateLimitHeaders(h, NOW)).toEqual({ requests: { limit: 100, remaining: 0, resetMs: 12_000 } });
  });

  it('omits the limit when no policy matches the item name', () => {
    const h = { 'ratelimit-policy': '"other";q=5', ratelimit: '"burst";r=1;t=2' };
    expect(parseRateLimitHeaders(h, NOW)).toEqual({ requests: { remaining: 1, resetMs: 2000 } });
  });

  it('reads the older draft ratelimit-limit/remaining/reset numbers', () => {
    const h = { 'ratelimit-limit': '100, 100;w=60', 'ratelimit-remaining': '42', 'ratelimit-reset': '15' };
    expect(parseRateLimitHeaders(h, NOW)).toEqual({ requests: { limit: 100, remaining: 42, resetMs: 15_000 } });
  });

  it('reads the draft-07 dictionary form of RateLimit', () => {
    expect(parseRateLimitHeaders({ ratelimit: 'limit=10, remaining=4, reset=7' }, NOW)).toEqual({
      requests: { limit: 10, remaining: 4, resetMs: 7000 },
    });
  });

  it('maps IETF fields to requests only when no provider requests fields are present', () => {
    const withProvider = { 'x-ratelimit-remaining-requests': '7', ratelimit: '"burst";r=50;t=30' };
    expect(parseRateLimitHeaders(withProvider, NOW)).toEqual({ requests: { remaining: 7 } });
    const tokensOnly = { 'x-ratelimit-remaining-tokens': '7000', ratelimit: '"burst";r=50;t=30' };
    expect(parseRateLimitHeaders(tokensOnly, NOW)).toEqual({
      requests: { remaining: 50, resetMs: 30_000 },
      tokens: { remaining: 7000 },
    });
  });

  it('does not read a date-valued reset as anything but undefined for OpenAI', () => {
    const h = { 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-reset-requests': '2025-01-15T12:00:01Z' };
    expect(parseRateLimitHeaders(h, NOW)).toEqual({ requests: { remaining: 1 } });
  });
});
