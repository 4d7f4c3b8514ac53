/**
 * The options of the Redis store, their defaults, and their validation.
 * @packageDocumentation
 */

import { showValue } from '../../errors';
import { consoleLogger, type RedisStoreLogger } from './health';
import { DEFAULT_PREFIX, validatePrefix } from './keys';
import { STORE_ERROR_MODES, type StoreErrorMode } from './local-share';

/** Default {@link RedisStoreOptions.commandTimeoutMs}. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 500;

/**
 * Default {@link RedisStoreOptions.pollJitterMs}: 5 ms. A queued call re-asks Redis after the wait it was told
 * plus a uniform 0–5 ms. The order in which waiting processes are served is decided in Redis by the key's
 * waiting line, not by who polls first, so the jitter is not needed for fairness; it only spreads the re-polls
 * of processes told the same wait (e.g. the end of a shared 429 cooldown) over a few timer ticks instead of one
 * millisecond. It costs no capacity (buckets keep refilling while a waiter sleeps) and adds at most 5 ms to a
 * waiting call. Measured with 4 processes × 150 calls on one 6000 RPM key: 0, 5 and 20 ms all give equal shares
 * and the same wall time.
 */
export const DEFAULT_POLL_JITTER_MS = 5;

/** Default {@link RedisStoreOptions.recoveryIntervalMs}. */
export const DEFAULT_RECOVERY_INTERVAL_MS = 1000;

/**
 * Default {@link RedisStoreOptions.heartbeatIntervalMs}: 5 s. The count matters only while Redis is unreachable
 * (the `'local'` fallback divides the limits by it); an entry lives three intervals, so one late beat (a stalled
 * event loop) does not drop a live process, and a dead one stops being counted within 15 s. The cost is one small
 * script per process every 5 s; during a store's first three intervals, and for one interval after its count
 * changed, it beats every second instead (12 more scripts per start, at most 4 per change), so a fleet starting
 * together counts itself within about a second.
 */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;

/**
 * Default {@link RedisStoreOptions.connectTimeoutMs}: 3 s. A Redis in the same zone connects in about a millisecond,
 * a managed one over TLS in another zone in tens of ms, across regions in a few hundred; within 3 s ioredis's
 * default retry strategy (50 ms, 100 ms, ... between attempts) has tried about ten times, so a Redis still not
 * connected then is down or misconfigured, not slow. Waiting longer would hold the first calls of every process
 * back during a Redis outage; waiting less would let a slow start (a cold DNS cache, a TLS handshake on a loaded
 * node) fall back — each process at its fleet share, while Redis is about to answer.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;

/**
 * An ioredis client: a single `Redis` connection or a `Cluster` (ioredis 5), described by what the store uses of
 * it, so these declarations compile without ioredis installed (ioredis is an optional peer).
 */
export interface RedisStoreClient {
  /** ioredis's connection status (`'wait'`, `'connecting'`, `'ready'`, …). */
  readonly status: string;
  /** True for a `Cluster`. */
  readonly isCluster: boolean;
  /** Registers a Lua script as a command (ioredis `defineCommand`). */
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number; readOnly?: boolean }): void;
  /** Subscribes once to the `ready` event. */
  once(event: 'ready', listener: () => void): unknown;
  /** Unsubscribes from the `ready` event. */
  removeListener(event: 'ready', listener: () => void): unknown;
  /**
   * Subscribes to `error` events (optional). Used only until the first connection, to name the last connection
   * error in the `connectTimeoutMs` warning; your own `error` listeners are left alone.
   */
  on?(event: 'error', listener: (error: unknown) => void): unknown;
  /** Unsubscribes from `error` events (optional; the store listens to them only when the client has `on` and `off`). */
  off?(event: 'error', listener: (error: unknown) => void): unknown;
  /** Connects a `lazyConnect` client. */
  connect(): Promise<unknown>;
}

/** Options of `RedisStore`. */
export interface RedisStoreOptions {
  /**
   * The ioredis `Redis` or `Cluster` client. Its lifecycle stays yours: the store never quits it, and connects it
   * only when created with `lazyConnect` and not connected yet (as its first command would).
   */
  readonly client: RedisStoreClient;
  /**
   * Prefix of every key: 1–64 characters without `{`, `}`, whitespace or control characters. Stores with
   * different prefixes never share state. Default `'llm-resilience'`.
   */
  readonly prefix?: string;
  /** What acquires do while Redis is unreachable, slow or erroring. Default `'local'`. */
  readonly onStoreError?: StoreErrorMode;
  /**
   * Number of processes sharing the limits, until Redis has answered once. Each store keeps a heartbeat in Redis
   * (`<prefix>:#instances`, renewed every 5 s, every second while the count is young) and, under `'local'`, falls back to the limits divided by the number
   * of live processes it last counted there; this option only counts before that (a Redis unreachable from the
   * start). Default 1.
   */
  readonly instances?: number;
  /**
   * Until the client's first connection, how long operations wait for it, ms. Calls made while the client connects
   * (a process that creates its client in the same tick as its first call) are served through Redis as soon as it
   * is ready, never from the fallback; past this, the store falls back (`onStoreError`) and logs it once. 0: no
   * waiting (fall back at once until connected). Default {@link DEFAULT_CONNECT_TIMEOUT_MS} (3 s).
   */
  readonly connectTimeoutMs?: number;
  /**
   * Longest wait for any Redis command, ms; past it the operation takes the `onStoreError` path (the command
   * may still reach Redis later). Default 500.
   */
  readonly commandTimeoutMs?: number;
  /**
   * Maps a limit key to its Redis Cluster hash tag. Default: the key itself. Keys that one call uses together
   * (a rate limit and a separate token-budget key) must map to the same tag on a Cluster client; otherwise
   * the acquire fails with `PolicyConfigError` (never a Redis CROSSSLOT error).
   */
  readonly hashTag?: (key: string) => string;
  /**
   * A key this process has not used yet starts its requests at one and lets them grow at the key's configured
   * rate until they could fill its burst (about a second), whatever the shared bucket in Redis holds: a restarted
   * process on a key the fleet left full would otherwise hand a whole burst to its cold SDK, which releases it
   * together with the next grants (429s against a provider enforcing per-second slices). Default `true`.
   */
  readonly rampUp?: boolean;
  /** Where outage transitions are logged (a pino logger fits). Default: the console. */
  readonly logger?: RedisStoreLogger;
  /** Random extra delay (ms) before a queued call re-asks Redis; see {@link DEFAULT_POLL_JITTER_MS}. */
  readonly pollJitterMs?: number;
  /** While degraded, least time between attempts to use Redis again, ms. Default 1000. */
  readonly recoveryIntervalMs?: number;
  /**
   * How often the store renews its entry in the fleet's heartbeat (`<prefix>:#instances`), ms; an entry lives three
   * intervals, so a process that died stops being counted within three. Default 5000.
   */
  readonly heartbeatIntervalMs?: number;
}

