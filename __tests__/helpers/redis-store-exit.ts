/**
 * A child program for the start-up suite: creates an ioredis client and a `RedisStore` and then lets the process
 * end on its own, without closing the store, to show that the store's timers (heartbeat, start-up window) never
 * keep a process alive. Run with `node -r scripts/register.js redis-store-exit.ts <redis url> [connectTimeoutMs]`.
 *
 * With a reachable Redis it takes one request and prints `acquired <result>`, then disconnects the client; with an
 * unreachable one (its client gives up at once) it only creates the store, whose start-up window stays open.
 */

import Redis from 'ioredis';
import { RedisStore } from '../../src/limits/redis/redis-store';
import { spec as limitSpec } from './limit-spec';

async function main(): Promise<void> {
  const [url, windowMs] = process.argv.slice(2);
  if (url === undefined) throw new Error('usage: redis-store-exit.ts <redis url> [connectTimeoutMs]');
  const quiet = { warn: () => undefined, info: () => undefined };
  if (windowMs !== undefined) {
    // unreachable: the client stops retrying at once; the store's window (and heartbeat) timers stay set
    const client = new Redis(url, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    new RedisStore({ client, prefix: `exit${process.pid}`, logger: quiet, connectTimeoutMs: Number(windowMs) });
    return;
  }
  const client = new Redis(url);
  const store = new RedisStore({ client, prefix: `exit${process.pid}`, logger: quiet });
  const spec = limitSpec({ key: 'exit', requestsPerMinute: 60, requestBurst: 1 });
  console.log(`acquired ${await store.acquire([{ spec, requests: 1, tokens: 0 }], 0)}`);
  client.disconnect(); // the store is not closed: its heartbeat timer is still set
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
