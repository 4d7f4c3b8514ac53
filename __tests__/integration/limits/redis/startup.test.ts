import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RedisStore } from '../../../../src/limits/redis/redis-store';
import { part as partOf, spec as limitSpec } from '../../../helpers/limit-spec';
import { describeRedis, startRedis, type RedisServerHandle } from '../../../helpers/redis-server';

// The start-up window: until its client's first connection, a RedisStore waits for it (at most connectTimeoutMs)
// instead of falling back. Each case tells Redis's answer from the fallback's by the key's state: the fleet's bucket
// is empty in Redis (another store took it), so Redis says "wait" where the in-process fallback would grant.

const spec = limitSpec({ key: 'startup', requestsPerMinute: 6, requestBurst: 1 }); // one request per 10 s
const part = partOf(spec);

function logger() {
  return { warn: jest.fn<undefined, [fields: object, message: string]>(), info: jest.fn<undefined, [fields: object, message: string]>() };
}

/** Polls a condition (no fixed sleeps). */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describeRedis('RedisStore start-up: the first connection is waited for', 'any', () => {
  let server: RedisServerHandle;
  let seeder: Redis;
  const clients: Redis[] = [];
  const stores: RedisStore[] = [];
  let run = 0;

  beforeAll(async () => {
    server = await startRedis();
    seeder = new Redis(server.url, { lazyConnect: true });
    await seeder.connect();
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    for (const c of clients.splice(0)) c.disconnect();
  });

  afterAll(async () => {
    seeder.disconnect();
    await server.stop();
  });

  /** A prefix whose key `startup` is empty in Redis: Redis answers "wait ~10 s", the fallback would grant. */
  async function drained(): Promise<string> {
    const prefix = `st${process.pid}-${Date.now()}-${run++}`;
    const store = new RedisStore({ client: seeder, prefix, logger: logger() });
    stores.push(store);
    expect(await store.acquire([part], 0)).toBe(0);
    expect(await store.acquire([part], 0)).toBeGreaterThan(5000);
    return prefix;
  }

  function track<T extends Redis | RedisStore>(x: T): T {
    if (x instanceof RedisStore) stores.push(x);
    else clients.push(x);
    return x;
  }

  it('a client created in the same tick as the first call: the call waits for the connection and Redis answers it', async () => {
    const prefix = await drained();
    const log = logger();
    const client = track(new Redis(server.url)); // connecting, not ready
    const store = track(new RedisStore({ client, prefix, logger: log }));
    expect(client.status).not.toBe('ready');
    const wait = await store.acquire([part], 0);
    expect(wait).toBeGreaterThan(5000); // Redis's answer: the fleet's bucket is empty (the fallback would grant: 0)
    expect(store.degraded).toBe(false);
    expect(log.warn).not.toHaveBeenCalled();
    expect(log.info).not.toHaveBeenCalled();
    expect(client.listenerCount('error')).toBe(0); // the window's 'error' listener left with the window
  });

  it('a lazyConnect client is connected by the store (as its first command would) and waited for', async () => {
    const prefix = await drained();
    const log = logger();
    const client = track(new Redis(server.url, { lazyConnect: true }));
    const store = track(new RedisStore({ client, prefix, logger: log }));
    expect(await store.acquire([part], 0)).toBeGreaterThan(5000);
    expect(client.status).toBe('ready');
    expect(store.degraded).toBe(false);
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('a Redis that does not answer within connectTimeoutMs: the fallback answers, said once; Redis again once it answers, said once', async () => {
    const prefix = await drained();
    await server.kill();
    try {
      const log = logger();
      const client = track(new Redis(server.url, { retryStrategy: () => 20, maxRetriesPerRequest: 1 }));
      const store = track(new RedisStore({ client, prefix, logger: log, connectTimeoutMs: 300, recoveryIntervalMs: 50 }));
      const started = performance.now();
      expect(await store.acquire([part], 0)).toBe(0); // the in-process fallback
      expect(performance.now() - started).toBeGreaterThanOrEqual(280); // held for the window (timer slack: 20 ms)
      expect(store.degraded).toBe(true);
      expect(log.warn).toHaveBeenCalledTimes(1);
      expect(log.warn.mock.calls[0][1]).toMatch(
        /did not connect within connectTimeoutMs \(status \w+, last error ECONNREFUSED\), limiting in-process at 1\/1 of the limits/,
      );
      expect(log.warn.mock.calls[0][0]).toMatchObject({ connectTimeoutMs: 300, lastError: 'ECONNREFUSED' });
      expect(client.listenerCount('error')).toBe(0); // ours left with the window: ioredis reports later errors as before
      const again = performance.now();
      await store.acquire([part], 0);
      expect(performance.now() - again).toBeLessThan(250); // past the window nothing waits for Redis
      expect(log.warn).toHaveBeenCalledTimes(1);
      await server.restart();
      await until(async () => (await store.acquire([part], 0), !store.degraded), 8000, 'Redis to be used');
      expect(log.info).toHaveBeenCalledTimes(1);
      expect(log.info.mock.calls[0][1]).toMatch(/Redis answers again/);
    } finally {
      await server.restart().catch(() => undefined);
    }
  });

  it("a wrong password: the warning names the client's error (WRONGPASS), never the password; the user's own 'error' listener hears every error", async () => {
    const right = `right-${process.pid}-${run}`;
    const wrong = `wrong-${process.pid}-${run}`;
    await seeder.config('SET', 'requirepass', right); // the seeder's connection stays authenticated
    try {
      const log = logger();
      const client = track(new Redis(server.url, { password: wrong, retryStrategy: () => 20 }));
      const heard: unknown[] = [];
      client.on('error', (error: unknown) => heard.push(error));
      const store = track(new RedisStore({ client, prefix: `pw${process.pid}-${run++}`, logger: log, connectTimeoutMs: 500 }));
      expect(await store.acquire([part], 0)).toBe(0); // the in-process fallback, after the window
      expect(log.warn).toHaveBeenCalledTimes(1);
      const [fields, message] = log.warn.mock.calls[0];
      expect(message).toMatch(/did not connect within connectTimeoutMs \(status \w+, last error ReplyError WRONGPASS\)/);
      expect(fields).toMatchObject({ connectTimeoutMs: 500, lastError: 'ReplyError WRONGPASS' });
      const logged = JSON.stringify(log.warn.mock.calls);
      expect(logged).not.toContain(wrong);
      expect(logged).not.toContain(right);
      expect(heard.length).toBeGreaterThanOrEqual(1); // the user's listener got the errors, ours beside it
      expect(heard.every((e) => e instanceof Error && e.message.startsWith('WRONGPASS'))).toBe(true);
      expect(client.listenerCount('error')).toBe(1); // only the user's is left
    } finally {
      await seeder.config('SET', 'requirepass', '');
    }
  });

  it('close() ends the window: a call waiting for the connection goes on at once', async () => {
    await server.kill();
    try {
      const client = track(new Redis(server.url, { retryStrategy: () => 20 }));
      const store = new RedisStore({ client, prefix: `close${process.pid}`, logger: logger(), connectTimeoutMs: 60_000 });
      const pending = store.acquire([part], 0);
      const closing = performance.now();
      await store.close();
      expect(await pending).toBe(0); // the fallback
      expect(performance.now() - closing).toBeLessThan(2000);
    } finally {
      await server.restart();
    }
  });

  it("the store's timers never keep a process alive (start-up window and heartbeat are unref'd)", async () => {
    const child = join(__dirname, '..', '..', '..', 'helpers', 'redis-store-exit.ts');
    const register = join(__dirname, '..', '..', '..', '..', 'scripts', 'register.js');
    const exitIn = (args: string[]): Promise<{ code: number | null; ms: number; output: string }> =>
      new Promise((resolve) => {
        const started = performance.now();
        const proc = spawn(process.execPath, ['-r', register, child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
        proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
        const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        proc.once('exit', (code) => {
          clearTimeout(killer);
          resolve({ code, ms: performance.now() - started, output });
        });
      });
    // connected, one acquire, the client disconnected without closing the store (its heartbeat timer still set)
    const served = await exitIn([server.url]);
    expect(served.output).toMatch(/acquired 0/);
    expect(served.code).toBe(0);
    // no Redis at all, a start-up window of a minute: the window's timer does not hold the process either
    const unreachable = await exitIn(['redis://127.0.0.1:9', '60000']);
    expect(unreachable.code).toBe(0);
    expect(served.ms).toBeLessThan(15_000);
    expect(unreachable.ms).toBeLessThan(15_000);
  }, 40_000);
});
