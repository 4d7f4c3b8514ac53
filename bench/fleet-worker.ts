/**
 * One process of the four-process goodput run (forked by `fleet.ts` with the TypeScript require hook).
 *
 * IPC protocol: the parent sends `{ type: 'config' }`; the worker builds its client, warms it up and answers
 * `{ type: 'ready' }`; on `{ type: 'go' }` it fires all its calls at once and answers `{ type: 'done' }`.
 */

import 'reflect-metadata';
import Bottleneck from 'bottleneck';
import Redis from 'ioredis';
import OpenAI from 'openai';
import { observingFetch } from '../src';
import { bottleneckRpmOptions } from './contenders/bottleneck';
import { configureFor, summarizerFor, warmUp as warmUpOurs } from './contenders/llm-resilience';
import { loadRedisStore } from './optional';
import { MODEL, WARM_UP_MODEL, describeError, tickets, type ChatRequest, type Quota } from './workload';

/** How a fleet process limits its calls. */
export type FleetMode = 'redis-store' | 'local-configured' | 'local-learned' | 'bottleneck-redis';

/** What the parent tells a worker. */
export interface FleetWorkerConfig {
  readonly mode: FleetMode;
  readonly emulatorUrl: string;
  readonly redisUrl?: string;
  /** Shared by the workers of one run (RedisStore prefix, Bottleneck id). */
  readonly namespace: string;
  readonly quota: Quota;
  readonly calls: number;
  /** First ticket index of this worker. */
  readonly offset: number;
}

/** What a worker reports. */
export interface FleetWorkerResult {
  readonly completed: number;
  readonly failed: number;
  readonly errors: readonly string[];
  /** The RedisStore fell back to local limits at some point. */
  readonly degraded: boolean;
  /** Epoch ms at which each successful call completed, in completion order (for the per-process shares). */
  readonly finishedAt: readonly number[];
}

type Message = { type: 'config'; config: FleetWorkerConfig } | { type: 'go' };

interface Prepared {
  call(req: ChatRequest): Promise<unknown>;
  degraded(): boolean;
  close(): Promise<void>;
}

async function prepare(config: FleetWorkerConfig): Promise<Prepared> {
  const warmUp = (client: OpenAI): Promise<unknown> =>
    client.chat.completions.create({ model: WARM_UP_MODEL, messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1 });
  if ((config.mode === 'bottleneck-redis' || config.mode === 'redis-store') && config.redisUrl === undefined) {
    throw new Error(`fleet mode "${config.mode}" needs redisUrl`);
  }
  const redisUrl = config.redisUrl ?? '';
  if (config.mode === 'bottleneck-redis') {
    const url = new URL(redisUrl);
    const client = new OpenAI({ apiKey: 'sk-bench', baseURL: config.emulatorUrl, maxRetries: 5 });
    await warmUp(client);
    const limiter = new Bottleneck({
      ...bottleneckRpmOptions(config.quota),
      id: config.namespace,
      datastore: 'ioredis',
      clearDatastore: false,
      clientOptions: { host: url.hostname, port: Number(url.port || 6379) },
    });
    await limiter.ready();
    return {
      call: (req) => limiter.schedule(() => client.chat.completions.create(req)),
      degraded: () => false,
      close: () => limiter.disconnect(),
    };
  }
  const client = new OpenAI({ apiKey: 'sk-bench', baseURL: config.emulatorUrl, maxRetries: 0, fetch: observingFetch() });
  await warmUpOurs(client);
  if (config.mode === 'redis-store') {
    const RedisStore = loadRedisStore();
    if (RedisStore === undefined) throw new Error('src/limits/redis/redis-store.ts is missing');
    const redis = new Redis(redisUrl, { lazyConnect: true });
    await redis.connect();
    const store = new RedisStore({ client: redis, prefix: config.namespace, instances: 4 });
    configureFor(MODEL, config.quota, store);
    const service = summarizerFor(client);
    return { call: (req) => service.summarize(req), degraded: () => store.degraded, close: () => {
        redis.disconnect();
        return Promise.resolve();
      },
    };
  }
  configureFor(MODEL, config.mode === 'local-configured' ? config.quota : undefined);
  const service = summarizerFor(client);
  return { call: (req) => service.summarize(req), degraded: () => false, close: () => Promise.resolve() };
}

/** Sends a message to the parent (the worker runs forked, with an IPC channel). */
function send(message: object, callback?: () => void): void {
  if (process.send === undefined) throw new Error('fleet-worker.ts runs as a child forked by fleet.ts (no IPC channel)');
  if (callback === undefined) process.send(message);
  else process.send(message, callback);
}

async function main(): Promise<void> {
  const config = await new Promise<FleetWorkerConfig>((resolve) => {
    process.once('message', (message: Message) => {
      if (message.type === 'config') resolve(message.config);
    });
  });
  const prepared = await prepare(config);
  const requests = tickets(config.calls, config.offset);
  send({ type: 'ready' });
  await new Promise<void>((resolve) => {
    process.on('message', (message: Message) => {
      if (message.type === 'go') resolve();
    });
  });
  const seen = { degraded: false };
  const watch = setInterval(() => (seen.degraded ||= prepared.degraded()), 50);
  const finishedAt: number[] = [];
  const done = (): void => void finishedAt.push(performance.timeOrigin + performance.now());
  const outcomes = await Promise.allSettled(requests.map((req) => prepared.call(req).then(done)));
  clearInterval(watch);
  const errors = new Set<string>();
  let failed = 0;
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') {
      failed++;
      if (errors.size < 3) errors.add(describeError(outcome.reason));
    }
  }
  const result: FleetWorkerResult = { completed: outcomes.length - failed, failed, errors: [...errors], degraded: seen.degraded || prepared.degraded(), finishedAt };
  await prepared.close();
  send({ type: 'done', result }, () => process.disconnect());
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exitCode = 1;
    if (process.connected) process.disconnect();
  });
}
