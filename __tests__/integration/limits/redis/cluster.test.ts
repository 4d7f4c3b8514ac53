import { Cluster } from 'ioredis';
import { PolicyConfigError } from '../../../../src/errors';
import { RedisStore } from '../../../../src/limits/redis/redis-store';
import type { LimitSpec } from '../../../../src/limits/store';
import { describeRedis, startRedisCluster, type RedisClusterHandle } from '../../../helpers/redis-server';
import { part, spec as limitSpec } from '../../../helpers/limit-spec';

function spec(key: string, over: Partial<LimitSpec> = {}): LimitSpec {
  return limitSpec({ key, requestsPerMinute: 6000, requestBurst: 100, tokensPerMinute: 600_000, tokenBurst: 10_000, ...over });
}


const quietLogger = { warn: jest.fn(), info: jest.fn() };

describeRedis('RedisStore on a 3-master Redis Cluster (ioredis Cluster)', 'cluster', () => {
  let cluster: RedisClusterHandle;
  let client: Cluster;
  const prefix = `cl${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    client = new Cluster(cluster.nodes.map((n) => ({ host: n.host, port: n.port })), { lazyConnect: true });
    await client.connect();
  }, 25_000);

  afterAll(async () => {
    await client?.quit().catch(() => undefined);
    await cluster?.stop();
  });

  afterEach(() => {
    expect(quietLogger.warn).not.toHaveBeenCalled();
  });

  /** The master that holds a key. */
  async function nodeOf(name: string): Promise<string> {
    const slot = await client.cluster('KEYSLOT', name);
    const slots = (await client.cluster('SLOTS')) as unknown as Array<[number, number, [string, number]]>;
    const range = slots.find(([from, to]) => slot >= from && slot <= to)!;
    return `${range[2][0]}:${range[2][1]}`;
  }

  it('acquires, settles, cools down, observes and views keys spread over every master', async () => {
    const store = new RedisStore({ client, prefix, logger: quietLogger });
    const keys = Array.from({ length: 24 }, (_, i) => `openai:model-${i}`);
    const nodes = new Set<string>();
    for (const key of keys) {
      const s = spec(key, { requestsPerMinute: 60, requestBurst: 10 }); // 1 request/s: a second to refill one
      nodes.add(await nodeOf(store.redisKey(key)));
      await store.settle(s, -1e9, 0); // fill the token bucket
      expect(await store.acquire([part(s, 1, 500)], 0)).toBe(0);
      await store.settle(s, -200, 0);
      await store.observe(s, { requests: { limit: 600, remaining: 0 } }, 0);
      const view = (await store.view(s, 0))!;
      expect(view.dayUsed).toBe(300);
      expect(view.requests).toBeLessThan(1);
      expect(await store.acquire([part(s)], 0)).toBeGreaterThan(0); // remaining 0 adopted
      const now = Date.now();
      await store.cooldown(s, now + 5000, now);
      expect((await store.view(s, now))!.cooldownUntil).toBeGreaterThan(now + 4000);
      expect(await client.pttl(store.redisKey(key))).toBeGreaterThan(4000);
    }
    expect(nodes.size).toBe(3); // the keys really live on all three masters
    expect(store.degraded).toBe(false);
  });

  it('a call over two keys works when a hashTag maps them to one tag (one slot), with all-or-nothing', async () => {
    const store = new RedisStore({ client, prefix, logger: quietLogger, hashTag: (key) => key.split(':')[0] });
    const rate = spec('acme:gpt-4o:rpm', { requestsPerMinute: 60, requestBurst: 1, tokensPerMinute: undefined, tokenBurst: 0 });
    const budget = spec('acme:gpt-4o:budget', { requestsPerMinute: undefined, tokensPerMinute: 600, tokenBurst: 100, tokensPerDay: 10_000 });
    expect(await client.cluster('KEYSLOT', store.redisKey(rate.key))).toBe(await client.cluster('KEYSLOT', store.redisKey(budget.key)));
    await store.settle(budget, -1e9, 0);
    expect(await store.acquire([part(rate, 1, 60), part(budget, 0, 60)], 0)).toBe(0);
    // the budget has 40 tokens left: refused, and the rate key's fresh request stays untouched
    const wait = await store.acquire([part(rate, 1, 60), part(budget, 0, 60)], 0);
    expect(wait).toBeGreaterThan(0);
    expect((await store.view(budget, 0))!.dayUsed).toBe(60);
  });

  it('refuses a call whose keys map to different hash tags with a clear PolicyConfigError, never CROSSSLOT', async () => {
    const store = new RedisStore({ client, prefix, logger: quietLogger });
    const error = await store.acquire([part(spec('tenant-a')), part(spec('tenant-b'))], 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyConfigError);
    expect((error as Error).message).toContain('hashTag');
    expect((error as Error).message).not.toContain('CROSSSLOT');
    expect(store.degraded).toBe(false); // a configuration error is not an outage
  });

  it('hostile keys stay inside their hash tag on a cluster', async () => {
    const store = new RedisStore({ client, prefix, logger: quietLogger });
    for (const key of ['}{', '{a}b', 'a{b}c:d', 'x'.repeat(3000)]) {
      const s = spec(key, { requestsPerMinute: 60, requestBurst: 1 });
      expect(await store.acquire([part(s)], 0)).toBe(0);
      expect(await store.acquire([part(s)], 0)).toBeGreaterThan(0);
    }
  });

  it('concurrent acquires on keys in different slots are sent per slot, all in one tick', async () => {
    const store = new RedisStore({ client, prefix, logger: quietLogger });
    const specs = Array.from({ length: 30 }, (_, i) => spec(`tick-${i}`, { requestsPerMinute: 6, requestBurst: 1 })); // 1 per 10 s
    const t0 = performance.now();
    expect(await Promise.all(specs.map((s) => store.acquire([part(s)], 0)))).toEqual(specs.map(() => 0));
    const again = await Promise.all(specs.map((s) => store.acquire([part(s)], 0)));
    const floor = 10_000 - (performance.now() - t0) - 1; // a request takes 10 s, less the refill since the grants
    expect(again.filter((w) => !(w > 0 && w >= floor))).toEqual([]);
    expect(store.degraded).toBe(false);
  });

  it('survives SCRIPT FLUSH on every master', async () => {
    const store = new RedisStore({ client, prefix, logger: quietLogger });
    const specs = Array.from({ length: 12 }, (_, i) => spec(`flush-${i}`));
    for (const s of specs) expect(await store.acquire([part(s)], 0)).toBe(0);
    await Promise.all(client.nodes('master').map((node) => node.script('FLUSH')));
    for (const s of specs) await store.settle(s, 10, 0);
    for (const s of specs) expect(await store.acquire([part(s)], 0)).toBeGreaterThanOrEqual(0);
    for (const s of specs) expect((await store.view(s, 0))!.dayUsed).toBe(10);
    expect(store.degraded).toBe(false);
  });
});
