import 'reflect-metadata';
import Redis from 'ioredis';
import { container } from 'tsyringe';
import { RateLimited, configureResilience } from '../../../../index';
import { StoreUnavailableError } from '../../../../src/errors';
import { RedisStore, type RedisStoreOptions } from '../../../../src/limits/redis/redis-store';
import type { LimitSpec } from '../../../../src/limits/store';
import { describeRedis, startRedis, startTcpProxy, type RedisServerHandle, type TcpProxy } from '../../../helpers/redis-server';
import { part, spec as limitSpec } from '../../../helpers/limit-spec';

function spec(key: string, over: Partial<LimitSpec> = {}): LimitSpec {
  return limitSpec({ key, requestsPerMinute: 6000, requestBurst: 100, tokenBurst: 0, ...over });
}


/** Polls a condition (no fixed sleeps: returns as soon as it holds). */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 8000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Settles within `ms` or reports the promise as hanging. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'hung'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), ms);
    }),
  ]);
}

function logger() {
  return { warn: jest.fn<undefined, [fields: object, message: string]>(), info: jest.fn<undefined, [fields: object, message: string]>() };
}

/**
 * Tracks the timers the store creates (identified by the stack of the `setTimeout` call), to check that none is
 * left pending once every call has settled.
 */
function trackStoreTimers(): { created(): number; pending(): number; restore(): void } {
  const realSet = global.setTimeout;
  const realClear = global.clearTimeout;
  const ours = new Set<unknown>();
  let created = 0;
  const wrappedSet = ((callback: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
    const mine = (new Error().stack ?? '').includes('redis-store.ts');
    const handle: unknown = realSet(
      (...a: unknown[]) => {
        ours.delete(handle);
        callback(...a);
      },
      ms,
      ...rest,
    );
    if (mine) {
      ours.add(handle);
      created++;
    }
    return handle;
  }) as unknown as typeof setTimeout;
  global.setTimeout = wrappedSet;
  global.clearTimeout = ((handle: Parameters<typeof clearTimeout>[0]) => {
    ours.delete(handle);
    realClear(handle);
  });
  return {
    created: () => created,
    pending: () => ours.size,
    restore: () => {
      global.setTimeout = realSet;
      global.clearTimeout = realClear;
    },
  };
}

