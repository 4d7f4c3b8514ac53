import fc from 'fast-check';
import { parseGoDuration, parseHeaderNumber, parseRateLimitField, parseResetTimestamp, parseRetryAfter } from '../../../src/providers/header-values';
import { MAX_MS, RUNS, anyText, expectValidMs, nowArb } from '../../helpers/header-arbitraries';

describe('header parsers under fuzzing', () => {
  it('parseGoDuration never throws and returns a valid ms or undefined', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expectValidMs(parseGoDuration(text));
      }),
      RUNS,
    );
  });

  it('parseGoDuration sums h/m/s/ms components exactly (oracle)', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(59), fc.nat(59), fc.nat(999), (h, m, s, ms) => {
        const text = `${h}h${m}m${s}s${ms}ms`;
        expect(parseGoDuration(text)).toBe(((h * 60 + m) * 60 + s) * 1000 + ms);
        expect(parseGoDuration(`${text}, 1s`)).toBe(((h * 60 + m) * 60 + s) * 1000 + ms);
      }),
      RUNS,
    );
  });

  it('parseRetryAfter never throws and returns a valid ms or undefined', () => {
    fc.assert(
      fc.property(anyText, nowArb, (text, now) => {
        expectValidMs(parseRetryAfter(text, now));
      }),
      RUNS,
    );
  });

  it('parseRetryAfter reads delta-seconds and IMF-fixdates exactly (oracle), first of duplicates', () => {
    fc.assert(
      fc.property(fc.nat(2_000_000_000), (seconds) => {
        const expected = seconds * 1000 <= MAX_MS ? seconds * 1000 : undefined;
        expect(parseRetryAfter(String(seconds), 0)).toBe(expected);
        expect(parseRetryAfter(`${seconds}, 7`, 0)).toBe(expected);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(
        fc.date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (date, now) => {
          const at = Math.floor(date.getTime() / 1000) * 1000;
          const d = at - now;
          const expected = d <= 0 ? 0 : d <= MAX_MS ? d : undefined;
          expect(parseRetryAfter(date.toUTCString(), now)).toBe(expected);
          expect(parseRetryAfter(`${date.toUTCString()}, ${new Date(0).toUTCString()}`, now)).toBe(expected);
        },
      ),
      RUNS,
    );
  });

  it('parseResetTimestamp never throws and returns a valid ms or undefined', () => {
    fc.assert(
      fc.property(anyText, nowArb, (text, now) => {
        expectValidMs(parseResetTimestamp(text, now));
      }),
      RUNS,
    );
  });

  it('parseResetTimestamp reads ISO stamps exactly (oracle), including years before 100', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (date, now) => {
          const iso = date.toISOString();
          fc.pre(/^\d{4}-/.test(iso));
          const d = date.getTime() - now;
          const expected = d <= 0 ? 0 : d <= MAX_MS ? d : undefined;
          expect(parseResetTimestamp(iso, now)).toBe(expected);
        },
      ),
      RUNS,
    );
  });

  it('parseHeaderNumber and parseRateLimitField never yield negative or non-finite numbers', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const n = parseHeaderNumber(text);
        if (n !== undefined) {
          expect(Number.isFinite(n)).toBe(true);
          expect(n).toBeGreaterThanOrEqual(0);
        }
        for (const item of parseRateLimitField(text)) {
          expect(typeof item.name).toBe('string');
          for (const v of [item.q, item.w, item.r, item.t]) {
            if (v === undefined) continue;
            expect(Number.isFinite(v)).toBe(true);
            expect(v).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      RUNS,
    );
  });
});
