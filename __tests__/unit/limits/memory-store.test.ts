import { PROVIDER_MARGIN_MS } from '../../../src/limits/bucket';
import { MemoryStore } from '../../../src/limits/memory-store';
import { NEVER_FITS, type LimitSpec } from '../../../src/limits/store';
import { parseRateLimitHeaders } from '../../../src/providers/rate-limit-headers';
import { FakeClock } from '../../../src/testing/fake-clock';
import { part, spec } from '../../helpers/limit-spec';


describe('MemoryStore key bound', () => {
  it('drops idle keys past maxKeys, keeps busy ones, and does not sweep on every new key', () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxKeys: 100 });
    const s = (key: string) => spec({ key, requestsPerMinute: 60 });
    for (let i = 0; i < 100; i++) store.acquire([{ spec: s(`old${i}`), requests: 1, tokens: 0 }], clock.now());
    expect(store.size).toBe(100);
    const later = clock.now() + 120_000;
    store.acquire([{ spec: s('fresh'), requests: 1, tokens: 0 }], later); // sweep: the 100 idle keys go
    expect(store.size).toBe(1);
    for (let i = 0; i < 150; i++) store.acquire([{ spec: s(`busy${i}`), requests: 1, tokens: 0 }], later);
    // busy keys survive sweeps; the store grows past maxKeys rather than rescanning on every insert
    expect(store.size).toBe(151);
    expect(store.view(s('busy0'), later)).toBeDefined();
  });

  it('a call over two keys whose second key is new never loses the first to the sweep that key triggers', () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxKeys: 2 });
    const unlimited = spec({ key: 'rate' }); // no limit on this key: its buckets are never refilled by an acquire
    const budget = (key: string) => spec({ key, tokensPerMinute: 6000 });
    store.acquire([part(unlimited), part(budget('b0'), 0, 10)], clock.now());
    store.acquire([part(budget('b1'), 0, 10)], clock.now());
    const later = clock.now() + 120_000; // both keys idle for two minutes: the next new key sweeps them
    expect(store.acquire([part(unlimited), part(budget('b2'), 0, 10)], later)).toBe(0);
    expect(store.view(budget('b2'), later)!.dayUsed).toBe(10);
    expect(store.view(unlimited, later)).toBeDefined(); // used by this very call: kept
  });
});

describe('MemoryStore cold start', () => {
  it("grants a new key's first demand whole (one request and its tokens), then paces from empty", () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    const s = spec({ requestsPerMinute: 600, tokensPerMinute: 6000 }); // 10 requests/s, 100 tokens/s
    expect(store.acquire([part(s, 1, 80)], clock.now())).toBe(0); // without the credit: 800 ms for the tokens
    expect(store.acquire([part(s, 1, 80)], clock.now())).toBe(800); // then the refill: 80 tokens at 100/s
  });

  it('the first report of an idle provider fills the burst, less what was granted before and the margin', () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    const s = spec({ requestsPerMinute: 6000, tokensPerMinute: 600_000 }); // bursts: 100 requests, 10,000 tokens
    expect(store.acquire([part(s, 1, 300)], clock.now())).toBe(0);
    const changed = store.observe(s, { requests: { limit: 6000, remaining: 5999 }, tokens: { limit: 600_000, remaining: 599_700 } }, clock.now());
    expect(changed).toBe(true); // waiting calls are woken
    const marginTokens = (600_000 * PROVIDER_MARGIN_MS) / 60_000;
    const marginRequests = (6000 * PROVIDER_MARGIN_MS) / 60_000;
    expect(store.view(s, clock.now())).toMatchObject({ requests: 100 - 1 - marginRequests, tokens: 10_000 - 300 - marginTokens });
  });

  it('calls granted before the first report count even when the provider has not seen them yet', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    const s = spec({ tokensPerMinute: 600_000 }); // 10,000 burst, 10 tokens/ms
    store.acquire([part(s, 0, 100)], clock.now());
    await clock.advance(400); // 400 ms of refill, granted, still on their way
    for (let i = 0; i < 40; i++) expect(store.acquire([part(s, 0, 100)], clock.now())).toBe(0);
    store.observe(s, { tokens: { limit: 600_000, remaining: 599_900 } }, clock.now()); // it has seen the first only
    expect(store.view(s, clock.now())!.tokens).toBe(10_000 - 4100 - 500);
  });

  it('a provider that reports its quota used does not fill the burst', () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    const s = spec({ tokensPerMinute: 600_000 });
    store.acquire([part(s, 0, 100)], clock.now());
    expect(store.observe(s, { tokens: { limit: 600_000, remaining: 580_000 } }, clock.now())).toBe(false); // a previous process used it
    expect(store.view(s, clock.now())!.tokens).toBe(0);
  });
});

