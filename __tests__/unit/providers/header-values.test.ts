import { parseGoDuration, parseHeaderNumber, parseRateLimitField, parseResetTimestamp, parseRetryAfter } from '../../../src/providers/header-values';

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
