import { findGoogleRpcDetail } from '../../src/providers/google-rpc';
import { parseGoDuration, parseHeaderNumber, parseRateLimitField, parseResetTimestamp, parseRetryAfter } from '../../src/providers/header-values';
import { serverWaitHint } from '../../src/providers/wait-hints';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0); // 2025-01-15T12:00:00Z

describe('parseGoDuration', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['12ms', 12],
    ['1.5s', 1500],
    ['0.5s', 500],
    ['1h30m', 5_400_000],
    ['1h2m3.5s', 3_723_500],
    ['2m59.56s', 179_560],
    ['250us', 0.25],
    ['250\u00b5s', 0.25],
    ['250\u03bcs', 0.25],
    ['1500000ns', 1.5],
    ['0', 0],
    ['0s', 0],
    ['+1s', 1000],
    ['.5s', 500],
    ['1.1s', 1100],
    [' 3s ', 3000],
    ['7s, 9s', 7000],
  ])('%j → %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(['', ' ', '-1s', '-0s', '1', '10', '1S', '1 s', 's', '1x', '1h-2m', '1..5s', '.s', '+', '1e3s', 'NaN', 'Infinity', '1d', '1s2'])(
    'rejects %j',
    (text) => {
      expect(parseGoDuration(text)).toBeUndefined();
    },
  );

  it('rejects durations above 1e12 ms', () => {
    expect(parseGoDuration('277778h')).toBeUndefined(); // 1.0000008e12 ms
    expect(parseGoDuration('277777h')).toBe(277_777 * 3_600_000);
    expect(parseGoDuration(`${'9'.repeat(400)}s`)).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads integer and fractional delta-seconds', () => {
    expect(parseRetryAfter('30', NOW)).toBe(30_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
    expect(parseRetryAfter('0.25', NOW)).toBe(250);
    expect(parseRetryAfter(' 2 ', NOW)).toBe(2000);
  });

  it('takes the first of duplicated delta values', () => {
    expect(parseRetryAfter('5, 10', NOW)).toBe(5000);
  });

  it('reads an IMF-fixdate relative to now, and a past date as 0', () => {
    expect(parseRetryAfter('Wed, 15 Jan 2025 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBe(0);
  });

  it('reads a comma-joined duplicated HTTP-date (fetch Headers join)', () => {
    expect(parseRetryAfter('Wed, 15 Jan 2025 12:01:00 GMT, Wed, 15 Jan 2025 12:05:00 GMT', NOW)).toBe(60_000);
  });

  it('reads the obsolete RFC 850 and asctime date forms', () => {
    expect(parseRetryAfter('Wednesday, 15-Jan-25 12:00:10 GMT', NOW)).toBe(10_000);
    expect(parseRetryAfter('Wed Jan 15 12:00:20 2025', NOW)).toBe(20_000);
  });

  it.each(['', 'soon', '-5', '5s', '1e3', 'NaN', 'Infinity', 'Wed, 32 Jan 2025 12:00:00 GMT', 'Wed, 29 Feb 2025 12:00:00 GMT', 'Wed, 15 Foo 2025 12:00:00 GMT', 'Wed, 15 Jan 2025 25:00:00 GMT', '1'.repeat(300)])(
    'rejects %j',
    (text) => {
      expect(parseRetryAfter(text, NOW)).toBeUndefined();
    },
  );

  it('rejects waits above 1e12 ms (seconds and dates)', () => {
    expect(parseRetryAfter('1000000000', NOW)).toBe(1e12);
    expect(parseRetryAfter('1000000001', NOW)).toBeUndefined();
    expect(parseRetryAfter('Fri, 01 Jan 9999 00:00:00 GMT', NOW)).toBeUndefined();
  });

  it('does not produce NaN for a non-finite clock', () => {
    expect(parseRetryAfter('Wed, 15 Jan 2025 12:00:30 GMT', Number.NaN)).toBeUndefined();
    expect(parseRetryAfter('3', Number.NaN)).toBe(3000);
  });
});

describe('parseResetTimestamp', () => {
  it('reads RFC 3339 UTC stamps, with and without fractions', () => {
    expect(parseResetTimestamp('2025-01-15T12:00:30Z', NOW)).toBe(30_000);
    expect(parseResetTimestamp('2025-01-15T12:00:00.250Z', NOW)).toBe(250);
    expect(parseResetTimestamp('2025-01-15t12:00:01z', NOW)).toBe(1000);
    expect(parseResetTimestamp('2025-01-15 12:00:02Z', NOW)).toBe(2000);
  });

  it('applies numeric offsets', () => {
    expect(parseResetTimestamp('2025-01-15T13:00:05+01:00', NOW)).toBe(5000);
    expect(parseResetTimestamp('2025-01-15T07:00:05-05:00', NOW)).toBe(5000);
  });

  it('returns 0 for a past stamp', () => {
    expect(parseResetTimestamp('2020-01-01T00:00:00Z', NOW)).toBe(0);
  });

  it('takes the first of duplicated stamps', () => {
    expect(parseResetTimestamp('2025-01-15T12:00:10Z, 2025-01-15T12:00:40Z', NOW)).toBe(10_000);
  });

  it.each(['', '2025-01-15', '2025-01-15T12:00:30', '2025-13-01T00:00:00Z', '2025-02-30T00:00:00Z', '2025-01-15T24:00:00Z', '2025-01-15T12:00:30+25:00', 'yesterday', '1736942430'])(
    'rejects %j',
    (text) => {
      expect(parseResetTimestamp(text, NOW)).toBeUndefined();
    },
  );

  it('rejects stamps more than 1e12 ms ahead', () => {
    expect(parseResetTimestamp('9999-12-31T23:59:59Z', NOW)).toBeUndefined();
  });
});

describe('parseHeaderNumber', () => {
  it('reads non-negative decimals and the first list member', () => {
    expect(parseHeaderNumber('42')).toBe(42);
    expect(parseHeaderNumber('1.5')).toBe(1.5);
    expect(parseHeaderNumber('7, 8')).toBe(7);
  });

  it.each(['', '-1', '1e3', 'abc', '0x10', '1 2', '.'])('rejects %j', (text) => {
    expect(parseHeaderNumber(text)).toBeUndefined();
  });
});

describe('parseRateLimitField', () => {
  it('reads named items with parameters', () => {
    expect(parseRateLimitField('"burst";r=0;t=30, "day";r=900;t=3600')).toEqual([
      { name: 'burst', r: 0, t: 30 },
      { name: 'day', r: 900, t: 3600 },
    ]);
    expect(parseRateLimitField('"burst";q=100;w=60')).toEqual([{ name: 'burst', q: 100, w: 60 }]);
  });

  it('reads token names, draft-07 dictionaries and bare-number policies', () => {
    expect(parseRateLimitField('default;r=5;t=2')).toEqual([{ name: 'default', r: 5, t: 2 }]);
    expect(parseRateLimitField('limit=100, remaining=50, reset=30')).toEqual([{ name: '', q: 100, r: 50, t: 30 }]);
    expect(parseRateLimitField('100;w=60')).toEqual([{ name: '', q: 100, w: 60 }]);
  });

  it('ignores negative and non-numeric parameters and empty members', () => {
    expect(parseRateLimitField('"a";r=-1;t=abc, , "b";t=4')).toEqual([{ name: 'a' }, { name: 'b', t: 4 }]);
  });
});

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

describe('findGoogleRpcDetail', () => {
  it('applies the accept filter', () => {
    const a = { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'PerMinute' }] };
    const b = { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'PerDay' }] };
    const found = findGoogleRpcDetail({ error: { details: [a, b] } }, 'google.rpc.QuotaFailure', (d) => JSON.stringify(d).includes('PerDay'));
    expect(found).toBe(b);
  });
});
