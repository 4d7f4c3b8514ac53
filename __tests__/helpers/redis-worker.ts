/**
 * A child process for the multi-process Redis suite and benchmark: one "service instance" that shares a
 * Redis-backed limit with its siblings. Run with `fork(thisFile, [], { execArgv: ['-r', 'scripts/register.js'] })`.
 *
 * Protocol over IPC: the parent sends `{ type: 'config', config }`; the child connects, warms up and answers
 * `{ type: 'ready' }`; the parent sends `{ type: 'go' }` to every child at once; the child runs its calls
 * (all started at once, queued by the limiter) and answers `{ type: 'done', result }`, then exits.
 */

import 'reflect-metadata';
import Redis from 'ioredis';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimited, TokenBudget, configureResilience } from '../../index';
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
  /** Per call: ms from its start to its grant. */
  readonly waits: readonly number[];
  /** Epoch ms of the first call's start and the last call's end. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The store fell back at some point. */
  readonly degraded: boolean;
}

type Message = { type: 'config'; config: WorkerConfig } | { type: 'go' };

const epoch = (): number => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const config = await new Promise<WorkerConfig>((resolve) => {
    process.once('message', (message: Message) => {
      if (message.type === 'config') resolve(message.config);
    });
  });
  const client = new Redis(config.redisUrl, { lazyConnect: true });
  await client.connect();
  const store = new RedisStore({
    client,
    prefix: config.prefix,
    instances: config.instances ?? 1,
    ...(config.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: config.commandTimeoutMs }),
    ...(config.pollJitterMs === undefined ? {} : { pollJitterMs: config.pollJitterMs }),
  });
  let degraded = false;
  configureResilience(container, { store });
  const openai = new OpenAI({ apiKey: 'test', baseURL: config.emulatorUrl ?? 'http://127.0.0.1:9/v1', maxRetries: 0 });
  const grants: number[] = [];
  const grantAt: Array<number | undefined> = [];
  const maxTokens = config.maxTokens ?? 20;
  const estimate = config.estimate ?? 50;

  class Service {
    @AdaptiveRetry({ maxRetries: 8, baseDelayMs: 50, maxDelayMs: 2000 })
    @RateLimited({ key: config.key, requestsPerMinute: config.requestsPerMinute })
    @TokenBudget({ key: config.key, tokensPerMinute: config.tokensPerMinute ?? 1e9, estimate: () => estimate })
    async call(i: number): Promise<unknown> {
      const now = epoch();
      grants.push(now);
      grantAt[i] ??= now;
      if (config.mode === 'noop') return { usage: { total_tokens: estimate } };
      return openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: `question ${i} from ${process.pid}` }],
        max_tokens: maxTokens,
      });
    }
  }
  const service = new Service();
  if (config.mode === 'emulator') {
    // Warm the SDK up (its first request loads code lazily) on a model with its own emulator quota.
    await openai.chat.completions.create({ model: 'warm-up', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });
  }
  process.send!({ type: 'ready' });
  await new Promise<void>((resolve) => {
    process.on('message', (message: Message) => {
      if (message.type === 'go') resolve();
    });
  });

  const startedAt = epoch();
  const waits: number[] = new Array<number>(config.calls).fill(-1);
  const errors: string[] = [];
  let completed = 0;
  let failed = 0;
  const degradedWatch = setInterval(() => (degraded ||= store.degraded), 50);
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
    waits: waits.map((w) => Math.round(w * 1000) / 1000),
    startedAt,
    endedAt,
    degraded: degraded || store.degraded,
  };
  process.send!({ type: 'done', result }, () => {
    client.disconnect();
    process.disconnect();
  });
}

/**
 * Parent side: forks one worker per config, waits until all are ready, starts them at once and collects their
 * results. Every child is killed if anything fails or `timeoutMs` passes.
 * @returns the results and the wall time from "go" to the last "done" (ms).
 */
export async function runWorkers(configs: readonly WorkerConfig[], timeoutMs = 30_000): Promise<{ results: WorkerResult[]; wallMs: number }> {
  const { fork } = await import('node:child_process');
  const { join } = await import('node:path');
  type Child = ReturnType<typeof fork>;
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
          } else if (message.type === 'error') reject(new Error(`worker ${child.pid} failed: ${message.message}`));
        };
        const onExit = (code: number | null): void => reject(new Error(`worker ${child.pid} exited (${code}) before "${type}"`));
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
      Promise.all(children.map((child) => (child.exitCode !== null ? undefined : new Promise((r) => child.once('exit', r))))),
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
