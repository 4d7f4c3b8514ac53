import Redis from 'ioredis';
import { RedisStore } from '../../../../src/limits/redis/redis-store';
import { describeRedis, startRedis, type RedisServerHandle } from '../../../helpers/redis-server';

// The fleet's heartbeat: each store keeps an entry in `<prefix>:#instances`, so each knows how many processes share
// the limits (what the 'local' fallback divides them by). Intervals are shortened here (heartbeatIntervalMs 50).

/** Polls a condition (no fixed sleeps). */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const quiet = { warn: () => undefined, info: () => undefined };

describeRedis("RedisStore's heartbeat counts the live processes on a prefix", 'any', () => {
  let server: RedisServerHandle;
  let client: Redis;
  let run = 0;

  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url, { lazyConnect: true });
    await client.connect();
  });

  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  const prefix = (): string => `hb${process.pid}-${Date.now()}-${run++}`;

  it('every store counts every live store of its prefix; a closed one leaves the count at once for the others', async () => {
    const p = prefix();
    const stores = [1, 2, 3].map(() => new RedisStore({ client, prefix: p, logger: quiet, instances: 7, heartbeatIntervalMs: 50 }));
    const other = new RedisStore({ client, prefix: prefix(), logger: quiet, heartbeatIntervalMs: 50 }); // another fleet
    try {
      await until(() => stores.every((s) => s.instances === 3), 3000, 'every store to count three');
      await until(() => other.instances === 1, 3000, 'the other prefix to count one');
      expect(await client.zcard(`${p}:#instances`)).toBe(3);
      await stores[2].close();
      expect(await client.zcard(`${p}:#instances`)).toBe(2); // removed, not left to expire
      await until(() => stores[0].instances === 2 && stores[1].instances === 2, 3000, 'the others to count two');
    } finally {
      await Promise.all([...stores, other].map((s) => s.close()));
    }
  });

  it('a process that stops beating (died, lost Redis) stops being counted within three intervals; the key expires with it', async () => {
    const p = prefix();
    const dying = new Redis(server.url, { lazyConnect: true });
    await dying.connect();
    const survivor = new RedisStore({ client, prefix: p, logger: quiet, heartbeatIntervalMs: 50 });
    const gone = new RedisStore({ client: dying, prefix: p, logger: quiet, heartbeatIntervalMs: 50 });
    try {
      await until(() => survivor.instances === 2, 3000, 'two');
      dying.disconnect(); // its beats fail from now on: no entry renewal, no removal
      const stopped = performance.now();
      await until(() => survivor.instances === 1, 3000, 'the dead one to be dropped');
      expect(performance.now() - stopped).toBeLessThan(2000); // 150 ms lifetime, polled every 50 ms (generous)
      await survivor.close();
      // nothing beats any more: the set is empty and the key gone (it lives as long as its newest entry)
      expect(await client.zcard(`${p}:#instances`)).toBe(0);
    } finally {
      await Promise.all([survivor.close(), gone.close()]);
    }
  });

  it('the instances key lives no longer than its entries (three intervals)', async () => {
    const p = prefix();
    const store = new RedisStore({ client, prefix: p, logger: quiet }); // the default interval: 5 s
    try {
      await until(() => store.instances === 1, 3000, 'the first beat');
      const ttl = await client.pttl(`${p}:#instances`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(15_000);
    } finally {
      await store.close();
    }
  });
});