/** {@link RedisStoreOptions} validated, with every default filled in. */
export interface ResolvedRedisStoreOptions {
  /** The client (it has a `defineCommand` method). */
  readonly client: RedisStoreClient;
  /** The key prefix. */
  readonly prefix: string;
  /** The outage mode. */
  readonly onStoreError: StoreErrorMode;
  /** Processes sharing the limits (≥ 1). */
  readonly instances: number;
  /** Longest wait for a Redis command, ms (> 0). */
  readonly commandTimeoutMs: number;
  /** Longest wait for the client's first connection, ms (≥ 0). */
  readonly connectTimeoutMs: number;
  /** Poll jitter, ms (≥ 0). */
  readonly pollJitterMs: number;
  /** Least time between probes while degraded, ms (≥ 0). */
  readonly recoveryIntervalMs: number;
  /** Heartbeat interval, ms (> 0). */
  readonly heartbeatIntervalMs: number;
  /** The hash tag function, or undefined for the key itself. */
  readonly hashTag: ((key: string) => string) | undefined;
  readonly rampUp: boolean;
  /** The log sink. */
  readonly logger: RedisStoreLogger;
}

/**
 * Validates the options (in this order: client, prefix, onStoreError, instances, commandTimeoutMs,
 * connectTimeoutMs, pollJitterMs, recoveryIntervalMs, heartbeatIntervalMs, hashTag, rampUp) and fills in the defaults.
 * @param options - what the user passed (untrusted: checked at run time, not only by the types).
 * @throws TypeError naming the first invalid option and the value received.
 */
export function resolveOptions(options: RedisStoreOptions): ResolvedRedisStoreOptions {
  const client = (options as Partial<RedisStoreOptions> | undefined)?.client as { defineCommand?: unknown } | undefined | null;
  if (client === undefined || client === null || typeof client.defineCommand !== 'function') {
    throw new TypeError(`RedisStore: "client" must be an ioredis Redis or Cluster instance, got ${showValue(client)}`);
  }
  const prefix = validatePrefix(options.prefix ?? DEFAULT_PREFIX);
  const onStoreError = options.onStoreError ?? 'local';
  if (!STORE_ERROR_MODES.includes(onStoreError)) {
    throw new TypeError(
      `RedisStore: "onStoreError" must be one of ${STORE_ERROR_MODES.map((m) => `"${m}"`).join(', ')}, got ${JSON.stringify(options.onStoreError)}`,
    );
  }
  const instances = options.instances ?? 1;
  if (typeof instances !== 'number' || !Number.isFinite(instances) || instances < 1) {
    throw new TypeError(`RedisStore: "instances" must be a finite number ≥ 1, got ${String(instances)}`);
  }
  const commandTimeoutMs = nonNegative('commandTimeoutMs', options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS, false);
  const connectTimeoutMs = nonNegative('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, true);
  const pollJitterMs = nonNegative('pollJitterMs', options.pollJitterMs ?? DEFAULT_POLL_JITTER_MS, true);
  const recoveryIntervalMs = nonNegative('recoveryIntervalMs', options.recoveryIntervalMs ?? DEFAULT_RECOVERY_INTERVAL_MS, true);
  const heartbeatIntervalMs = nonNegative('heartbeatIntervalMs', options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS, false);
  if (options.hashTag !== undefined && typeof options.hashTag !== 'function') {
    throw new TypeError(`RedisStore: "hashTag" must be a function (key) => tag, got ${showValue(options.hashTag)}`);
  }
  const rampUp = options.rampUp ?? true;
  if (typeof rampUp !== 'boolean') throw new TypeError(`RedisStore: "rampUp" must be a boolean, got ${showValue(rampUp)}`);
  return {
    client: options.client,
    prefix,
    onStoreError,
    instances,
    commandTimeoutMs,
    connectTimeoutMs,
    pollJitterMs,
    recoveryIntervalMs,
    heartbeatIntervalMs,
    hashTag: options.hashTag,
    rampUp,
    logger: options.logger ?? consoleLogger,
  };
}

function nonNegative(name: string, value: number, zeroOk: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
    throw new TypeError(`RedisStore: "${name}" must be a finite number ${zeroOk ? '≥ 0' : '> 0'}, got ${String(value)}`);
  }
  return value;
}