describe('MemoryStore learned limits and bounded poison', () => {
  it('observe says when the limits in force changed', () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    const s = spec({ learnRequests: true, learnTokens: true });
    expect(store.observe(s, { requests: { limit: 600 }, tokens: { limit: 60_000 } }, clock.now())).toBe(true);
    expect(store.observe(s, { requests: { limit: 600 }, tokens: { limit: 60_000 } }, clock.now())).toBe(false);
    expect(store.observe(s, { tokens: { limit: 90_000 } }, clock.now())).toBe(true);
    expect(store.view(s, clock.now())).toMatchObject({ requestsPerMinute: 600, tokensPerMinute: 90_000 });
  });

  it('answers NEVER_FITS for more tokens than the per-minute limit learned (or configured), leaving the key as it was', () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    const learned = spec({ key: 'learned', learnTokens: true });
    store.observe(learned, { tokens: { limit: 100_000, remaining: 100_000 } }, clock.now());
    expect(store.acquire([part(learned, 1, 1e9)], clock.now())).toBe(NEVER_FITS);
    expect(store.acquire([part(learned, 1, 100)], clock.now())).toBe(0); // the key is not blocked
    const configured = spec({ key: 'configured', tokensPerMinute: 1000 });
    expect(store.acquire([part(spec({ key: 'other', requestsPerMinute: 60 })), part(configured, 0, 1001)], clock.now())).toBe(NEVER_FITS);
    expect(store.view(spec({ key: 'other', requestsPerMinute: 60 }), clock.now())!.requests).toBe(1); // all or nothing
  });

  /** Anthropic's requests and tokens-* headers (tokens-*: its most restrictive limit, here the output one), and more. */
  const anthropicHeaders = (more: Record<string, string> = {}): Record<string, string> => ({
    'anthropic-ratelimit-requests-limit': '50',
    'anthropic-ratelimit-requests-remaining': '49',
    'anthropic-ratelimit-tokens-limit': '8000',
    'anthropic-ratelimit-tokens-remaining': '8000',
    ...more,
  });

  /** A learning key that observed `headers`. */
  function observed(headers: Record<string, string>): { store: MemoryStore; s: LimitSpec; now: number } {
    const now = new FakeClock().now();
    const store = new MemoryStore();
    const s = spec({ key: 'claude', learnRequests: true, learnTokens: true });
    store.observe(s, parseRateLimitHeaders(headers, now)!, now);
    return { store, s, now };
  }

  it("does not learn Anthropic's tokens-* limit (its most restrictive token limit): a larger estimate is still served", () => {
    const { store, s, now } = observed(anthropicHeaders());
    expect(store.view(s, now)).toMatchObject({ requestsPerMinute: 50, tokensPerMinute: undefined });
    expect(store.acquire([part(s, 1, 12_000)], now)).not.toBe(NEVER_FITS);
  });

  it("learns Anthropic's input and output limits summed as a key's token limit: what Anthropic serves fits it", () => {
    const { store, s, now } = observed(
      anthropicHeaders({
        'anthropic-ratelimit-input-tokens-limit': '40000',
        'anthropic-ratelimit-input-tokens-remaining': '40000',
        'anthropic-ratelimit-output-tokens-limit': '8000',
        'anthropic-ratelimit-output-tokens-remaining': '8000',
      }),
    );
    expect(store.view(s, now)).toMatchObject({ requestsPerMinute: 50, tokensPerMinute: 48_000 });
    expect(store.acquire([part(s, 0, 30_000)], now)).not.toBe(NEVER_FITS); // 25,000 in + 5,000 out, say
    expect(store.acquire([part(s, 0, 48_001)], now)).toBe(NEVER_FITS);
  });

  it('bounds a charge to one minute of the learned limit, and the debt to a minute', () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    const s = spec({ learnTokens: true });
    store.observe(s, { tokens: { limit: 6000 } }, clock.now()); // learned 6000/min, no remaining reported
    store.settle(s, 1e12, clock.now());
    const view = store.view(s, clock.now())!;
    expect(view.tokens).toBe(-6000);
    expect(view.dayUsed).toBe(6000);
    store.settle(s, 5000, clock.now());
    expect(store.view(s, clock.now())!.tokens).toBe(-6000); // a minute of debt at most: 61 s to full at 100/s
  });
});

