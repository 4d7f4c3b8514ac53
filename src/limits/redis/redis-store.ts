/**
 * `RedisStore`: the limiter store for a fleet. Bucket state lives in Redis, one key per limit key, and every
 * operation is one atomic Lua script (one round trip), timed by the Redis server's clock. Interchangeable with
 * the in-memory store: `configureResilience(container, { store: new RedisStore({ client }) })`.
 *
 * ioredis is optional at runtime: this module only imports its types; you pass the client.
 * @packageDocumentation
 */

import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { PolicyConfigError, StoreUnavailableError } from '../../errors';
import { BoundedMap } from '../../util/bounded-map';
import type { RateLimitSnapshot } from '../../providers/rate-limit-headers';
import { LocalShare, RedisHealth, consoleLogger, type RedisStoreLogger, type StoreErrorMode } from './fallback';
import { DEFAULT_PREFIX, hashKeyName, validatePrefix } from './keys';
import { COMMANDS, LINE_GRACE_MS, PART_ARGS, SCRIPT_DEFINITIONS, specArgs } from './scripts';
import type { DemandPart, KeyView, LimitSpec, LimiterStore } from '../store';

export type { RedisStoreLogger, StoreErrorMode } from './fallback';

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

/** An ioredis client: a single `Redis` connection or a `Cluster`. */
export type RedisStoreClient = Redis | Cluster;

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** The ioredis `Redis` or `Cluster` client (its lifecycle stays yours: the store never connects or quits it). */
  readonly client: RedisStoreClient;
  /**
   * Prefix of every key: 1–64 characters without `{`, `}`, whitespace or control characters. Stores with
   * different prefixes never share state. Default `'llm-resilience'`.
   */
  readonly prefix?: string;
  /** What acquires do while Redis is unreachable, slow or erroring. Default `'local'`. */
  readonly onStoreError?: StoreErrorMode;
  /**
   * Number of processes sharing the limits; under `'local'` each process falls back to the configured
   * limits divided by this. Default 1.
   */
  readonly instances?: number;
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
  /** Where outage transitions are logged (a pino logger fits). Default: the console. */
  readonly logger?: RedisStoreLogger;
  /** Random extra delay (ms) before a queued call re-asks Redis; see {@link DEFAULT_POLL_JITTER_MS}. */
  readonly pollJitterMs?: number;
  /** While degraded, least time between attempts to use Redis again, ms. Default 1000. */
  readonly recoveryIntervalMs?: number;
}

/** The custom commands `defineCommand` adds to the client. */
type ScriptCommand = (...args: Array<string | number>) => Promise<unknown>;

interface ScriptClient {
  readonly status: string;
  readonly isCluster: boolean;
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number; readOnly?: boolean }): void;
}

/** One pending acquire. */
interface Demand {
  readonly parts: readonly DemandPart[];
  readonly now: number;
  readonly keys: string[];
  readonly argv: string[];
  /** The hash tag of every key of the demand (Cluster only). */
  readonly tag: string;
  resolve: ((wait: number) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;
}

/** Most acquires sent in one script call. */
const MAX_BATCH = 128;

/** Per-spec data computed once: the hash name, its hash tag and the spec's ARGV encoding. */
interface SpecEntry {
  readonly name: string;
  readonly tag: string;
  readonly args: readonly string[];
}

const MODES: readonly StoreErrorMode[] = ['local', 'fail-closed', 'fail-open'];

/**
 * Limiter state in Redis, shared by every process that uses the same Redis and prefix. Semantics match the
 * in-memory store: continuous-refill token buckets for requests and tokens per key, all-or-nothing acquires
 * across every bucket and key of a call, borrowing for demands larger than the burst, shared 429 cooldowns,
 * limits learned from provider headers (conservatively until known), adoption of a lower provider
 * "remaining", and a daily token budget per UTC day. The `now` arguments are only used to translate relative
 * times: bucket time is the Redis server's `TIME`.
 */
export class RedisStore implements LimiterStore {
  /** Random extra delay (ms) the limiter adds before a queued call re-asks Redis. */
  readonly pollJitterMs: number;
  /** The key prefix. */
  readonly prefix: string;
  /** The outage mode. */
  readonly onStoreError: StoreErrorMode;
  /** The command timeout, ms. */
  readonly commandTimeoutMs: number;

