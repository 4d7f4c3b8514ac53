import Redis from 'ioredis';
import { CommandRunner } from '../../../../src/limits/redis/command-runner';
import { RedisHealth } from '../../../../src/limits/redis/health';
import { Heartbeat } from '../../../../src/limits/redis/heartbeat';
import { instancesKeyName } from '../../../../src/limits/redis/keys';
import { RedisStore } from '../../../../src/limits/redis/redis-store';
import { SCRIPT_DEFINITIONS } from '../../../../src/limits/redis/scripts';
import { FakeClock } from '../../../../src/testing/fake-clock';
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

  it('a store that started first counts the stores that start after it within about a second, not at its next interval', async () => {
    const p = prefix();
    // an interval of a minute: before its next beat, only the young pace can tell the first store of the others
    const first = new RedisStore({ client, prefix: p, logger: quiet, heartbeatIntervalMs: 60_000 });
    const later: RedisStore[] = [];
    try {
      await until(() => first.instances === 1, 3000, 'the first store to count itself');
      later.push(new RedisStore({ client, prefix: p, logger: quiet, heartbeatIntervalMs: 60_000 }));
      await until(() => later[0].instances === 2, 3000, 'the second store to count both at its first beat');
      await until(() => first.instances === 2, 10_000, 'the first store to count the second');
      later.push(new RedisStore({ client, prefix: p, logger: quiet, heartbeatIntervalMs: 60_000 }));
      await until(() => first.instances === 3 && later[0].instances === 3 && later[1].instances === 3, 10_000, 'every store to count three');
    } finally {
      await Promise.all([first, ...later].map((s) => s.close()));
    }
  });

  it('past its young phase a store beats at its interval, and young again (every second) after a beat saw the count change', async () => {
    // the heartbeat's own time and timers on a fake clock; its beats are real scripts on the real Redis
    const key = instancesKeyName(prefix());
    const clock = new FakeClock();
    const health = new RedisHealth(1000, quiet, 'test', () => clock.now());
    const runner = new CommandRunner(client, SCRIPT_DEFINITIONS, health, 2000);
    const run = (name: string, args: Array<string | number>): Promise<unknown> => runner.run(name, args);
    let inFlight = 0; // the watched store's scripts not answered yet
    const watchedRun = async (name: string, args: Array<string | number>): Promise<unknown> => {
      inFlight++;
      try {
        return await run(name, args);
      } finally {
        inFlight--;
      }
    };
    const counts: number[] = [];
    const watched = new Heartbeat(watchedRun, key, (n) => counts.push(n), 60_000, clock);
    const others: Heartbeat[] = [];
    const join = async (n: number): Promise<void> => {
      const other = new Heartbeat(run, key, () => undefined, 60_000, new FakeClock()); // never advanced: beats once
      others.push(other);
      await until(() => other.count === n, 3000, `a joining store to count ${n}`);
    };
    /** Moves the watched store's clock and waits until its beats (if any) have answered. */
    const advance = async (ms: number): Promise<void> => {
      await clock.advance(ms);
      await until(() => inFlight === 0, 3000, 'its beat to answer');
    };
    try {
      await until(() => watched.count === 1, 3000, 'the first beat');
      await advance(180_000); // three intervals at the young pace: now settled, next beat at 240 s
      await join(2);
      await advance(1000);
      expect(watched.count).toBe(1); // settled: no beat a second later
      await advance(59_000); // its interval: the beat sees the change...
      await until(() => watched.count === 2, 3000, 'the beat at the interval to count two');
      await join(3);
      await advance(1000); // ...and the next one comes a second later, not a minute
      await until(() => watched.count === 3, 3000, 'the young beat to count three');
      expect(counts).toEqual([1, 2, 3]);
    } finally {
      await Promise.all([watched, ...others].map((h) => h.close()));
    }
    expect(clock.pendingTimers).toBe(0); // close() cleared its timer
  });
});
