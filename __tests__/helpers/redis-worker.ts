/**
 * A child process for the multi-process Redis suite and benchmark: one "service instance" that shares a
 * Redis-backed limit with its siblings. Run with `fork(thisFile, [], { execArgv: ['-r', 'scripts/register.js'] })`.
 *
 * Protocol over IPC: the parent sends `{ type: 'config', config }`; the child connects, warms up and answers
 * `{ type: 'ready' }`; the parent sends `{ type: 'go' }` to every child at once; the child runs its calls
 * (all started at once, queued by the limiter) and answers `{ type: 'done', result }`, then exits.
 *
 * With `coldRedis`, the child creates its ioredis client and its `RedisStore` only on "go", in the same tick as
 * its first call (as a service does on deploy): the calls meet a client that is still connecting.
 */

import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimited, TokenBudget, configureResilience, estimateChatTokens, observingFetch } from '../../index';
import { RedisStore } from '../../src/limits/redis/redis-store';

/** What one worker does. */
export interface WorkerConfig {
  /** Redis to share the limit through. */
  readonly redisUrl: string;
  /** RedisStore prefix (shared by the siblings). */
  readonly prefix: string;
  /** The limit key. */
  readonly key: string;
  /** `'emulator'`: real openai SDK calls to `emulatorUrl`; `'noop'`: the decorated method does nothing. */
  readonly mode: 'emulator' | 'noop';
  /** Base URL of the provider emulator (mode `'emulator'`). */
  readonly emulatorUrl?: string;
  /** Calls this worker makes. */
  readonly calls: number;
  /** The shared requests-per-minute limit. */
  readonly requestsPerMinute: number;
  /** The shared tokens-per-minute limit (optional). */
  readonly tokensPerMinute?: number;
  /** Estimated tokens per call (with `tokensPerMinute`). */
  readonly estimate?: number;
  /** `max_tokens` of each completion. */
  readonly maxTokens?: number;
  /** Overrides the store's poll jitter. */
  readonly pollJitterMs?: number;
  /** The store's `instances` (the fleet size, for the local fallback). */
  readonly instances?: number;
  /** The store's `commandTimeoutMs`. */
  readonly commandTimeoutMs?: number;
  /** Create the Redis client and store on "go", in the same tick as the first call (not connected before). */
  readonly coldRedis?: boolean;
  /** The store's `connectTimeoutMs`. */
  readonly connectTimeoutMs?: number;
  /**
   * Words of filler in each prompt (mode `'emulator'`); when set, the estimate is `estimateChatTokens` of the
   * request (prompt + max_tokens) instead of `estimate`.
   */
  readonly promptWords?: number;
  /** `maxRetries` of the method's retry policy (default 8). */
  readonly maxRetries?: number;
}

/** What one worker reports. */
export interface WorkerResult {
  readonly pid: number;
  /** Calls that succeeded. */
  readonly completed: number;
  /** Calls that failed, with the first few messages. */
  readonly failed: number;
  readonly errors: readonly string[];
  /** Epoch ms at which each call was granted (entered the method), in grant order. */
  readonly grants: readonly number[];
  /** Epoch ms of every attempt after a call's first (its retries), in order. */
  readonly retries: readonly number[];
  /** Epoch ms at which each attempt that got a 429 was granted. */
  readonly rateLimitedAt: readonly number[];
  /** Per call: ms from its start to its grant. */
  readonly waits: readonly number[];
  /** Epoch ms of the first call's start and the last call's end. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The store fell back at some point. */
  readonly degraded: boolean;
  /** Ms from the first call's start to its grant (the first call's wait for capacity). */
  readonly firstWaitMs: number;
}

type Message = { type: 'config'; config: WorkerConfig } | { type: 'go' };

