import 'reflect-metadata';
import Redis from 'ioredis';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { RateLimited, TokenBudget, configureResilience } from '../../../../index';
import { Limiter } from '../../../../src/limits/limiter';
import { MemoryStore } from '../../../../src/limits/memory-store';
import { systemClock } from '../../../../src/clock';
import { RedisStore } from '../../../../src/limits/redis/redis-store';
import { escapeKeyPart, hashKeyName } from '../../../../src/limits/redis/keys';
import { DAY_BUDGET_SPENT, type LimitSpec } from '../../../../src/limits/store';
import { idealSeconds, startEmulator } from '../../../../src/testing/emulator';
import { describeRedis, startRedis, type RedisServerHandle } from '../../../helpers/redis-server';
import { part, spec as limitSpec } from '../../../helpers/limit-spec';

const DAY_MS = 86_400_000;

function spec(key: string, over: Partial<LimitSpec> = {}): LimitSpec {
  return limitSpec({ key, requestsPerMinute: 600, requestBurst: 1, tokenBurst: 0, ...over });
}


const quietLogger = { warn: jest.fn(), info: jest.fn() };

/** ms since `t` (a `performance.now()` reading): bucket time is Redis's, which keeps running between commands. */
const since = (t: number): number => performance.now() - t;

/** Test-only: empties the waiting line of each state key (the last element of the packed state). */
const LEAVE_LINES = `
for _, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if v then
    local st = { cmsgpack.unpack(v) }
    st[12] = {}
    redis.call('SET', key, cmsgpack.pack(unpack(st, 1, 12)), 'KEEPTTL')
  end
end
return 0`;