  private readonly client: ScriptClient;
  private readonly commands: Record<string, ScriptCommand>;
  private readonly hashTag: ((key: string) => string) | undefined;
  private readonly local: LocalShare;
  private readonly breaker: RedisHealth;
  private readonly entries = new WeakMap<LimitSpec, SpecEntry>();
  private readonly localParts = new WeakMap<readonly DemandPart[], readonly DemandPart[]>();
  private lastError: unknown = undefined;
  /** Send order of the commands, for the breaker. */
  private sequence = 0;
  /** Identifies this store instance in the waiting lines (random, no `,` or `;`). */
  private readonly instanceId = randomBytes(6).toString('base64url');
  private readonly waiterIds = new BoundedMap<string, string>(MAX_WAITER_IDS);
  private nextWaiter = 0;
  /** Acquires made in the current tick, sent together at its end. */
  private pending: Demand[] | undefined = undefined;

  /**
   * Registers the scripts on the client (`defineCommand`: a Redis restart, failover or `SCRIPT FLUSH` costs one
   * reload, never an error).
   * @param options - see {@link RedisStoreOptions}.
   * @throws TypeError on an invalid option.
   */
  constructor(options: RedisStoreOptions) {
    const client = options?.client as unknown as ScriptClient | undefined;
    if (client === undefined || client === null || typeof client.defineCommand !== 'function') {
      throw new TypeError('RedisStore: "client" must be an ioredis Redis or Cluster instance');
    }
    this.client = client;
    this.prefix = validatePrefix(options.prefix ?? DEFAULT_PREFIX);
    this.onStoreError = options.onStoreError ?? 'local';
    if (!MODES.includes(this.onStoreError)) {
      throw new TypeError(`RedisStore: "onStoreError" must be one of ${MODES.map((m) => `"${m}"`).join(', ')}, got ${JSON.stringify(options.onStoreError)}`);
    }
    const instances = options.instances ?? 1;
    if (typeof instances !== 'number' || !Number.isFinite(instances) || instances < 1) {
      throw new TypeError(`RedisStore: "instances" must be a finite number ≥ 1, got ${String(instances)}`);
    }
    this.commandTimeoutMs = positive('commandTimeoutMs', options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS, false);
    this.pollJitterMs = positive('pollJitterMs', options.pollJitterMs ?? DEFAULT_POLL_JITTER_MS, true);
    const recoveryIntervalMs = positive('recoveryIntervalMs', options.recoveryIntervalMs ?? DEFAULT_RECOVERY_INTERVAL_MS, true);
    if (options.hashTag !== undefined && typeof options.hashTag !== 'function') {
      throw new TypeError('RedisStore: "hashTag" must be a function (key) => tag');
    }
    this.hashTag = options.hashTag;
    this.local = new LocalShare(instances);
    const describeMode =
      this.onStoreError === 'local'
        ? `limiting in-process at 1/${instances} of the limits`
        : this.onStoreError === 'fail-closed'
          ? 'rejecting calls (onStoreError "fail-closed")'
          : 'granting calls unlimited (onStoreError "fail-open")';
    this.breaker = new RedisHealth(recoveryIntervalMs, options.logger ?? consoleLogger, describeMode);
    for (const script of SCRIPT_DEFINITIONS) {
      const definition: { lua: string; numberOfKeys?: number; readOnly?: boolean } = { lua: script.lua, readOnly: script.readOnly };
      if (script.numberOfKeys !== undefined) definition.numberOfKeys = script.numberOfKeys;
      client.defineCommand(script.name, definition);
    }
    this.commands = client as unknown as Record<string, ScriptCommand>;
  }

  /** True while Redis is considered unavailable and the `onStoreError` path is in use. */
  get degraded(): boolean {
    return this.breaker.degraded;
  }

  /**
   * The Redis key holding a limit key's state (for inspection and operations; the value is packed, read it
   * with {@link RedisStore.view}).
   * @param key - the limit key.
   * @throws PolicyConfigError when the `hashTag` option returns something other than a non-empty string.
   */
  redisKey(key: string): string {
    return hashKeyName(this.prefix, key, this.tagOf(key));
  }

