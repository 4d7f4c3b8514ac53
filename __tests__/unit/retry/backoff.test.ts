/**
 * The four jitters of `src/retry/backoff.ts` and the jitter above a server hint: ranges from the extreme random
 * values (0 and the largest double below 1), caps, growth, and distributions of many seeded draws. With
 * `e = min(maxDelayMs, baseDelayMs · 2^n)`: full `U(0, e)`, equal `e/2 + U(0, e/2)`, decorrelated
 * `min(maxDelayMs, U(baseDelayMs, 3 · previous))`, none `e`; above a hint `hint + U(0, max(50, hint / 4))`.
 */
import fc from 'fast-check';
import type { RandomSource } from '../../../src/clock';
import {
  JITTER_KINDS,
  initialBackoff,
  jitterAboveHint,
  nextBackoff,
  type BackoffOptions,
  type BackoffState,
  type JitterKind,
} from '../../../src/retry/backoff';
import { seededRandom } from '../../../src/testing/seeded-random';

/** Near the top of a uniform [0, 1) source (far enough below 1 that `x + TOP · y` stays below `x + y` in doubles). */
const TOP = 1 - 1e-9;
/** What `TOP` leaves below the top of a range, with room for rounding. */
const NEAR = 1 - 2e-9;
const zero: RandomSource = () => 0;
const top: RandomSource = () => TOP;

const BASE = 100;
const CAP = 10_000;
const options = (jitter: JitterKind, baseDelayMs = BASE, maxDelayMs = CAP): BackoffOptions => ({ baseDelayMs, maxDelayMs, jitter });
/** The state before retry number `n` (0 = the first retry), with the given previous delay. */
const at = (n: number, previousMs = BASE): BackoffState => ({ retry: n, previousMs });
/** The delay alone. */
const delay = (state: BackoffState, o: BackoffOptions, random: RandomSource): number => nextBackoff(state, o, random)[0];
/** The exponential ceiling `min(cap, base · 2^n)`, computed independently of the code under test. */
const ceiling = (n: number, base = BASE, cap = CAP): number => Math.min(cap, base * 2 ** n);

/** `count` delays at one state, drawn from a seeded source. */
function draws(state: BackoffState, o: BackoffOptions, seed: number, count = 20_000): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => delay(state, o, random));
}
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** The q-quantile (nearest rank) of `xs`. */
function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

describe('initialBackoff', () => {
  it('starts at retry 0 with the base delay as the previous delay', () => {
    expect(initialBackoff(options('decorrelated', 250, 5000))).toEqual({ retry: 0, previousMs: 250 });
  });
});

describe('nextBackoff: state', () => {
  it.each(JITTER_KINDS.map((k) => [k]))('%s: counts the retry and remembers the delay it returned', (kind) => {
    const random = seededRandom(3);
    let state = initialBackoff(options(kind));
    for (let n = 0; n < 6; n++) {
      const [ms, next] = nextBackoff(state, options(kind), random);
      expect(next).toEqual({ retry: n + 1, previousMs: ms });
      state = next;
    }
  });

  it('accepts exactly the four kinds', () => {
    expect([...JITTER_KINDS].sort()).toEqual(['decorrelated', 'equal', 'full', 'none']);
  });
});

describe('nextBackoff: ranges from the extreme random values', () => {
  const retries = [0, 1, 2, 3, 4, 5, 6, 7, 8];

  it.each(retries.map((n) => [n]))('full, retry %i: from 0 up to (not reaching) min(cap, base · 2^n)', (n) => {
    const e = ceiling(n);
    expect(delay(at(n), options('full'), zero)).toBe(0);
    const high = delay(at(n), options('full'), top);
    expect(high).toBeLessThan(e);
    expect(high).toBeGreaterThan(e * NEAR);
  });

  it.each(retries.map((n) => [n]))('equal, retry %i: from half of min(cap, base · 2^n) up to (not reaching) all of it', (n) => {
    const e = ceiling(n);
    expect(delay(at(n), options('equal'), zero)).toBe(e / 2);
    const high = delay(at(n), options('equal'), top);
    expect(high).toBeLessThan(e);
    expect(high).toBeGreaterThan(e * NEAR);
  });

  it.each(retries.map((n) => [n]))('none, retry %i: exactly min(cap, base · 2^n), whatever the random value', (n) => {
    const e = ceiling(n);
    expect(delay(at(n), options('none'), zero)).toBe(e);
    expect(delay(at(n), options('none'), top)).toBe(e);
    expect(delay(at(n), options('none'), () => 0.5)).toBe(e);
  });

  it.each([[BASE], [150], [400], [1000], [3000]])(
    'decorrelated, previous %i ms: from the base up to (not reaching) 3 × previous, whatever the retry number',
    (previous) => {
      for (const n of [0, 1, 7]) {
        expect(delay(at(n, previous), options('decorrelated'), zero)).toBe(BASE);
        const high = delay(at(n, previous), options('decorrelated'), top);
        expect(high).toBeLessThan(3 * previous);
        expect(high).toBeGreaterThan(3 * previous * NEAR);
      }
    },
  );

  it('decorrelated: a previous delay below a third of the base still draws from [base, 3 × previous] clamped to the base', () => {
    // upper = max(base, 3 · previous): with previous 10 the range collapses to the base
    expect(delay(at(4, 10), options('decorrelated'), zero)).toBe(BASE);
    expect(delay(at(4, 10), options('decorrelated'), top)).toBe(BASE);
  });
});

