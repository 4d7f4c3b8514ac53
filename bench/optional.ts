/**
 * Modules the benchmark uses only when they exist in this checkout (the Redis store and the Redis test helper
 * are developed in parallel): loaded by path so the benchmark still type-checks and runs without them.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LimiterStore } from '../src/limits/store';

const ROOT = join(__dirname, '..');

/** The constructor of `src/limits/redis/redis-store.ts`'s `RedisStore`, as far as the benchmark needs it. */
export type RedisStoreCtor = new (options: { client: unknown; prefix?: string; instances?: number }) => LimiterStore & {
  readonly degraded: boolean;
};

/** What the benchmark uses of `__tests__/helpers/redis-server.ts`. */
export interface RedisHelper {
  redisAvailability(): { kind: 'binary' } | { kind: 'url'; url: string } | { kind: 'none'; reason: string };
  startRedisServer(): Promise<{ url: string; host: string; port: number; stop(): Promise<void> }>;
}

function load(relative: string, member?: string): unknown {
  const file = join(ROOT, relative);
  if (!existsSync(`${file}.ts`) && !existsSync(`${file}.js`)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by path only when the file exists
  const module = require(file) as Record<string, unknown>;
  return member === undefined ? module : module[member];
}

/** `RedisStore`, or undefined when `src/limits/redis/redis-store.ts` is absent. */
export function loadRedisStore(): RedisStoreCtor | undefined {
  return load('src/limits/redis/redis-store', 'RedisStore') as RedisStoreCtor | undefined;
}

/** The Redis test helper, or undefined when absent. */
export function loadRedisHelper(): RedisHelper | undefined {
  return load('__tests__/helpers/redis-server') as RedisHelper | undefined;
}
