import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { Limiter, type AcquireBounds } from '../../../src/limits/limiter';
import { MemoryStore } from '../../../src/limits/memory-store';
import { RateLimitExceededError, TokenBudgetExceededError } from '../../../src/errors';
import type { DemandPart, LimitSpec } from '../../../src/limits/store';
import { FakeClock } from '../../../src/testing/fake-clock';
import { spec } from '../../helpers/limit-spec';

const queue: AcquireBounds = { onLimit: 'queue', maxWaitMs: 60_000, maxQueue: 10_000 };

function setup() {
  const clock = new FakeClock();
  const store = new MemoryStore();
  const limiter = new Limiter(store, clock, () => 0.5);
  const granted: Array<[string, number]> = [];
  const take = (parts: DemandPart[], label: string, bounds = queue, signal?: AbortSignal, queueKey = 'k') => {
    const waiting = limiter.acquire(queueKey, parts, bounds, signal);
    if (waiting === undefined) {
      granted.push([label, clock.now()]);
      return Promise.resolve();
    }
    return waiting.then(() => {
      granted.push([label, clock.now()]);
    });
  };
  /** Creates the keys' state (a new key starts nearly empty) and lets the buckets fill for `ms`. */
  const warm = async (specs: LimitSpec[], ms = 1000) => {
    for (const s of specs) store.acquire([{ spec: s, requests: 0, tokens: 0 }], clock.now());
    await clock.advance(ms);
  };
  return { clock, store, limiter, granted, take, warm };
}