describe('nextBackoff: growth', () => {
  it('full, equal and none double the ceiling with each retry until the cap', () => {
    for (const kind of ['full', 'equal', 'none'] as const) {
      const highs = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => delay(at(n), options(kind), top));
      for (let n = 1; n < highs.length; n++) {
        expect(highs[n] / Math.min(CAP, highs[n - 1] * 2)).toBeCloseTo(1, 6);
      }
      expect(highs[6] / 6400).toBeCloseTo(1, 6);
      expect(highs[7] / CAP).toBeCloseTo(1, 6); // 100 · 2^7 = 12,800 > 10,000
    }
  });

  it('decorrelated grows from the previous delay (× 3 at the top), not from the retry number', () => {
    // chained at the top of the range: 300, 900, 2,700, 8,100, then the cap
    let state = initialBackoff(options('decorrelated'));
    const chain: number[] = [];
    for (let i = 0; i < 6; i++) {
      const [ms, next] = nextBackoff(state, options('decorrelated'), top);
      chain.push(ms);
      state = next;
    }
    const expected = [300, 900, 2700, 8100, CAP, CAP];
    chain.forEach((ms, i) => {
      expect(ms).toBeLessThanOrEqual(expected[i]);
      expect(ms).toBeGreaterThan(expected[i] * (1 - 1e-6));
    });
    // chained at the bottom it never leaves the base, however many retries there were
    state = initialBackoff(options('decorrelated'));
    for (let i = 0; i < 10; i++) [, state] = nextBackoff(state, options('decorrelated'), zero);
    expect(state).toEqual({ retry: 10, previousMs: BASE });
    expect(delay(state, options('decorrelated'), top)).toBeLessThan(3 * BASE);
  });
});