describeRedis('RedisStore against a real redis-server', 'any', () => {
  let server: RedisServerHandle;
  let client: Redis;
  let store: RedisStore;
  let run = 0;
  let prefix: string;

  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url, { lazyConnect: true });
    await client.connect();
  });

  afterAll(async () => {
    await client?.quit().catch(() => undefined);
    await server?.stop();
  });

  beforeEach(() => {
    prefix = `t${process.pid}-${Date.now()}-${run++}`;
    // rampUp off: these tests assert the shared bucket's own semantics (the ramp has its own tests below)
    store = new RedisStore({ client, prefix, logger: quietLogger, rampUp: false });
  });

  afterEach(async () => {
    expect(store.degraded).toBe(false);
    expect(quietLogger.warn).not.toHaveBeenCalled();
    await store.close();
  });

  /** Fills a key's buckets: tokens by a refund (capped at the capacity), requests by waiting for the refill. */
  async function fill(s: LimitSpec): Promise<void> {
    await store.settle(s, -1e9, 0);
    const full = s.requestsPerMinute === undefined ? undefined : s.requestBurst;
    for (const deadline = Date.now() + 5000; ; ) {
      const view = await store.view(s, 0);
      if (full === undefined || (view?.requests ?? 0) >= full) return;
      if (Date.now() > deadline) throw new Error(`${s.key} did not fill`);
      await new Promise((r) => setTimeout(r, Math.max(1, ((full - (view?.requests ?? 0)) * 60_000) / s.requestsPerMinute!)));
    }
  }

  it('rampUp (the default): a process new to a key the fleet left full starts at one request and ramps at its share of the key rate', async () => {
    const s = spec('warm', { requestsPerMinute: 6000, requestBurst: 100 }); // 100/s
    await fill(s); // the fleet left the key full
    const restarted = new RedisStore({ client, prefix, logger: quietLogger });
    try {
      // two stores live on this prefix (this test's and the restarted one): the ramp runs at half the key's rate
      for (const deadline = Date.now() + 10_000; restarted.instances !== 2; ) {
        if (Date.now() > deadline) throw new Error(`the heartbeat counted ${restarted.instances} stores`);
        await new Promise((r) => setTimeout(r, 20));
      }
      // at one instant on the caller's clock: one request goes, the next waits one request's refill at 50/s
      expect(await restarted.acquire([part(s)], 1000)).toBe(0);
      expect(await restarted.acquire([part(s)], 1000)).toBeCloseTo(20, 6);
      // 100 ms later: 5 more, not the ~99 Redis holds
      let granted = 0;
      for (let i = 0; i < 30; i++) if ((await restarted.acquire([part(s)], 1100)) === 0) granted++;
      expect(granted).toBe(5);
      // what the ramp refused was not taken from the shared bucket
      expect((await store.view(s, 0))!.requests).toBeGreaterThanOrEqual(100 - 6);
      // a second on: the ramp could hold its share of the burst, so it ends and the shared bucket decides alone
      granted = 0;
      for (let i = 0; i < 60; i++) if ((await restarted.acquire([part(s)], 2100)) === 0) granted++;
      expect(granted).toBe(60);
    } finally {
      await restarted.close();
    }
  });

  it('rampUp keeps the limiter FIFO: a refusal by the ramp is answered after the acquires already on their way to Redis', async () => {
    const s = spec('ramp-fifo', { requestsPerMinute: 600, requestBurst: 10 }); // one request per 100 ms
    await fill(s);
    while ((await store.acquire([part(s)], 0)) === 0); // another process took the whole burst: Redis refuses now
    const restarted = new RedisStore({ client, prefix, logger: quietLogger });
    try {
      const limiter = new Limiter(restarted, systemClock, Math.random);
      const order: number[] = [];
      const bounds = { onLimit: 'queue' as const, maxWaitMs: 30_000, maxQueue: 1000 };
      // in one tick: the first goes to Redis (and is refused there), the rest are refused by the ramp at once
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => Promise.resolve(limiter.acquire('ramp-fifo', [part(s)], bounds, undefined)).then(() => order.push(i))),
      );
      expect(order).toEqual(Array.from({ length: 12 }, (_, i) => i));
    } finally {
      await restarted.close();
    }
  }, 20_000);

  it('rampUp: false: a process new to a key the fleet left full gets the whole burst at once', async () => {
    const s = spec('warm-off', { requestsPerMinute: 6000, requestBurst: 100 });
    await fill(s);
    const restarted = new RedisStore({ client, prefix, logger: quietLogger, rampUp: false });
    try {
      let granted = 0;
      for (let i = 0; i < 100; i++) if ((await restarted.acquire([part(s)], 1000)) === 0) granted++;
      expect(granted).toBe(100);
    } finally {
      await restarted.close();
    }
  });

  it('starts a new key like the in-memory store does, and paces with sub-ms precision', async () => {
    const s = spec('pace', { requestsPerMinute: 600, requestBurst: 2 }); // 10/s
    const memory = new MemoryStore();
    const first = memory.acquire([part(s)], 0);
    expect(await store.acquire([part(s)], 0)).toBe(first);
    await fill(s);
    const t0 = performance.now();
    expect(await store.acquire([part(s)], 0)).toBe(0);
    expect(await store.acquire([part(s)], 0)).toBe(0);
    const wait = await store.acquire([part(s)], 0);
    // one request takes 100 ms, less what refilled since the first take
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeGreaterThanOrEqual(100 - since(t0) - 1);
    expect(wait).toBeLessThanOrEqual(100);
    expect(Number.isInteger(wait)).toBe(false); // microsecond resolution survives
    await new Promise((r) => setTimeout(r, Math.ceil(wait) + 1));
    expect(await store.acquire([part(s)], 0)).toBe(0);
  });

  it('is all-or-nothing across the request and token buckets of one key', async () => {
    const s = spec('two-buckets', { requestsPerMinute: 600, requestBurst: 5, tokensPerMinute: 6000, tokenBurst: 100 });
    await fill(s);
    const t0 = performance.now();
    expect(await store.acquire([part(s, 1, 80)], 0)).toBe(0);
    const wait = await store.acquire([part(s, 1, 80)], 0); // requests fit (4 left), tokens do not (20 left)
    const view = (await store.view(s, 0))!;
    const elapsed = since(t0);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeGreaterThanOrEqual(600 - elapsed - 1); // (80 - 20) tokens at 100/s, less the refill since
    expect(view.requests).toBeGreaterThan(3.99); // the request was not taken
    expect(view.requests).toBeLessThanOrEqual(4 + elapsed / 100 + 1e-6); // 10/s
    expect(view.tokens).toBeLessThanOrEqual(20 + elapsed / 10 + 1e-6); // 100/s
    expect(view.dayUsed).toBe(80);
  });

  it('gives back a request and its tokens (an attempt that never left), capped at the capacity', async () => {
    const s = spec('give-back', { requestsPerMinute: 6, requestBurst: 1, tokensPerMinute: 600, tokenBurst: 100 }); // 1 request per 10 s
    await fill(s);
    expect(await store.acquire([part(s, 1, 60)], 0)).toBe(0);
    expect(await store.acquire([part(s, 1, 60)], 0)).toBeGreaterThan(9000); // the request bucket is empty
    await store.settle(s, -60, 0, -1);
    const view = (await store.view(s, 0))!;
    expect(view.requests).toBe(1); // back, and no higher than the capacity
    expect(view.tokens).toBeGreaterThan(99.9);
    expect(view.dayUsed).toBe(0);
    expect(await store.acquire([part(s, 1, 60)], 0)).toBe(0);
    await store.settle(s, 0, 0, -5); // a request refund alone, over the capacity
    expect((await store.view(s, 0))!.requests).toBe(1);
  });

  it('is all-or-nothing across two keys', async () => {
    const a = spec('key-a', { requestsPerMinute: 600, requestBurst: 3 });
    const b = spec('key-b', { requestsPerMinute: 60, requestBurst: 1 });
    await fill(a);
    await fill(b);
    const t0 = performance.now();
    expect(await store.acquire([part(b)], 0)).toBe(0); // b is now empty
    const wait = await store.acquire([part(a), part(b)], 0);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeGreaterThanOrEqual(1000 - since(t0) - 1); // one request of b at 1/s
    expect((await store.view(a, 0))!.requests).toBe(3); // a untouched
    expect(await store.acquire([part(a)], 0)).toBe(0);
  });

  it('lets a demand larger than the burst borrow from a full bucket, then waits off the debt', async () => {
    const s = spec('borrow', { requestsPerMinute: undefined, requestBurst: 1, tokensPerMinute: 6000, tokenBurst: 100 }); // 100 tokens/s
    await fill(s);
    const t0 = performance.now();
    expect(await store.acquire([part(s, 0, 250)], 0)).toBe(0);
    const tokens = (await store.view(s, 0))!.tokens!;
    expect(tokens).toBeLessThanOrEqual(-150 + since(t0) / 10 + 1e-6); // 100 - 250, plus the refill since
    const wait = await store.acquire([part(s, 0, 1)], 0); // needs the level back to 1: ~151 tokens at 100/s
    expect(wait).toBeGreaterThanOrEqual(1510 - since(t0) - 1);
    expect(wait).toBeLessThanOrEqual(1510);
  });

  it('refuses with DAY_BUDGET_SPENT once the UTC day budget is spent; another key is unaffected; refunds free it', async () => {
    const s = spec('day', { requestsPerMinute: undefined, tokensPerMinute: 600_000, tokenBurst: 10_000, tokensPerDay: 1000 });
    const other = spec('day-other', { requestsPerMinute: undefined, tokensPerMinute: 600_000, tokenBurst: 10_000, tokensPerDay: 1000 });
    await fill(s);
    await fill(other);
    expect(await store.acquire([part(s, 0, 600)], 0)).toBe(0);
    expect(await store.acquire([part(s, 0, 500)], 0)).toBe(DAY_BUDGET_SPENT);
    expect(await store.acquire([part(other, 0, 500)], 0)).toBe(0);
    expect((await store.view(s, 0))!.dayUsed).toBe(600);
    await store.settle(s, -200, 0); // the call used 200 fewer tokens than estimated
    expect((await store.view(s, 0))!.dayUsed).toBe(400);
    expect(await store.acquire([part(s, 0, 500)], 0)).toBe(0);
    // the hash lives at least until the end of the UTC day (the budget window)
    const [seconds] = (await client.time()) as unknown as [string | number];
    const msLeftToday = DAY_MS - ((Number(seconds) * 1000) % DAY_MS);
    expect(await client.pttl(store.redisKey('day'))).toBeGreaterThanOrEqual(msLeftToday - 5000);
  });

  it('a cooldown pauses every acquire on the key; later deadlines win, earlier ones do not shorten it', async () => {
    const s = spec('cool', { requestsPerMinute: 6000, requestBurst: 100 });
    const now = Date.now();
    const t0 = performance.now();
    await store.cooldown(s, now + 400, now);
    await store.cooldown(s, now + 100, now);
    const wait = await store.acquire([part(s)], Date.now());
    // the pause is sent as 400 ms from when Redis runs the script, at or after t0
    expect(wait).toBeGreaterThanOrEqual(400 - since(t0) - 1);
    expect(wait).toBeLessThanOrEqual(400);
    const view = (await store.view(s, now))!;
    expect(view.cooldownUntil).toBeGreaterThanOrEqual(now + 400 - since(t0) - 1);
    expect(view.cooldownUntil).toBeLessThanOrEqual(now + 401);
    await store.cooldown(s, now + 200_000, now);
    expect(await client.pttl(store.redisKey('cool'))).toBeGreaterThan(199_000); // TTL covers the cooldown
  });

  it('learns request limits from headers, starting conservatively (1 request, 60/min)', async () => {
    const s = spec('learn', { requestsPerMinute: undefined, requestBurst: 1, learnRequests: true });
    const t0 = performance.now();
    expect(await store.acquire([part(s)], 0)).toBe(0);
    const wait = await store.acquire([part(s)], 0);
    expect(wait).toBeGreaterThanOrEqual(1000 - since(t0) - 1); // one request per second until learned
    await store.observe(s, { requests: { limit: 6000, remaining: 5990 } }, 0);
    const view = (await store.view(s, 0))!;
    expect(view.requestsPerMinute).toBe(6000);
    const next = await store.acquire([part(s)], 0); // 100/s now: at most 10 ms to the next request
    expect(next).toBeLessThanOrEqual(10);
    // no longer floor for learned limits: an idle key is forgotten after a minute and learns again from its first
    // response (a TTL of an hour kept poisoned state that long)
    expect(await client.pttl(store.redisKey('learn'))).toBeLessThanOrEqual(61_000);
  });

  it('learns token limits and adopts a lower provider "remaining", never a higher one', async () => {
    const s = spec('adopt', { requestsPerMinute: 600, requestBurst: 10, learnTokens: true }); // 0.01 request/ms
    await fill(s);
    expect(await store.acquire([part(s, 1, 1_000_000)], 0)).toBe(0); // tokens unknown: not limited
    await store.observe(s, { tokens: { limit: 60_000, remaining: 59_000 } }, 0);
    let view = (await store.view(s, 0))!;
    expect(view.tokensPerMinute).toBe(60_000);
    // a refund is held until the provider's window shows it (a provider that kept the charge never does)
    await store.observe(s, { tokens: { limit: 60_000, remaining: 60_000 } }, 0); // the provider full again
    const before = (await store.view(s, 0))!.tokens!;
    expect(before).toBeLessThan(960);
    await store.settle(s, -1e9, 0);
    expect((await store.view(s, 0))!.tokens).toBeLessThan(before + 5); // held (5: the refill between the calls)
    // shown: released (up to the window less the margin kept for calls on their way), capped at the capacity
    await store.observe(s, { tokens: { limit: 60_000, remaining: 60_000 } }, 0);
    expect((await store.view(s, 0))!.tokens).toBe(1000);
    const t0 = performance.now();
    await store.observe(s, { requests: { remaining: 1 }, tokens: { remaining: 10 } }, 0);
    view = (await store.view(s, 0))!;
    // adopted, plus what refilled since: requests 10/s, tokens 1000/s
    expect(view.requests).toBeLessThanOrEqual(1 + since(t0) / 100 + 1e-6);
    expect(view.tokens).toBeLessThanOrEqual(10 + since(t0) + 1e-6);
    await store.observe(s, { requests: { remaining: 5000 } }, 0); // higher: ignored
    expect((await store.view(s, 0))!.requests).toBeLessThanOrEqual(1 + since(t0) / 100 + 1e-6);
    // 4 requests need the level back at 4: 300 ms from 1, less the refill since
    expect(await store.acquire([part(s, 4, 0)], 0)).toBeGreaterThanOrEqual(300 - since(t0) - 1);
  });

  it('settle charges and refunds tokens, refunds capped at the capacity', async () => {
    const s = spec('settle', { requestsPerMinute: undefined, tokensPerMinute: 60, tokenBurst: 100 }); // 1 token/s
    await fill(s);
    expect(await store.acquire([part(s, 0, 50)], 0)).toBe(0);
    await store.settle(s, 30, 0); // used 30 more than estimated
    let view = (await store.view(s, 0))!;
    expect(view.tokens).toBeGreaterThan(19.9);
    expect(view.tokens).toBeLessThan(21);
    expect(view.dayUsed).toBe(80);
    await store.settle(s, -500, 0);
    view = (await store.view(s, 0))!;
    expect(view.tokens).toBe(100);
    expect(view.dayUsed).toBe(0);
  });

  it('mirrors MemoryStore on a scripted sequence (slow rates, so the few ms between calls do not matter)', async () => {
    const a = spec('mirror-a', { requestsPerMinute: 6, requestBurst: 2, tokensPerMinute: 600, tokenBurst: 50, tokensPerDay: 400 });
    const b = spec('mirror-b', { requestsPerMinute: 12, requestBurst: 1, learnTokens: true });
    const memory = new MemoryStore();
    const t = Date.now();
    const t0 = performance.now();
    const ops: Array<(s: RedisStore | MemoryStore) => unknown> = [
      (s) => s.acquire([part(a, 1, 30)], t),
      (s) => s.acquire([part(a, 1, 30), part(b, 1, 30)], t),
      (s) => s.acquire([part(a, 1, 30)], t),
      (s) => s.acquire([part(b, 1, 5)], t),
      (s) => s.settle(a, -20, t),
      (s) => s.acquire([part(a, 0, 60)], t),
      (s) => s.observe(b, { requests: { limit: 120, remaining: 0 }, tokens: { limit: 600, remaining: 3 } }, t),
      (s) => s.acquire([part(b, 1, 5)], t),
      (s) => s.cooldown(a, t + 5000, t),
      (s) => s.acquire([part(a, 0, 1)], t),
      (s) => s.acquire([part(a, 0, 500)], t),
    ];
    for (const [i, op] of ops.entries()) {
      const expected = await op(memory);
      const actual = await op(store);
      // A refused waiter keeps a place in the keys' waiting lines (cross-process fairness, tested in the
      // multi-process suite); the in-memory store has no such line, so this waiter leaves it before the next step.
      await client.eval(LEAVE_LINES, 2, store.redisKey(a.key), store.redisKey(b.key));
      // the memory store is asked at the fixed time t, Redis at its own time, which runs on: allow for that
      if (typeof expected === 'number') {
        if (expected <= 0) expect([i, actual]).toEqual([i, expected]);
        else expect([i, Math.abs((actual as number) - expected) < expected * 0.02 + 50 + since(t0), actual, expected]).toEqual([i, true, actual, expected]);
      }
    }
    const seconds = since(t0) / 1000;
    for (const s of [a, b]) {
      const m = memory.view(s, t)!;
      const r = (await store.view(s, t))!;
      expect(r.dayUsed).toBe(m.dayUsed);
      expect(r.requestsPerMinute).toBe(m.requestsPerMinute);
      expect(r.tokensPerMinute).toBe(m.tokensPerMinute);
      expect(Math.abs(r.requests! - m.requests!)).toBeLessThan(0.1 + (m.requestsPerMinute! / 60) * seconds);
      if (m.tokens !== undefined) expect(Math.abs(r.tokens! - m.tokens)).toBeLessThan(1 + (m.tokensPerMinute! / 60) * seconds);
    }
  });

  it('sets a TTL on every key it writes, covering the time to refill, and bounds a debt to a minute of the limit', async () => {
    const s = spec('ttl', { requestsPerMinute: 60, requestBurst: 1, tokensPerMinute: 60, tokenBurst: 10 });
    await fill(s);
    expect(await store.acquire([part(s, 1, 60)], 0)).toBe(0); // a whole minute's tokens: 50 of debt at 1/s
    let ttl = await client.pttl(store.redisKey('ttl'));
    expect(ttl).toBeGreaterThan(59_000); // the one-minute floor (the debt refills in 60 s: 50 to 0, then 10)
    expect(ttl).toBeLessThanOrEqual(62_000);
    await store.settle(s, 1e9, 0); // an absurd usage: bounded to a minute of the limit, and so is the debt
    const view = (await store.view(s, 0))!;
    expect(view.tokens).toBeGreaterThanOrEqual(-60);
    expect(view.tokens).toBeLessThan(-59);
    expect(view.dayUsed).toBe(120); // 60 taken + 60 (the bounded charge)
    ttl = await client.pttl(store.redisKey('ttl'));
    expect(ttl).toBeGreaterThan(69_000); // covers the refill: (10 + 60) tokens at 1/s
    expect(ttl).toBeLessThanOrEqual(72_000); // and nothing beyond it
    const plain = spec('ttl-plain');
    expect(await store.acquire([part(plain)], 0)).toBe(0);
    const plainTtl = await client.pttl(store.redisKey('ttl-plain'));
    expect(plainTtl).toBeGreaterThan(59_000);
    expect(plainTtl).toBeLessThanOrEqual(61_000);
  });

  it('keeps hostile keys apart and inside one hash tag each', async () => {
    const hostile = ['a}b{c', '{x}', '}{', ':::', '%7B', 'a:b', 'a%3Ab', 'x'.repeat(5000), 'x'.repeat(4999) + 'y', 'π\u0000\n\r#', '#abc', 'llm', '*?[]', '\uD800', '\uD801', '%uD800'];
    const names = new Set<string>();
    for (const key of hostile) {
      const name = store.redisKey(key);
      expect(name.length).toBeLessThan(prefix.length + 260);
      const open = name.indexOf('{');
      const close = name.indexOf('}', open);
      expect(name.slice(0, open)).toBe(`${prefix}:`);
      expect(close).toBe(name.length - 1); // the tag is everything after the prefix
      expect(name.slice(open + 1, close)).toBe(escapeKeyPart(key));
      names.add(name);
      expect(await store.acquire([part(spec(key, { requestsPerMinute: 6, requestBurst: 1 }))], 0)).toBe(0);
    }
    expect(names.size).toBe(hostile.length);
    // every key got its own bucket: each was granted once, and each is empty now
    for (const key of hostile) expect(await store.acquire([part(spec(key, { requestsPerMinute: 6, requestBurst: 1 }))], 0)).toBeGreaterThan(0);
    const stored = await client.keys(`${prefix}:*`);
    expect(stored.sort()).toEqual([...names, `${prefix}:#instances`].sort()); // and the fleet's heartbeat
  });

  it('a custom hash tag keeps key names distinct from default-tag names', async () => {
    const tagged = new RedisStore({ client, prefix, logger: quietLogger, hashTag: (key) => key.split(':')[0], rampUp: false });
    expect(tagged.redisKey('openai:gpt-4o')).toBe(`${prefix}:{openai}:openai%3Agpt-4o`);
    expect(tagged.redisKey('openai')).toBe(`${prefix}:{openai}`);
    expect(hashKeyName(prefix, 'a', 'a:b')).not.toBe(hashKeyName(prefix, 'a:b', 'a'));
    const s = spec('openai:gpt-4o');
    expect(await tagged.acquire([part(s)], 0)).toBe(0);
    expect(await store.acquire([part(s)], 0)).toBe(0); // a different hash: default tag
    await tagged.close();
  });

  it('two prefixes never share state; invalid prefixes are refused', async () => {
    const one = new RedisStore({ client, prefix: prefix, logger: quietLogger, rampUp: false });
    const two = new RedisStore({ client, prefix: `${prefix}:`, logger: quietLogger, rampUp: false });
    const s = spec('shared-name', { requestsPerMinute: 6 }); // 1 request per 10 s
    expect(await one.acquire([part(s)], 0)).toBe(0);
    expect(await two.acquire([part(s)], 0)).toBe(0);
    expect(await one.acquire([part(s)], 0)).toBeGreaterThan(0);
    expect(one.redisKey('x')).not.toBe(two.redisKey('x'));
    for (const bad of ['', 'a{b', 'a}b', 'a b', 'a\nb', 'x'.repeat(65)]) {
      expect(() => new RedisStore({ client, prefix: bad })).toThrow(TypeError);
    }
    await Promise.all([one.close(), two.close()]);
  });

  it('survives SCRIPT FLUSH: the next acquire reloads the script and works', async () => {
    const s = spec('flush', { requestsPerMinute: 6000, requestBurst: 10, tokensPerMinute: 60_000, tokenBurst: 1000 });
    await fill(s);
    expect(await store.acquire([part(s, 1, 10)], 0)).toBe(0);
    await client.script('FLUSH');
    expect(await store.acquire([part(s, 1, 10)], 0)).toBe(0);
    await store.settle(s, 5, 0);
    expect((await store.view(s, 0))!.dayUsed).toBe(25);
  });

  it('sends the acquires of one tick as one script call, served in call order', async () => {
    const s = spec('batch', { requestsPerMinute: 600, requestBurst: 3 }); // 0.01 request/ms
    await fill(s);
    const before = commandCount(await client.info('commandstats'));
    const results = await Promise.all(Array.from({ length: 5 }, () => store.acquire([part(s)], 0)));
    const after = commandCount(await client.info('commandstats'));
    expect(after - before).toBe(1 + 1); // one EVALSHA for all five, and the INFO
    expect(results.slice(0, 3)).toEqual([0, 0, 0]);
    expect(results[3]).toBeGreaterThan(50);
    expect(results[4]).toBeGreaterThan(50);
  });

  it('takes one round trip per acquire', async () => {
    const s = spec('round-trip', { requestsPerMinute: 6000, requestBurst: 100, tokensPerMinute: 60_000, tokenBurst: 1000 });
    const other = spec('round-trip-2', { requestsPerMinute: 6000, requestBurst: 100 });
    await store.acquire([part(s, 1, 10), part(other)], 0); // script loaded on this connection
    const before = commandCount(await client.info('commandstats'));
    for (let i = 0; i < 10; i++) await store.acquire([part(s, 1, 10), part(other)], 0);
    const after = commandCount(await client.info('commandstats'));
    expect(after - before).toBe(10 + 1); // ten EVALSHAs and the INFO itself
  });
});