describeRedis('RedisStore when Redis dies, restarts or is slow', 'any', () => {
  let server: RedisServerHandle;
  let client: Redis | undefined;
  let run = 0;

  beforeAll(async () => {
    server = await startRedis();
  });

  afterAll(async () => {
    await server?.stop();
  });

  afterEach(() => {
    client?.disconnect();
    client = undefined;
  });

  /** A client that reconnects every 20 ms (so a restart is noticed at once), connected. */
  async function connect(url = server.url): Promise<Redis> {
    client = new Redis(url, { lazyConnect: true, retryStrategy: () => 20 });
    await client.connect();
    return client;
  }

  function store(c: Redis, options: Partial<RedisStoreOptions> = {}): RedisStore {
    // rampUp off: these tests count what the shared bucket and its fallback grant
    return new RedisStore({ client: c, prefix: `out${process.pid}-${Date.now()}-${run++}`, commandTimeoutMs: 300, recoveryIntervalMs: 100, rampUp: false, ...options });
  }

  it("'local': every call completes while Redis is killed and restarted mid-run; the store then uses Redis again", async () => {
    const c = await connect();
    const log = logger();
    // instances: 2 is only the share until Redis answers a heartbeat: it counts one live store (this one)
    const redisStore = store(c, { logger: log, instances: 2 });
    configureResilience(container, { store: redisStore });
    const grants: number[] = [];
    class Service {
      @RateLimited({ key: 'outage', requestsPerMinute: 3000 }) // 50/s shared, and while local (one live process)
      async call(): Promise<number> {
        grants.push(performance.now());
        return grants.length;
      }
    }
    const service = new Service();
    const calls = 150;
    const all = Promise.allSettled(Array.from({ length: calls }, () => service.call()));
    await until(() => grants.length >= 30, 8000, '30 grants through Redis');
    await server.kill();
    const killedAt = grants.length;
    await until(() => grants.length >= killedAt + 25, 8000, 'grants from the local fallback');
    expect(redisStore.degraded).toBe(true);
    await server.restart(); // empty: the scripts must be loaded again
    const results = await within(all, 15_000);
    expect(results).not.toBe('hung');
    const settled = results as Array<PromiseSettledResult<number>>;
    expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(grants.length).toBe(calls);
    await until(() => c.status === 'ready', 5000, 'the client to reconnect');
    // new acquires go to Redis again: the fresh server gets the key
    await until(async () => {
      await service.call();
      return !redisStore.degraded && (await c.exists(redisStore.redisKey('outage'))) === 1;
    }, 5000, 'Redis to be used again');
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0][1]).toMatch(/Redis unavailable, limiting in-process at 1\/1 of the limits/);
    expect(log.info).toHaveBeenCalledTimes(1);
    expect(log.info.mock.calls[0][1]).toMatch(/Redis answers again/);
    await redisStore.close();
  }, 19_000);

  it("'local' limits each process to the limits divided by the live processes its heartbeat counted", async () => {
    const c = await connect();
    const prefix = `share${process.pid}-${Date.now()}`;
    // four processes' stores on one prefix (one client is enough: the heartbeat is per store); instances: 1 is
    // only the share before Redis has answered
    const fleet = Array.from({ length: 4 }, () => store(c, { prefix, logger: logger(), instances: 1, heartbeatIntervalMs: 50 }));
    const [redisStore] = fleet;
    try {
      await until(() => fleet.every((f) => f.instances === 4), 3000, 'every store to count four');
      await server.kill();
      await until(() => c.status !== 'ready', 2000, 'the client to notice');
      const s = spec('share', { requestsPerMinute: 6000, requestBurst: 100 }); // local: 1500/min = 1 per 40 ms
      const now = performance.now(); // the local store's time is the caller's: the same instant for both
      expect(await redisStore.acquire([part(s)], now)).toBe(0);
      const wait = await redisStore.acquire([part(s)], now);
      expect(wait).toBeGreaterThan(30);
      expect(wait).toBeLessThanOrEqual(40);
      expect(redisStore.instances).toBe(4); // the last count is kept while Redis is down
    } finally {
      await Promise.all(fleet.map((f) => f.close()));
      await server.restart();
    }
  });

  it("'fail-closed': calls reject with StoreUnavailableError, including those in flight; none hang; no timers left", async () => {
    const timers = trackStoreTimers();
    const c = await connect();
    const redisStore = store(c, { onStoreError: 'fail-closed', logger: logger() });
    configureResilience(container, { store: redisStore });
    const grants: number[] = [];
    class Service {
      @RateLimited({ key: 'closed', requestsPerMinute: 3000 })
      async call(): Promise<void> {
        grants.push(performance.now());
      }
    }
    const service = new Service();
    const first = Array.from({ length: 100 }, () => service.call());
    await until(() => grants.length >= 10, 5000, 'some grants');
    await server.kill();
    try {
      const inFlight = await within(Promise.allSettled(first), 3000);
      expect(inFlight).not.toBe('hung');
      const rejected = (inFlight as Array<PromiseSettledResult<void>>).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected.length).toBeGreaterThan(0); // the queued calls could not be served
      for (const r of rejected) expect(r.reason).toBeInstanceOf(StoreUnavailableError);
      const timersBefore = timers.created();
      const later = await within(Promise.allSettled(Array.from({ length: 50 }, () => service.call())), 2000);
      expect(later).not.toBe('hung');
      expect(timers.created()).toBe(timersBefore); // not ready: no command is even sent (none to time out)
      for (const r of later as Array<PromiseSettledResult<void>>) {
        expect(r.status).toBe('rejected');
        const reason = (r as PromiseRejectedResult).reason as Error;
        expect(reason).toBeInstanceOf(StoreUnavailableError);
        expect(reason.message).toMatch(/Limiter store unavailable/);
        expect((reason.cause as Error).message).toMatch(/fail-closed/);
      }
      // every call has settled, and once the store is closed (its heartbeat's next beat is a timer of the store's
      // life, not of a call) every timer the store started has been cleared or has fired
      expect(timers.created()).toBeGreaterThan(0);
      await redisStore.close();
      expect(timers.pending()).toBe(0);
    } finally {
      timers.restore();
      await server.restart();
    }
  });

  it('a logger that throws when Redis fails leaves no acquire unsettled', async () => {
    const c = await connect();
    const throwing = { warn: () => { throw new Error('logger down'); }, info: () => undefined };
    const redisStore = store(c, { onStoreError: 'fail-open', logger: throwing });
    const s = spec('throwing-logger', { requestsPerMinute: 60, requestBurst: 1 });
    expect(await redisStore.acquire([part(s)], performance.now())).toBe(0);
    await server.kill();
    try {
      const outcomes = await within(Promise.allSettled(Array.from({ length: 5 }, () => redisStore.acquire([part(s)], performance.now()))), 5000);
      expect(outcomes).not.toBe('hung');
    } finally {
      await server.restart();
    }
  });

  it("'fail-open': calls are granted while Redis is down", async () => {
    const c = await connect();
    const redisStore = store(c, { onStoreError: 'fail-open', logger: logger() });
    await server.kill();
    try {
      await until(() => c.status !== 'ready', 2000, 'the client to notice');
      const s = spec('open', { requestsPerMinute: 60, requestBurst: 1 });
      for (let i = 0; i < 20; i++) expect(await redisStore.acquire([part(s)], performance.now())).toBe(0);
    } finally {
      await server.restart();
    }
  });

  it('a slow Redis: every acquire is bounded by commandTimeoutMs, then Redis is used again when it is fast', async () => {
    let proxy: TcpProxy | undefined;
    try {
      proxy = await startTcpProxy({ host: server.host, port: server.port });
      const c = await connect(proxy.url);
      const log = logger();
      const redisStore = store(c, { logger: log, commandTimeoutMs: 200, recoveryIntervalMs: 100 });
      const s = spec('slow');
      expect(await redisStore.acquire([part(s)], performance.now())).toBe(0);
      proxy.latencyMs = 2000;
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: 20 }, () => redisStore.acquire([part(s)], performance.now())));
      const elapsed = performance.now() - started;
      expect(elapsed).toBeLessThan(1500); // bounded by commandTimeoutMs (200), long before Redis answers (2000)
      expect(results.every((r) => r >= 0)).toBe(true); // answered by the local fallback
      expect(redisStore.degraded).toBe(true);
      expect(log.warn).toHaveBeenCalledTimes(1);
      expect(log.warn.mock.calls[0][0]).toEqual({ error: 'Redis did not answer within commandTimeoutMs 200 ms' });
      // while degraded, calls do not wait for Redis (one probe per recovery interval is bounded too)
      const quick = performance.now();
      await redisStore.acquire([part(s)], performance.now());
      expect(performance.now() - quick).toBeLessThan(1500);
      proxy.latencyMs = 0;
      await until(async () => {
        await redisStore.acquire([part(s)], performance.now());
        return !redisStore.degraded;
      }, 8000, 'recovery');
      expect(log.info).toHaveBeenCalledTimes(1);
    } finally {
      client?.disconnect();
      client = undefined;
      await proxy?.close();
    }
  });
});