describe('MemoryStore + Limiter', () => {
  it('starts a new key with one request, then paces a per-minute limit evenly', async () => {
    const { clock, granted, take } = setup();
    const s = spec({ requestsPerMinute: 120 }); // 2/s, burst 2
    const all = Array.from({ length: 6 }, (_, i) => take([{ spec: s, requests: 1, tokens: 0 }], `c${i}`));
    await clock.advance(3000);
    await Promise.all(all);
    expect(granted.map(([, t]) => t - Date.UTC(2026, 0, 1))).toEqual([0, 500, 1000, 1500, 2000, 2500]);
  });

  it('lets a full bucket serve a one-second burst at once', async () => {
    const { clock, granted, take, warm } = setup();
    const s = spec({ requestsPerMinute: 120 }); // 2/s, burst 2
    await warm([s], 5000);
    const t0 = clock.now();
    const all = Array.from({ length: 4 }, (_, i) => take([{ spec: s, requests: 1, tokens: 0 }], `c${i}`));
    await clock.advance(2000);
    await Promise.all(all);
    expect(granted.map(([, t]) => t - t0)).toEqual([0, 0, 500, 1000]);
  });

  it('grants in FIFO order and uses one timer per key, not one per waiter', async () => {
    const { clock, granted, take, limiter } = setup();
    const s = spec({ requestsPerMinute: 60 });
    const all = Array.from({ length: 50 }, (_, i) => take([{ spec: s, requests: 1, tokens: 0 }], `c${i}`));
    expect(limiter.queued('k')).toBe(49);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(60_000);
    await Promise.all(all);
    expect(granted.map(([l]) => l)).toEqual(Array.from({ length: 50 }, (_, i) => `c${i}`));
    expect(clock.pendingTimers).toBe(0);
  });

  it('takes requests and tokens all or nothing, never holding a request while waiting for tokens', async () => {
    const { clock, store, take, warm } = setup();
    const s = spec({ requestsPerMinute: 600, tokensPerMinute: 600 }); // burst 10 requests, 10 tokens
    await warm([s]);
    await take([{ spec: s, requests: 1, tokens: 10 }], 'a'); // empties the token bucket
    const waiting = take([{ spec: s, requests: 1, tokens: 10 }], 'b');
    const view = store.view(s, clock.now())!;
    expect(view.requests).toBeCloseTo(9); // b did not take a request while waiting
    await clock.advance(1000);
    await waiting;
    expect(store.view(s, clock.now())!.requests).toBeCloseTo(9);
  });

  it('takes every key of a call atomically', async () => {
    const { clock, store, take, warm } = setup();
    const a = spec({ key: 'a', requestsPerMinute: 60 });
    const b = spec({ key: 'b', tokensPerMinute: 60, tokenBurst: 5 });
    await warm([a, b], 5000);
    await take([{ spec: a, requests: 1, tokens: 0 }, { spec: b, requests: 1, tokens: 5 }], 'first', queue, undefined, 'a|b');
    const second = take([{ spec: a, requests: 1, tokens: 0 }, { spec: b, requests: 1, tokens: 5 }], 'second', queue, undefined, 'a|b');
    await clock.advance(1000); // a refilled, b needs 5 s
    expect(store.view(a, clock.now())!.requests).toBeCloseTo(1); // a was not debited while b refused
    await clock.advance(4000);
    await second;
    expect(store.view(a, clock.now())!.requests).toBeCloseTo(0);
  });

  it('lets a call larger than the burst borrow once the bucket is full; later calls wait off the debt', async () => {
    const { clock, granted, take, warm } = setup();
    const s = spec({ tokensPerMinute: 6000 }); // 100/s, burst 100
    await warm([s]);
    const t0 = clock.now();
    await take([{ spec: s, requests: 0, tokens: 50 }], 'small');
    const big = take([{ spec: s, requests: 0, tokens: 300 }], 'big'); // waits until full (0.5 s), then debt -200
    const after = take([{ spec: s, requests: 0, tokens: 100 }], 'after'); // waits for -200 → 100: 3 s
    await clock.advance(5000);
    await Promise.all([big, after]);
    expect(granted.map(([l, t]) => [l, t - t0])).toEqual([
      ['small', 0],
      ['big', 500],
      ['after', 3500],
    ]);
  });

  it('rejects at once with onLimit reject, with the wait as retryAfterMs', async () => {
    const { take } = setup();
    const s = spec({ requestsPerMinute: 60 });
    await take([{ spec: s, requests: 1, tokens: 0 }], 'a');
    const reject: AcquireBounds = { ...queue, onLimit: 'reject' };
    let error: unknown;
    try {
      await take([{ spec: s, requests: 1, tokens: 0 }], 'b', reject);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RateLimitExceededError);
    expect((error as RateLimitExceededError).retryAfterMs).toBeCloseTo(1000);
    expect((error as RateLimitExceededError).key).toBe('k');
  });

  it('bounds the queue with maxQueue', async () => {
    const { clock, take } = setup();
    const s = spec({ requestsPerMinute: 60 });
    const bounds: AcquireBounds = { ...queue, maxQueue: 2 };
    const ok = [take([{ spec: s, requests: 1, tokens: 0 }], 'a', bounds), take([{ spec: s, requests: 1, tokens: 0 }], 'b', bounds), take([{ spec: s, requests: 1, tokens: 0 }], 'c', bounds)];
    expect(() => take([{ spec: s, requests: 1, tokens: 0 }], 'd', bounds)).toThrow(/queue full at maxQueue 2/);
    await clock.advance(3000);
    await Promise.all(ok);
  });

  it('fails fast when the known wait exceeds maxWaitMs, and never lets a waiter wait past it', async () => {
    const { clock, take } = setup();
    const s = spec({ requestsPerMinute: 60 });
    const bounds: AcquireBounds = { ...queue, maxWaitMs: 2500 };
    const outcomes: Array<[string, string, number]> = [];
    const t0 = clock.now();
    const all = ['a', 'b', 'c', 'd', 'e'].map((l) =>
      take([{ spec: s, requests: 1, tokens: 0 }], l, bounds).then(
        () => outcomes.push([l, 'ok', clock.now() - t0]),
        (e: unknown) => outcomes.push([l, (e as Error).constructor.name, clock.now() - t0]),
      ),
    );
    await clock.advance(10_000);
    await Promise.all(all);
    outcomes.sort((x, y) => x[0].localeCompare(y[0]));
    expect(outcomes).toEqual([
      ['a', 'ok', 0],
      ['b', 'ok', 1000],
      ['c', 'ok', 2000],
      ['d', 'RateLimitExceededError', 2000], // would be served at 3000 > 0 + 2500: failed as soon as known
      ['e', 'RateLimitExceededError', 2000],
    ]);
    for (const [, , t] of outcomes) expect(t).toBeLessThanOrEqual(2500);
  });

  it('removes an aborted waiter at once and serves the next one in its place', async () => {
    const { clock, granted, take, limiter } = setup();
    const s = spec({ requestsPerMinute: 60 });
    await take([{ spec: s, requests: 1, tokens: 0 }], 'a');
    const controller = new AbortController();
    const b = take([{ spec: s, requests: 1, tokens: 0 }], 'b', queue, controller.signal);
    const c = take([{ spec: s, requests: 1, tokens: 0 }], 'c');
    expect(limiter.queued('k')).toBe(2);
    controller.abort(new Error('gone'));
    await expect(b).rejects.toThrow('gone');
    expect(limiter.queued('k')).toBe(1);
    await clock.advance(1000);
    await c;
    expect(granted.map(([l, t]) => [l, t - Date.UTC(2026, 0, 1)])).toEqual([
      ['a', 0],
      ['c', 1000],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('enforces a daily token budget that resets at the UTC day boundary', async () => {
    const { clock, take } = setup();
    const s = spec({ tokensPerDay: 1000 });
    await take([{ spec: s, requests: 1, tokens: 600 }], 'a');
    expect(() => take([{ spec: s, requests: 1, tokens: 600 }], 'b')).toThrow(TokenBudgetExceededError);
    await clock.advance(86_400_000);
    await take([{ spec: s, requests: 1, tokens: 600 }], 'c');
  });

  it('pauses a key during a cooldown, for every caller', async () => {
    const { clock, store, granted, take } = setup();
    const s = spec({ requestsPerMinute: 6000 });
    store.cooldown(s, clock.now() + 750, clock.now());
    const all = [take([{ spec: s, requests: 1, tokens: 0 }], 'a'), take([{ spec: s, requests: 1, tokens: 0 }], 'b')];
    await clock.advance(1000);
    await Promise.all(all);
    expect(granted.map(([, t]) => t - Date.UTC(2026, 0, 1))).toEqual([750, 750]);
  });

  it('adopts the provider remaining figure when it is lower, never when higher', async () => {
    const { clock, store, warm } = setup();
    const s = spec({ requestsPerMinute: 600, tokensPerMinute: 60_000 });
    await warm([s]);
    expect(store.acquire([{ spec: s, requests: 1, tokens: 100 }], clock.now())).toBe(0);
    store.observe(s, { requests: { remaining: 500 }, tokens: { remaining: 50_000 } }, clock.now());
    expect(store.view(s, clock.now())).toMatchObject({ requests: 9, tokens: 900 });
    store.observe(s, { requests: { remaining: 2 }, tokens: { remaining: 10 } }, clock.now());
    expect(store.view(s, clock.now())).toMatchObject({ requests: 2, tokens: 10 });
  });

  it('learns limits from headers, starting conservatively (one request at a time, 1/s)', async () => {
    const { clock, store, granted, take } = setup();
    const s = spec({ learnRequests: true, learnTokens: true });
    const all = [1, 2, 3].map((i) => take([{ spec: s, requests: 1, tokens: 50 }], `c${i}`));
    await clock.advance(100);
    expect(granted.length).toBe(1);
    store.observe(s, { requests: { limit: 6000, remaining: 5999 }, tokens: { limit: 600_000, remaining: 599_000 } }, clock.now());
    expect(store.view(s, clock.now())).toMatchObject({ requestsPerMinute: 6000, tokensPerMinute: 600_000 });
    await clock.advance(1000);
    await Promise.all(all);
    expect(granted.length).toBe(3);
    // after learning 100/s, c2 and c3 did not wait the conservative second each
    expect(granted[2][1] - granted[0][1]).toBeLessThan(1100);
  });

  it('refunds settled tokens up to the capacity and charges extra as debt', async () => {
    const { clock, store, warm } = setup();
    const s = spec({ tokensPerMinute: 6000 });
    await warm([s]);
    store.acquire([{ spec: s, requests: 0, tokens: 80 }], clock.now());
    store.settle(s, -50, clock.now());
    expect(store.view(s, clock.now())!.tokens).toBeCloseTo(70);
    store.settle(s, -500, clock.now());
    expect(store.view(s, clock.now())!.tokens).toBeCloseTo(100);
    store.settle(s, 250, clock.now());
    expect(store.view(s, clock.now())!.tokens).toBeCloseTo(-150);
  });
});

describe('properties (fast-check)', () => {
  it('never grants more than rate·W + burst over any window; FIFO holds; every waiter is granted or rejected within its bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rpm: fc.integer({ min: 30, max: 6000 }),
          burstFactor: fc.double({ min: 0.2, max: 3, noNaN: true }),
          maxWaitMs: fc.integer({ min: 0, max: 20_000 }),
          arrivals: fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400 }), weight: fc.integer({ min: 1, max: 40 }) }), { minLength: 1, maxLength: 60 }),
        }),
        async ({ rpm, burstFactor, maxWaitMs, arrivals }) => {
          const clock = new FakeClock();
          const limiter = new Limiter(new MemoryStore(), clock, () => 0.5);
          const tpm = rpm * 20;
          const burst = Math.max(1, (tpm / 60) * burstFactor);
          const s = spec({ tokensPerMinute: tpm, tokenBurst: burst });
          const bounds: AcquireBounds = { onLimit: 'queue', maxWaitMs, maxQueue: 10_000 };
          const grants: Array<{ at: number; tokens: number; index: number }> = [];
          const settled: Array<{ index: number; at: number; start: number }> = [];
          const pending: Array<Promise<unknown>> = [];
          for (let i = 0; i < arrivals.length; i++) {
            await clock.advance(arrivals[i].gap);
            const start = clock.now();
            const tokens = arrivals[i].weight * 10;
            const record = () => {
              grants.push({ at: clock.now(), tokens, index: i });
              settled.push({ index: i, at: clock.now(), start });
            };
            try {
              const w = limiter.acquire('k', [{ spec: s, requests: 0, tokens }], bounds, undefined);
              if (w === undefined) record();
              else pending.push(w.then(record, () => settled.push({ index: i, at: clock.now(), start })));
            } catch {
              settled.push({ index: i, at: clock.now(), start });
            }
          }
          await clock.runAll();
          await Promise.all(pending);
          // every waiter settled, within its bound
          expect(settled.length).toBe(arrivals.length);
          for (const s2 of settled) expect(s2.at - s2.start).toBeLessThanOrEqual(maxWaitMs);
          // FIFO among granted calls that queued
          const order = grants.map((g) => g.index);
          expect(order).toEqual([...order].sort((a, b) => a - b));
          // capacity: over any window [a, b], granted ≤ rate·(b − a) + burst + the one borrowing call's excess
          const rate = tpm / 60_000;
          const maxSingle = Math.max(0, ...grants.map((g) => g.tokens));
          for (let i = 0; i < grants.length; i++) {
            let sum = 0;
            for (let j = i; j < grants.length; j++) {
              sum += grants[j].tokens;
              const window = grants[j].at - grants[i].at;
              expect(sum).toBeLessThanOrEqual(rate * window + burst + Math.max(0, maxSingle - burst) + 1e-6);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
describe('a caller signal shared by many calls', () => {
  it('gets one listener however many calls wait on it, and none after they settle', async () => {
    const { clock, take } = setup();
    const s = spec({ requestsPerMinute: 600 });
    const shared = new AbortController();
    const calls = Array.from({ length: 50 }, (_, i) => take([{ spec: s, requests: 1, tokens: 0 }], `c${i}`, queue, shared.signal));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
    await clock.advance(10_000);
    await Promise.all(calls);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  it('still rejects every waiter when the shared signal aborts', async () => {
    const { clock, take } = setup();
    const s = spec({ requestsPerMinute: 60 });
    const shared = new AbortController();
    const calls = Array.from({ length: 5 }, (_, i) => take([{ spec: s, requests: 1, tokens: 0 }], `c${i}`, queue, shared.signal).then(() => 'granted', (e: unknown) => e));
    shared.abort('shutdown');
    await clock.advance(0);
    expect(await Promise.all(calls)).toEqual(['granted', 'shutdown', 'shutdown', 'shutdown', 'shutdown']);
  });
});

describe('batch drain, learned limits and demands that can never fit', () => {
  it('a drain serves every waiter that fits at once, in FIFO order, and no more', async () => {
    const { clock, store, granted, take, limiter } = setup();
    const s = spec({ tokensPerMinute: 6000 }); // 100 tokens/s, burst 100
    const all = Array.from({ length: 12 }, (_, i) => take([{ spec: s, requests: 0, tokens: 20 }], `c${i}`));
    expect(granted.map(([l]) => l)).toEqual(['c0']); // a new key's first demand
    const t0 = clock.now();
    store.settle(s, -100, t0); // 100 tokens come back (up to the burst): five waiters fit
    limiter.kick('k');
    await clock.advance(0);
    expect(granted.map(([l, t]) => [l, t - t0])).toEqual([['c0', 0], ['c1', 0], ['c2', 0], ['c3', 0], ['c4', 0], ['c5', 0]]);
    expect(limiter.queued('k')).toBe(6);
    await clock.advance(2000);
    await Promise.all(all);
    expect(granted.map(([l]) => l)).toEqual(Array.from({ length: 12 }, (_, i) => `c${i}`));
  });

  it('a learned limit wakes the queue: the waiters are served at the new rate at once, not after the learning second', async () => {
    const { clock, store, granted, take, limiter } = setup();
    const s = spec({ learnRequests: true, learnTokens: true });
    const all = [1, 2, 3, 4].map((i) => take([{ spec: s, requests: 1, tokens: 50 }], `c${i}`));
    await clock.advance(10);
    expect(granted.length).toBe(1); // one request at a time while learning
    const changed = store.observe(s, { requests: { limit: 6000, remaining: 5999 }, tokens: { limit: 600_000, remaining: 599_950 } }, clock.now());
    expect(changed).toBe(true);
    limiter.kick('k'); // what the runtime does when observe says the limits changed
    await clock.advance(0);
    expect(granted.length).toBe(4);
    await Promise.all(all);
  });

  it('fails a demand above a learned per-minute limit with TokenBudgetExceededError at once, and serves the next', async () => {
    const { clock, store, take } = setup();
    const s = spec({ key: 'openai:gpt-4o-mini', learnTokens: true });
    store.observe(s, { tokens: { limit: 100_000, remaining: 100_000 } }, clock.now());
    let error: unknown;
    try {
      await take([{ spec: s, requests: 0, tokens: 1e9 }], 'huge', queue, undefined, 'openai:gpt-4o-mini');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TokenBudgetExceededError);
    expect(error).toMatchObject({ key: 'openai:gpt-4o-mini', requested: 1e9, capacity: 100_000 });
    expect((error as Error).message).toMatch(/larger than the per-minute limit learned from the provider, can never be served/);
    await take([{ spec: s, requests: 0, tokens: 100 }], 'next', queue, undefined, 'openai:gpt-4o-mini'); // not blocked
  });

  it('a waiter that turns out never to fit (the limit was learned while it waited) is failed; the ones behind it go on', async () => {
    const { clock, store, granted, take, limiter } = setup();
    const s = spec({ learnRequests: true, learnTokens: true });
    const outcomes: string[] = [];
    const first = take([{ spec: s, requests: 1, tokens: 10 }], 'first');
    const huge = take([{ spec: s, requests: 1, tokens: 50_000 }], 'huge').catch((e: unknown) => outcomes.push((e as Error).constructor.name));
    const after = take([{ spec: s, requests: 1, tokens: 10 }], 'after');
    store.observe(s, { requests: { limit: 600, remaining: 599 }, tokens: { limit: 6000, remaining: 5990 } }, clock.now());
    limiter.kick('k');
    await clock.advance(1000);
    await Promise.all([first, huge, after]);
    expect(outcomes).toEqual(['TokenBudgetExceededError']);
    expect(granted.map(([l]) => l)).toEqual(['first', 'after']);
  });
});
