import { serverWaitHint } from '../../../src/providers/wait-hints';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0); // 2025-01-15T12:00:00Z

describe('serverWaitHint', () => {
  it('returns undefined without headers or body', () => {
    expect(serverWaitHint(undefined, undefined, NOW)).toBeUndefined();
    expect(serverWaitHint(new Headers(), null, NOW)).toBeUndefined();
    expect(serverWaitHint({}, {}, NOW)).toBeUndefined();
  });

  it('1. reads retry-after-ms (fractional) and Azure x-ms-retry-after-ms', () => {
    expect(serverWaitHint({ 'retry-after-ms': '1234.5' }, undefined, NOW)).toEqual({ ms: 1234.5, source: 'retry-after-ms' });
    expect(serverWaitHint({ 'x-ms-retry-after-ms': '800' }, undefined, NOW)).toEqual({ ms: 800, source: 'retry-after-ms' });
  });

  it('1. retry-after-ms wins over x-ms-retry-after-ms and retry-after', () => {
    const h = new Headers({ 'retry-after-ms': '150', 'x-ms-retry-after-ms': '900', 'retry-after': '20' });
    expect(serverWaitHint(h, undefined, NOW)).toEqual({ ms: 150, source: 'retry-after-ms' });
  });

  it('1. a malformed retry-after-ms falls through to the next source', () => {
    expect(serverWaitHint({ 'retry-after-ms': 'soon', 'x-ms-retry-after-ms': '40' }, undefined, NOW)).toEqual({ ms: 40, source: 'retry-after-ms' });
    expect(serverWaitHint({ 'retry-after-ms': '-5', 'retry-after': '2' }, undefined, NOW)).toEqual({ ms: 2000, source: 'retry-after' });
  });

  it('2. reads retry-after as seconds or HTTP-date', () => {
    expect(serverWaitHint({ 'retry-after': '3' }, undefined, NOW)).toEqual({ ms: 3000, source: 'retry-after' });
    expect(serverWaitHint({ 'Retry-After': 'Wed, 15 Jan 2025 12:00:45 GMT' }, undefined, NOW)).toEqual({ ms: 45_000, source: 'retry-after' });
  });

  it('2. handles duplicated retry-after (array and comma-joined)', () => {
    expect(serverWaitHint({ 'retry-after': ['4', '9'] }, undefined, NOW)).toEqual({ ms: 4000, source: 'retry-after' });
    const h = new Headers();
    h.append('retry-after', '5');
    h.append('retry-after', '9');
    expect(serverWaitHint(h, undefined, NOW)).toEqual({ ms: 5000, source: 'retry-after' });
  });

  it('2. retry-after wins over rate-limit resets', () => {
    const h = { 'retry-after': '1', 'x-ratelimit-reset-requests': '30s', 'x-ratelimit-remaining-requests': '0' };
    expect(serverWaitHint(h, undefined, NOW)).toEqual({ ms: 1000, source: 'retry-after' });
  });

  describe('3. OpenAI x-ratelimit-reset-*', () => {
    it('uses the exhausted resource even when its reset is shorter', () => {
      const h = {
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '1s',
        'x-ratelimit-remaining-tokens': '149984',
        'x-ratelimit-reset-tokens': '6m0s',
      };
      expect(serverWaitHint(h, undefined, NOW)).toEqual({ ms: 1000, source: 'x-ratelimit-reset' });
    });

    it('uses the tokens reset when tokens are exhausted', () => {
      const h = {
        'x-ratelimit-remaining-requests': '59',
        'x-ratelimit-reset-requests': '1s',
        'x-ratelimit-remaining-tokens': '0',
        'x-ratelimit-reset-tokens': '20ms',
      };
      expect(serverWaitHint(h, undefined, NOW)).toEqual({ ms: 20, source: 'x-ratelimit-reset' });
    });

    it('is no hint when nothing is exhausted or remaining is absent (a reset only says when the bucket is full)', () => {
      expect(
        serverWaitHint({ 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '1h30m' }, undefined, NOW),
      ).toBeUndefined();
      expect(serverWaitHint({ 'x-ratelimit-reset-requests': '1.5s' }, undefined, NOW)).toBeUndefined();
    });

    it('ignores an exhausted resource whose reset is malformed, never borrowing another resource reset', () => {
      const h = {
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': 'bogus',
        'x-ratelimit-reset-tokens': '2s',
      };
      expect(serverWaitHint(h, undefined, NOW)).toBeUndefined();
      expect(serverWaitHint({ ...h, 'x-ratelimit-remaining-tokens': '0' }, undefined, NOW)).toEqual({ ms: 2000, source: 'x-ratelimit-reset' });
    });
  });

  describe('4. Anthropic anthropic-ratelimit-*-reset', () => {
    it('prefers the exhausted resource', () => {
      const h = {
        'anthropic-ratelimit-requests-remaining': '10',
        'anthropic-ratelimit-requests-reset': '2025-01-15T12:00:50Z',
        'anthropic-ratelimit-input-tokens-remaining': '0',
        'anthropic-ratelimit-input-tokens-reset': '2025-01-15T12:00:07Z',
      };
      expect(serverWaitHint(h, undefined, NOW)).toEqual({ ms: 7000, source: 'anthropic-ratelimit-reset' });
    });

    it('is no hint when nothing is exhausted; 0 for a past stamp of an exhausted resource', () => {
      const h = {
        'anthropic-ratelimit-tokens-reset': '2025-01-15T12:00:03Z',
        'anthropic-ratelimit-output-tokens-reset': '2025-01-15T12:00:09Z',
      };
      expect(serverWaitHint(h, undefined, NOW)).toBeUndefined();
      expect(
        serverWaitHint({ 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2020-01-01T00:00:00Z' }, undefined, NOW),
      ).toEqual({ ms: 0, source: 'anthropic-ratelimit-reset' });
    });

    it('ranks below OpenAI resets', () => {
      const h = {
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '3s',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2025-01-15T12:00:09Z',
      };
      expect(serverWaitHint(h, undefined, NOW)?.source).toBe('x-ratelimit-reset');
    });
  });

  describe('5. IETF RateLimit', () => {
    it('reads t= from the exhausted item', () => {
      expect(serverWaitHint({ ratelimit: '"burst";r=0;t=30' }, undefined, NOW)).toEqual({ ms: 30_000, source: 'ratelimit' });
      expect(serverWaitHint({ RateLimit: '"day";r=10;t=3600, "burst";r=0;t=5' }, undefined, NOW)).toEqual({ ms: 5000, source: 'ratelimit' });
    });

    it('is no hint when nothing is exhausted', () => {
      expect(serverWaitHint({ ratelimit: '"a";r=1;t=2, "b";r=3;t=4' }, undefined, NOW)).toBeUndefined();
    });

    it('reads the older ratelimit-reset seconds when ratelimit-remaining is 0', () => {
      expect(serverWaitHint({ 'ratelimit-remaining': '0', 'ratelimit-reset': '12' }, undefined, NOW)).toEqual({ ms: 12_000, source: 'ratelimit' });
      expect(serverWaitHint({ 'ratelimit-remaining': '5', 'ratelimit-reset': '12' }, undefined, NOW)).toBeUndefined();
      expect(serverWaitHint({ 'ratelimit-reset': '12' }, undefined, NOW)).toBeUndefined();
    });

    it('ignores an epoch-seconds ratelimit-reset (beyond the cap)', () => {
      expect(serverWaitHint({ 'ratelimit-remaining': '0', 'ratelimit-reset': '1736942400' }, undefined, NOW)).toBeUndefined();
    });

    it('ranks below Anthropic resets', () => {
      const h = { ratelimit: '"burst";r=0;t=30', 'anthropic-ratelimit-tokens-remaining': '0', 'anthropic-ratelimit-tokens-reset': '2025-01-15T12:00:01Z' };
      expect(serverWaitHint(h, undefined, NOW)?.source).toBe('anthropic-ratelimit-reset');
    });
  });

  describe('6. Gemini RetryInfo in the body', () => {
    const retryInfo = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '26s' };
    const quota = { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [] };

    it('reads body.error.details[]', () => {
      const body = { error: { code: 429, status: 'RESOURCE_EXHAUSTED', details: [quota, retryInfo] } };
      expect(serverWaitHint(undefined, body, NOW)).toEqual({ ms: 26_000, source: 'retry-info' });
    });

    it('reads body.details[] and fractional delays', () => {
      const body = { details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.5s' }] };
      expect(serverWaitHint(new Headers(), body, NOW)).toEqual({ ms: 500, source: 'retry-info' });
    });

    it('reads an array body and a JSON text body', () => {
      const body = [{ error: { details: [retryInfo] } }];
      expect(serverWaitHint(undefined, body, NOW)).toEqual({ ms: 26_000, source: 'retry-info' });
      expect(serverWaitHint(undefined, JSON.stringify(body), NOW)).toEqual({ ms: 26_000, source: 'retry-info' });
    });

    it('reads a decoded Duration object', () => {
      const body = { error: { details: [{ '@type': 'google.rpc.RetryInfo', retryDelay: { seconds: '3', nanos: 500_000_000 } }] } };
      expect(serverWaitHint(undefined, body, NOW)).toEqual({ ms: 3500, source: 'retry-info' });
    });

    it('ignores other detail types and malformed delays', () => {
      expect(serverWaitHint(undefined, { error: { details: [quota] } }, NOW)).toBeUndefined();
      expect(serverWaitHint(undefined, { error: { details: [{ '@type': 'google.rpc.RetryInfo', retryDelay: '-3s' }] } }, NOW)).toBeUndefined();
      expect(serverWaitHint(undefined, { error: { details: [{ '@type': 'google.rpc.RetryInfo', retryDelay: { seconds: -1 } }] } }, NOW)).toBeUndefined();
      expect(serverWaitHint(undefined, { error: { details: 'nope' } }, NOW)).toBeUndefined();
      expect(serverWaitHint(undefined, 'not json', NOW)).toBeUndefined();
    });

    it('ranks below every header source', () => {
      const body = { error: { details: [retryInfo] } };
      expect(serverWaitHint({ 'retry-after': '1' }, body, NOW)).toEqual({ ms: 1000, source: 'retry-after' });
    });

    it('survives a body with throwing getters', () => {
      const body = {
        get error(): unknown {
          throw new Error('boom');
        },
      };
      expect(serverWaitHint(undefined, body, NOW)).toBeUndefined();
    });
  });

  it('ignores absurd values in every source', () => {
    const h = {
      'retry-after-ms': '1e15',
      'retry-after': '99999999999999',
      'x-ratelimit-reset-requests': '999999999h',
      'anthropic-ratelimit-requests-reset': '9999-01-01T00:00:00Z',
      ratelimit: '"x";r=0;t=99999999999999',
      'ratelimit-reset': 'NaN',
    };
    expect(serverWaitHint(h, { error: { details: [{ '@type': 'google.rpc.RetryInfo', retryDelay: '99999999999999s' }] } }, NOW)).toBeUndefined();
  });
});