describe('nextBackoff: caps at maxDelayMs', () => {
  it.each(JITTER_KINDS.map((k) => [k]))('%s: never above the cap, even when 2^n or 3 × previous is huge', (kind) => {
    for (const n of [10, 100, 1023, 1024, 5000]) {
      for (const random of [zero, top, () => 0.5]) {
        const ms = delay(at(n, 1e300), options(kind), random);
        expect(Number.isFinite(ms)).toBe(true);
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThanOrEqual(CAP);
      }
    }
    // at the top of the range every kind is at (or just under) the cap
    expect(delay(at(5000, 1e300), options(kind), top)).toBeGreaterThan(CAP * NEAR);
  });

  it('none and equal sit at the cap and half of it once base · 2^n passes it', () => {
    expect(delay(at(40), options('none'), zero)).toBe(CAP);
    expect(delay(at(40), options('equal'), zero)).toBe(CAP / 2);
  });

  // base ≥ 1: with baseDelayMs 0 (which validation accepts) base · 2^n is 0 · Infinity = NaN from retry 1024 on
  it('stays within [0, maxDelayMs] for any base ≤ cap, retry number, previous delay and random value (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...JITTER_KINDS),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.nat(2000),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.double({ min: 0, max: TOP, noNaN: true }),
        (kind, base, extra, n, previous, r) => {
          const o = options(kind, base, base + extra);
          const ms = delay(at(n, Math.max(base, previous)), o, () => r);
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThanOrEqual(o.maxDelayMs);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('nextBackoff: distributions of 20,000 seeded draws', () => {
  // A fixed seed makes every figure below exact for this code: the tolerances are for a correct formula to
  // pass (sampling error of 20,000 draws is ≈ 0.002–0.004 of the range), and tight enough that a wrong
  // formula (another jitter's range, a missing half, a wrong multiplier) fails.
  const TOL = 0.01;

  it('full at retry 3 (ceiling 800): uniform over [0, 800)', () => {
    const e = ceiling(3);
    const xs = draws(at(3), options('full'), 11).map((ms) => ms / e);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(mean(xs) - 0.5)).toBeLessThan(TOL);
    for (const q of [0.1, 0.25, 0.5, 0.75, 0.9]) expect(Math.abs(quantile(xs, q) - q)).toBeLessThan(TOL);
  });

  it('equal at retry 5 (ceiling 3,200): uniform over [1,600, 3,200)', () => {
    const e = ceiling(5);
    const xs = draws(at(5), options('equal'), 12).map((ms) => ms / e);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(mean(xs) - 0.75)).toBeLessThan(TOL);
    for (const q of [0.1, 0.25, 0.5, 0.75, 0.9]) expect(Math.abs(quantile(xs, q) - (0.5 + q / 2))).toBeLessThan(TOL);
  });

  it('decorrelated from a previous 1,000 ms: uniform over [100, 3,000)', () => {
    const lo = BASE;
    const hi = 3000;
    const xs = draws(at(2, 1000), options('decorrelated'), 13).map((ms) => (ms - lo) / (hi - lo));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(mean(xs) - 0.5)).toBeLessThan(TOL);
    for (const q of [0.1, 0.25, 0.5, 0.75, 0.9]) expect(Math.abs(quantile(xs, q) - q)).toBeLessThan(TOL);
  });

  it('decorrelated near the cap: the draws above the cap pile up on it', () => {
    // previous 5,000: U(100, 15,000), capped at 10,000 → P(cap) = 5,000 / 14,900
    const xs = draws(at(2, 5000), options('decorrelated'), 14);
    expect(Math.max(...xs)).toBe(CAP);
    const atCap = xs.filter((ms) => ms === CAP).length / xs.length;
    expect(Math.abs(atCap - 5000 / 14_900)).toBeLessThan(TOL);
    const below = xs.filter((ms) => ms < CAP);
    expect(Math.abs(mean(below) - (BASE + CAP) / 2)).toBeLessThan(TOL * CAP);
  });

  it('none: every draw is the ceiling', () => {
    expect(new Set(draws(at(4), options('none'), 15, 1000))).toEqual(new Set([ceiling(4)]));
  });

  it('a whole retry sequence of full jitter averages half the doubling ceilings', () => {
    // 5,000 calls, 6 retries each: the mean delay of retry n is ≈ min(cap, base · 2^n) / 2
    const random = seededRandom(16);
    const sums = [0, 0, 0, 0, 0, 0, 0, 0];
    const calls = 5000;
    for (let c = 0; c < calls; c++) {
      let state = initialBackoff(options('full'));
      for (let n = 0; n < sums.length; n++) {
        const [ms, next] = nextBackoff(state, options('full'), random);
        sums[n] += ms;
        state = next;
      }
    }
    sums.forEach((sum, n) => {
      const e = ceiling(n);
      expect(Math.abs(sum / calls / e - 0.5)).toBeLessThan(2 * TOL);
    });
  });
});

describe('jitterAboveHint', () => {
  it.each([
    [0, 50],
    [1, 50],
    [100, 50],
    [199, 50],
    [200, 50],
    [201, 50.25],
    [1000, 250],
    [60_000, 15_000],
  ])('hint %s ms: from the hint up to (not reaching) hint + %s ms = max(50, hint / 4)', (hint, spread) => {
    expect(jitterAboveHint(hint, zero)).toBe(hint);
    const high = jitterAboveHint(hint, top);
    expect(high).toBeLessThan(hint + spread);
    expect(high).toBeGreaterThan(hint + spread * NEAR);
    expect(jitterAboveHint(hint, () => 0.5)).toBeCloseTo(hint + spread / 2, 9);
  });

  it('is never below the hint (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), fc.double({ min: 0, max: TOP, noNaN: true }), (hint, r) => {
        const ms = jitterAboveHint(hint, () => r);
        expect(ms).toBeGreaterThanOrEqual(hint);
        expect(ms).toBeLessThanOrEqual(hint + Math.max(50, hint / 4));
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    [400, 100],
    [1500, 375],
    [20_000, 5000],
  ])('hint %i ms over 20,000 seeded draws: uniform over [hint, hint + %i)', (hint, spread) => {
    const random = seededRandom(hint);
    const xs = Array.from({ length: 20_000 }, () => (jitterAboveHint(hint, random) - hint) / spread);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(mean(xs) - 0.5)).toBeLessThan(0.01);
    for (const q of [0.1, 0.5, 0.9]) expect(Math.abs(quantile(xs, q) - q)).toBeLessThan(0.01);
  });
});