describe("MemoryStore refunds and the provider's window", () => {
  /** A key whose provider window is known: 600k TPM (10 tokens/ms), burst 10,000; the first report is idle. */
  function known() {
    const clock = new FakeClock();
    const store = new MemoryStore();
    const s = spec({ tokensPerMinute: 600_000 });
    const margin = (600_000 * PROVIDER_MARGIN_MS) / 60_000; // 500 tokens
    store.acquire([part(s, 0, 1000)], clock.now());
    store.observe(s, { tokens: { limit: 600_000, remaining: 599_000 } }, clock.now()); // window 599,000
    return { clock, store, s, margin };
  }

  it('holds a refund until the provider shows it, then gives it back (less the margin kept for calls on their way)', () => {
    const { clock, store, s, margin } = known();
    expect(store.acquire([part(s, 0, 9000 - margin)], clock.now())).toBe(0); // the rest of the burst
    expect(store.view(s, clock.now())!.tokens).toBe(0);
    store.settle(s, -800, clock.now()); // the call used 800 fewer than estimated
    expect(store.view(s, clock.now())!.tokens).toBe(0); // held
    // the provider gave them back: its remaining is 800 above the account (590,500)
    expect(store.observe(s, { tokens: { limit: 600_000, remaining: 591_300 } }, clock.now())).toBe(true);
    expect(store.view(s, clock.now())!.tokens).toBe(800 - margin);
  });

  it('a provider that keeps the unused tokens never shows them: nothing is given back', () => {
    const { clock, store, s, margin } = known();
    store.acquire([part(s, 0, 9000 - margin)], clock.now());
    store.settle(s, -800, clock.now());
    expect(store.observe(s, { tokens: { limit: 600_000, remaining: 590_500 } }, clock.now())).toBe(false);
    expect(store.view(s, clock.now())!.tokens).toBe(-margin); // the margin is now kept below the provider
  });

  it('a provider with less than the account (another client, calls it kept) lowers the burst, never deep into debt', () => {
    const { clock, store, s, margin } = known();
    store.observe(s, { tokens: { limit: 600_000, remaining: 597_000 } }, clock.now()); // 2000 below the account
    expect(store.view(s, clock.now())!.tokens).toBe(10_000 - 1000 - margin - 2000 - margin);
    store.observe(s, { tokens: { limit: 600_000, remaining: 1000 } }, clock.now()); // nearly spent
    expect(store.view(s, clock.now())!.tokens).toBe(-margin);
  });
});

describe('MemoryStore.acquireMany', () => {
  it('decides demands in order until one must wait; the later ones get that wait and take nothing', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    const s = spec({ tokensPerMinute: 6000 }); // 100 tokens/s
    store.acquire([part(s, 0, 1)], clock.now()); // a new key's first demand
    await clock.advance(1000); // full again: 100
    const results = store.acquireMany([[part(s, 0, 60)], [part(s, 0, 30)], [part(s, 0, 20)], [part(s, 0, 5)]], clock.now());
    expect(results).toEqual([0, 0, 100, 100]); // the 5-token demand would fit, but does not overtake the 20
    expect(store.view(s, clock.now())!.tokens).toBeCloseTo(10);
  });
});