const epoch = (): number => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const config = await new Promise<WorkerConfig>((resolve) => {
    process.once('message', (message: Message) => {
      if (message.type === 'config') resolve(message.config);
    });
  });
  const makeStore = (client: Redis): RedisStore =>
    new RedisStore({
      client,
      prefix: config.prefix,
      instances: config.instances ?? 1,
      ...(config.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: config.commandTimeoutMs }),
      ...(config.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: config.connectTimeoutMs }),
      ...(config.pollJitterMs === undefined ? {} : { pollJitterMs: config.pollJitterMs }),
    });
  let client: Redis | undefined;
  let store: RedisStore | undefined;
  if (config.coldRedis !== true) {
    client = new Redis(config.redisUrl, { lazyConnect: true });
    await client.connect();
    store = makeStore(client);
    configureResilience(container, { store });
  }
  let degraded = false;
  // observingFetch: the runtime reads the rate-limit headers of successes too (learning, the cold start)
  const openai = new OpenAI({ apiKey: 'test', baseURL: config.emulatorUrl ?? 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: observingFetch() });
  const grants: number[] = [];
  const retries: number[] = [];
  const rateLimitedAt: number[] = [];
  const grantAt: Array<number | undefined> = [];
  const maxTokens = config.maxTokens ?? 20;
  const estimate = config.estimate ?? 50;
  const filler = config.promptWords === undefined ? '' : ` ${'about the order and its delivery '.repeat(Math.ceil(config.promptWords / 6))}`;
  const request = (i: number) => ({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user' as const, content: `question ${i} from ${process.pid}${filler}` }],
    max_completion_tokens: maxTokens,
  });
  const estimateOf = (i: number): number => (config.promptWords === undefined ? estimate : estimateChatTokens(request(i)));

  class Service {
    @AdaptiveRetry({ maxRetries: config.maxRetries ?? 8, baseDelayMs: 50, maxDelayMs: 2000 })
    @RateLimited({ key: config.key, requestsPerMinute: config.requestsPerMinute })
    @TokenBudget({ key: config.key, tokensPerMinute: config.tokensPerMinute ?? 1e9, estimate: (i: number) => estimateOf(i) })
    async call(i: number): Promise<unknown> {
      const now = epoch();
      grants.push(now);
      if (grantAt[i] === undefined) grantAt[i] = now;
      else retries.push(now);
      if (config.mode === 'noop') return { usage: { total_tokens: estimate } };
      try {
        return await openai.chat.completions.create(request(i));
      } catch (error) {
        if ((error as { status?: unknown }).status === 429) rateLimitedAt.push(now);
        throw error;
      }
    }
  }
  const service = new Service();
  if (config.mode === 'emulator') {
    // Warm the SDK up (its first request loads code lazily) on a model with its own emulator quota.
    await openai.chat.completions.create({ model: 'gpt-4o-mini-warm-up', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1 });
  }
  if (config.promptWords !== undefined) estimateOf(0); // loads the tokenizer before the measured run
  process.send!({ type: 'ready' });
  await new Promise<void>((resolve) => {
    process.on('message', (message: Message) => {
      if (message.type === 'go') resolve();
    });
  });

  const startedAt = epoch();
  if (config.coldRedis === true) {
    // a service starting: the client is created, and the calls start, in the same tick
    client = new Redis(config.redisUrl);
    store = makeStore(client);
    configureResilience(container, { store });
  }
  const waits: number[] = new Array<number>(config.calls).fill(-1);
  const errors: string[] = [];
  let completed = 0;
  let failed = 0;
  const degradedWatch = setInterval(() => (degraded ||= store!.degraded), 20);
  await Promise.all(
    Array.from({ length: config.calls }, async (_, i) => {
      const start = epoch();
      try {
        await service.call(i);
        completed++;
      } catch (error) {
        failed++;
        if (errors.length < 5) errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
      const granted = grantAt[i];
      waits[i] = granted === undefined ? -1 : granted - start;
    }),
  );
  clearInterval(degradedWatch);
  const endedAt = epoch();
  const result: WorkerResult = {
    pid: process.pid,
    completed,
    failed,
    errors,
    grants,
    retries,
    rateLimitedAt,
    waits: waits.map((w) => Math.round(w * 1000) / 1000),
    startedAt,
    endedAt,
    degraded: degraded || store!.degraded,
    firstWaitMs: waits[0] ?? -1,
  };
  await store!.close();
  process.send!({ type: 'done', result }, () => {
    client!.disconnect();
    process.disconnect();
  });
}

/**
 * Parent side: forks one worker per config, waits until all are ready, starts them at once and collects their
 * results. Every child is killed if anything fails or `timeoutMs` passes.
 * @returns the results and the wall time from "go" to the last "done" (ms).
 */
export async function runWorkers(configs: readonly WorkerConfig[], timeoutMs = 30_000): Promise<{ results: WorkerResult[]; wallMs: number }> {
  type Child = ChildProcess;
  const children: Child[] = [];
  const spawnChild = (): Child => {
    const child = fork(__filename, [], { execArgv: ['-r', join(__dirname, '..', '..', 'scripts', 'register.js')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    return child;
  };
  const kill = (): void => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`workers did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    const waitFor = (child: Child, type: string): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const onMessage = (message: { type: string; result?: unknown; message?: string }): void => {
          if (message.type === type) {
            child.off('message', onMessage);
            child.off('exit', onExit);
            resolve(message.result);
          } else if (message.type === 'error') reject(new Error(`worker ${String(child.pid)} failed: ${message.message ?? '(no message)'}`));
        };
        const onExit = (code: number | null): void => reject(new Error(`worker ${String(child.pid)} exited (${String(code)}) before "${type}"`));
        child.on('message', onMessage);
        child.once('exit', onExit);
      });
    const start = (i: number): Promise<unknown> => {
      const child = spawnChild();
      const ready = waitFor(child, 'ready');
      child.send({ type: 'config', config: configs[i] });
      return ready;
    };
    // The first child fills the transpile cache (scripts/register.js); the others then start in a fraction of the time.
    await Promise.race([start(0), timeout]);
    await Promise.race([Promise.all(configs.slice(1).map((_, i) => start(i + 1))), timeout]);
    const done = children.map((child) => waitFor(child, 'done') as Promise<WorkerResult>);
    const go = performance.now();
    for (const child of children) child.send({ type: 'go' });
    const results = await Promise.race([Promise.all(done), timeout]);
    const wallMs = performance.now() - go;
    await Promise.race([
      Promise.all(children.map((child) => (child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r))))),
      timeout,
    ]);
    return { results, wallMs };
  } finally {
    clearTimeout(timer);
    kill();
    process.off('exit', kill);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exitCode = 1;
    process.disconnect?.();
  });
}