/** Calls of evalsha + eval + info in an INFO commandstats reply. */
function commandCount(info: string): number {
  let total = 0;
  for (const match of info.matchAll(/cmdstat_(evalsha|eval|info):calls=(\d+)/g)) total += Number(match[2]);
  return total;
}

describeRedis('RedisStore through the decorators and the real openai SDK', 'any', () => {
  let server: RedisServerHandle;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url, { lazyConnect: true });
    await client.connect();
  });

  afterAll(async () => {
    await client?.quit().catch(() => undefined);
    await server?.stop();
  });

  it('keeps 120 concurrent calls within the emulator quota (0 429s), never faster than the quota allows', async () => {
    const quota = { requestsPerMinute: 3000, tokensPerMinute: 300_000 };
    const emulator = await startEmulator({ ...quota, latencyMs: [5, 15] });
    try {
      const store = new RedisStore({ client, prefix: `deco${process.pid}-${Date.now()}`, logger: quietLogger });
      configureResilience(container, { store });
      const openai = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
      class Chat {
        @RateLimited({ key: 'openai:gpt-4o-mini', requestsPerMinute: quota.requestsPerMinute })
        @TokenBudget({ key: 'openai:gpt-4o-mini', tokensPerMinute: quota.tokensPerMinute, estimate: () => 40 })
        async ask(prompt: string): Promise<string | null> {
          const completion = await openai.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: prompt }],
            max_completion_tokens: 20,
          });
          return completion.choices[0].message.content;
        }
      }
      const chat = new Chat();
      // Warm up the SDK and the emulator's tokenizer (the first request loads them lazily and blocks the event
      // loop for ~0.5 s), so the measured run is not skewed by it.
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1 });
      emulator.resetCounters();
      const calls = 120;
      const started = performance.now();
      const results = await Promise.allSettled(Array.from({ length: calls }, (_, i) => chat.ask(`question ${i}`)));
      const seconds = (performance.now() - started) / 1000;
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const counters = emulator.counters();
      expect(counters.succeeded).toBe(calls);
      expect(counters.rateLimited).toBe(0);
      // never faster than the quota allows: at most one burst (50) at once, then 50/s; and not stuck (a generous
      // bound: how close to the ideal a run gets moves with the machine's load, see npm run bench)
      const ideal = idealSeconds(calls, 40, quota);
      expect(seconds).toBeGreaterThan((calls - 50) / 50 - 0.1);
      expect(seconds).toBeLessThan(ideal * 3 + 5);
      expect(store.degraded).toBe(false);
      expect(await client.exists(store.redisKey('openai:gpt-4o-mini'))).toBe(1);
      await store.close();
    } finally {
      await emulator.close();
    }
  });
});