  /**
   * Takes every part of the demand in one Lua script, or nothing. Acquires made in the same tick are sent
   * together, in call order, as one script call (one round trip for all of them).
   * @returns 0 when granted; the wait in ms (sub-millisecond precision) until the whole demand fits; or
   * `DAY_BUDGET_SPENT`.
   * @throws StoreUnavailableError under `'fail-closed'` when Redis cannot answer; PolicyConfigError when the
   * parts' keys map to different hash tags on a Cluster client.
   */
  acquire(parts: readonly DemandPart[], now: number): Promise<number> {
    let demand: Demand;
    try {
      demand = this.demand(parts, now);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<number>((resolve, reject) => {
      demand.resolve = resolve;
      demand.reject = reject;
      if (this.pending === undefined) {
        this.pending = [];
        queueMicrotask(this.flush);
      }
      this.pending.push(demand);
    });
  }

  /** @inheritDoc */
  async settle(spec: LimitSpec, deltaTokens: number, now: number, deltaRequests = 0): Promise<void> {
    if (!Number.isFinite(deltaTokens) || !Number.isFinite(deltaRequests) || (deltaTokens === 0 && deltaRequests === 0)) return;
    const entry = this.entry(spec);
    const reply = await this.run(COMMANDS.settle, [entry.name, String(deltaTokens), ...entry.args, String(deltaRequests)]);
    if (reply === FAILED && this.onStoreError === 'local') this.local.store.settle(this.local.spec(spec), deltaTokens, now, deltaRequests);
  }

  /** @inheritDoc */
  async cooldown(spec: LimitSpec, untilMs: number, now: number): Promise<void> {
    const ms = untilMs - now;
    if (!(ms > 0) || !Number.isFinite(ms)) return;
    const entry = this.entry(spec);
    const reply = await this.run(COMMANDS.cooldown, [entry.name, String(ms), ...entry.args]);
    if (reply === FAILED && this.onStoreError === 'local') this.local.store.cooldown(this.local.spec(spec), untilMs, now);
  }

  /** @inheritDoc */
  async observe(spec: LimitSpec, snapshot: RateLimitSnapshot, now: number): Promise<void> {
    // The fallback store keeps learning too, so an outage starts from the learned limits.
    if (this.onStoreError === 'local') this.local.store.observe(this.local.spec(spec), this.local.snapshot(snapshot), now);
    const entry = this.entry(spec);
    const req = snapshot.requests;
    const tok = snapshot.tokens ?? snapshot.inputTokens;
    await this.run(COMMANDS.observe, [
      entry.name,
      ...entry.args,
      req === undefined ? '0' : '1',
      count(req?.limit),
      count(req?.remaining),
      tok === undefined ? '0' : '1',
      count(tok?.limit),
      count(tok?.remaining),
    ]);
  }

  /**
   * The key's state as Redis holds it (the fallback store's under `'local'` while degraded).
   * `cooldownUntil` is translated to the caller's clock (`now` + the time left by Redis's clock).
   */
  async view(spec: LimitSpec, now: number): Promise<KeyView | undefined> {
    const entry = this.entry(spec);
    const reply = await this.run(COMMANDS.view, [entry.name, ...entry.args]);
    if (reply === FAILED) return this.onStoreError === 'local' ? this.local.store.view(this.local.spec(spec), now) : undefined;
    if (!Array.isArray(reply)) return undefined;
    const [requests, tokens, cooldownLeft, dayUsed, rpm, tpm] = reply as string[];
    const left = Number(cooldownLeft);
    return {
      requests: optNumber(requests),
      tokens: optNumber(tokens),
      cooldownUntil: left > 0 ? now + left : 0,
      dayUsed: Number(dayUsed),
      requestsPerMinute: optNumber(rpm),
      tokensPerMinute: optNumber(tpm),
    };
  }

  /** Runs one script within the command timeout; FAILED when Redis could not (or should not) be asked. */
  private async run(name: string, args: Array<string | number>): Promise<unknown> {
    const status = this.client.status;
    const ready = status === 'ready';
    const probe = this.breaker.degraded;
    if (!this.breaker.tryRedis(ready)) return FAILED;
    const seq = ++this.sequence;
    if (!ready) {
      this.fail(new Error(`the Redis client is "${status}", not "ready"`), probe, seq, status);
      return FAILED;
    }
    let reply: unknown;
    try {
      reply = await this.bounded(this.commands[name]!(...args));
    } catch (error) {
      this.fail(error, probe, seq);
      return FAILED;
    }
    this.breaker.succeeded(seq);
    return reply;
  }

  private fail(error: unknown, probe: boolean, seq: number, status?: string): void {
    this.lastError = error;
    this.breaker.failed(error, probe, seq, status);
  }

  /**
   * The command's promise, rejected after `commandTimeoutMs`; the timer is cleared as soon as it settles.
   * When the timer fires, the rejection waits for the event loop's next I/O phase (`setImmediate`): after an
   * event-loop stall longer than the timeout, timers run before sockets are read, and a reply that arrived
   * during the stall must win over the timeout (a busy process is not a Redis outage).
   */
  private bounded<T>(command: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        setImmediate(() => {
          if (done) return;
          done = true;
          reject(new Error(`Redis did not answer within commandTimeoutMs ${this.commandTimeoutMs} ms`));
        });
      }, this.commandTimeoutMs);
      command.then(
        (value) => {
          clearTimeout(timer);
          if (done) return;
          done = true;
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (done) return;
          done = true;
          reject(error);
        },
      );
    });
  }

  private unavailable(): Error {
    const reason = this.lastError instanceof Error ? this.lastError.message : 'Redis is unavailable';
    return new Error(`RedisStore (prefix "${this.prefix}"): ${reason}; onStoreError is "fail-closed", so calls are refused until Redis answers`, {
      cause: this.lastError,
    });
  }

  /** One acquire's keys and ARGV slice (validated: one hash tag per call on a Cluster). */
  private demand(parts: readonly DemandPart[], now: number): Demand {
    const n = parts.length;
    const keys = new Array<string>(n);
    const argv = new Array<string>(2 + n * PART_ARGS);
    argv[0] = this.waiterId(parts);
    argv[1] = String(n);
    let a = 2;
    let tag: string | undefined;
    for (let i = 0; i < n; i++) {
      const part = parts[i]!;
      const entry = this.entry(part.spec);
      if (this.client.isCluster) {
        if (tag === undefined) tag = entry.tag;
        else if (entry.tag !== tag) throw crossSlot(parts.map((p) => p.spec.key));
      }
      keys[i] = entry.name;
      argv[a++] = String(part.requests);
      argv[a++] = String(part.tokens);
      const specArgv = entry.args;
      for (let j = 0; j < specArgv.length; j++) argv[a++] = specArgv[j]!;
    }
    return { parts, now, keys, argv, tag: tag ?? '', resolve: undefined, reject: undefined };
  }

  /**
   * Sends the acquires made in the same tick: one script call per hash tag on a Cluster (one slot each), one
   * for all of them otherwise, at most {@link MAX_BATCH} demands per call, processed in call order.
   */
  private readonly flush = (): void => {
    const pending = this.pending!;
    this.pending = undefined;
    if (!this.client.isCluster || pending.length === 1) {
      for (let i = 0; i < pending.length; i += MAX_BATCH) void this.send(pending.slice(i, i + MAX_BATCH));
      return;
    }
    const byTag = new Map<string, Demand[]>();
    for (const demand of pending) {
      const group = byTag.get(demand.tag);
      if (group === undefined) byTag.set(demand.tag, [demand]);
      else group.push(demand);
    }
    for (const group of byTag.values()) {
      for (let i = 0; i < group.length; i += MAX_BATCH) void this.send(group.slice(i, i + MAX_BATCH));
    }
  };

  private async send(batch: readonly Demand[]): Promise<void> {
    let keyCount = 0;
    let argCount = 2;
    for (const demand of batch) {
      keyCount += demand.keys.length;
      argCount += demand.argv.length;
    }
    const args = new Array<string | number>(1 + keyCount + argCount);
    args[0] = keyCount;
    let k = 1;
    let a = 1 + keyCount;
    args[a++] = LINE_GRACE_MS;
    args[a++] = batch.length;
    for (const demand of batch) {
      for (const key of demand.keys) args[k++] = key;
      for (const arg of demand.argv) args[a++] = arg;
    }
    let reply = await this.run(COMMANDS.acquire, args);
    if (reply !== FAILED && (!Array.isArray(reply) || reply.length !== batch.length)) {
      this.fail(new Error(`unexpected acquire reply from Redis: ${JSON.stringify(reply)}`), false, ++this.sequence);
      reply = FAILED;
    }
    for (let i = 0; i < batch.length; i++) {
      const demand = batch[i]!;
      try {
        if (reply === FAILED) {
          demand.resolve!(this.fallbackAcquire(demand));
        } else {
          const micros = Number((reply as unknown[])[i]);
          demand.resolve!(micros > 0 ? micros / 1000 : micros);
        }
      } catch (error) {
        demand.reject!(error);
      }
    }
  }

  /** The `onStoreError` answer to an acquire Redis could not take. */
  private fallbackAcquire(demand: Demand): number {
    if (this.onStoreError === 'local') return this.local.store.acquire(this.localDemand(demand.parts), demand.now);
    if (this.onStoreError === 'fail-open') return 0;
    throw new StoreUnavailableError(this.unavailable());
  }

  /**
   * The waiting-line identity of this process's queue for the call's key combination: one place in line per
   * process and combination (see `ACQUIRE_LUA`), so the limiter's FIFO decides the order inside the process.
   */
  private waiterId(parts: readonly DemandPart[]): string {
    const signature = parts.length === 1 ? parts[0]!.spec.key : parts.map((p) => p.spec.key).join('\u0000');
    let id = this.waiterIds.get(signature);
    if (id === undefined) {
      id = `${this.instanceId}.${(this.nextWaiter++).toString(36)}`;
      this.waiterIds.set(signature, id);
    }
    return id;
  }

  private entry(spec: LimitSpec): SpecEntry {
    let entry = this.entries.get(spec);
    if (entry === undefined) {
      const tag = this.tagOf(spec.key);
      entry = { name: hashKeyName(this.prefix, spec.key, tag), tag, args: specArgs(spec) };
      this.entries.set(spec, entry);
    }
    return entry;
  }

  private tagOf(key: string): string {
    if (this.hashTag === undefined) return key;
    const tag = this.hashTag(key);
    if (typeof tag !== 'string' || tag.length === 0) {
      throw new PolicyConfigError('RedisStore', 'hashTag', tag, `a function returning a non-empty string (called with ${JSON.stringify(key)})`);
    }
    return tag;
  }

  private localDemand(parts: readonly DemandPart[]): readonly DemandPart[] {
    if (this.local.instances === 1) return parts;
    let local = this.localParts.get(parts);
    if (local === undefined) {
      local = parts.map((p) => ({ spec: this.local.spec(p.spec), requests: p.requests, tokens: p.tokens }));
      this.localParts.set(parts, local);
    }
    return local;
  }
}

/** Most key combinations whose waiter ids are remembered (then the oldest is forgotten). */
const MAX_WAITER_IDS = 10_000;

/** Marks "Redis did not answer" (distinct from any reply). */
const FAILED: unique symbol = Symbol('redis-failed');

function crossSlot(keys: readonly string[]): PolicyConfigError {
  return new PolicyConfigError(
    'RedisStore',
    'hashTag',
    keys,
    'one hash tag for every key a call uses on a Redis Cluster: pass RedisStoreOptions.hashTag mapping these keys to one tag',
  );
}

function positive(name: string, value: number, zeroOk: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
    throw new TypeError(`RedisStore: "${name}" must be a finite number ${zeroOk ? '≥ 0' : '> 0'}, got ${String(value)}`);
  }
  return value;
}

function count(value: number | undefined): string {
  return value === undefined ? '' : String(value);
}

function optNumber(text: string | undefined): number | undefined {
  return text === undefined || text === '' ? undefined : Number(text);
}
