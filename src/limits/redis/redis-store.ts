/**
 * `RedisStore`: the limiter store for a fleet. Bucket state lives in Redis, one key per limit key, and every
 * operation is one atomic Lua script (one round trip), timed by the Redis server's clock. Interchangeable with
 * the in-memory store: `configureResilience(container, { store: new RedisStore({ client }) })`.
 *
 * ioredis is optional at runtime: this module only imports its types; you pass the client.
 *
 * The parts, one concern each: `options.ts` (options, defaults, validation), `batcher.ts` (same-tick batching),
 * `command-runner.ts` (bounded script calls), `startup.ts` (waiting for the first connection), `health.ts` (the
 * outage switch), `heartbeat.ts` (counting the fleet), `local-share.ts` (the outage modes and the in-process
 * fallback), `encoding.ts` (script arguments and replies), `waiter-ids.ts` (waiting-line identities), `keys.ts`
 * (key names), `scripts.ts` (the Lua).
 *
 * Timers: the store keeps two, both `unref`ed (neither keeps a process alive) and both cleared by
 * {@link RedisStore.close}: the heartbeat's next beat, and until the first connection the start-up window's timeout.
 * @packageDocumentation
 */

import type { RateLimitSnapshot } from '../../providers/rate-limit-headers';
import type { DemandPart, KeyView, LimitSpec, LimiterStore } from '../store';
import { TickBatcher } from './batcher';
import { CommandRunner, FAILED } from './command-runner';
import {
  SpecEntries,
  acquireArgs,
  cooldownArgs,
  decodeView,
  decodeWait,
  encodeDemand,
  isAcquireReply,
  observeArgs,
  settleArgs,
  viewArgs,
  type EncodedDemand,
} from './encoding';
import { RedisHealth } from './health';
import { Heartbeat } from './heartbeat';
import { instancesKeyName } from './keys';
import { OutageFallback, type StoreErrorMode } from './local-share';
import { resolveOptions, type RedisStoreOptions } from './options';
import { COMMANDS, SCRIPT_DEFINITIONS } from './scripts';
import { ProcessRamp } from './process-ramp';
import { ConnectGate } from './startup';
import { WaiterIds } from './waiter-ids';

export type { RedisStoreLogger } from './health';
export type { StoreErrorMode } from './local-share';
export {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_POLL_JITTER_MS,
  DEFAULT_RECOVERY_INTERVAL_MS,
} from './options';
export type { RedisStoreClient, RedisStoreOptions } from './options';

/** One pending acquire. */
interface Demand extends EncodedDemand {
  readonly parts: readonly DemandPart[];
  readonly now: number;
  resolve: (wait: number) => void;
  reject: (error: unknown) => void;
}

/**
 * Limiter state in Redis, shared by every process that uses the same Redis and prefix. Semantics match the
 * in-memory store: continuous-refill token buckets for requests and tokens per key, all-or-nothing acquires
 * across every bucket and key of a call, borrowing for demands larger than the burst, shared 429 cooldowns,
 * limits learned from provider headers (conservatively until known), adoption of a lower provider
 * "remaining", the cold start (a new key's first demand whole, the burst filled once the provider reports it
 * idle), bounded settles, and a daily token budget per UTC day. The `now` arguments are only used to translate
 * relative times: bucket time is the Redis server's `TIME`.
 *
 * Until its client's first connection, operations wait for it (at most `connectTimeoutMs`), so a process that
 * creates its client in the same tick as its first call is served through Redis from its first call. Each store
 * keeps a heartbeat in Redis; the `'local'` fallback divides the limits by the live processes it counts. Call
 * {@link RedisStore.close} when done with the store (it stops the heartbeat and leaves the count; the client
 * stays open).
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
  /** How long operations wait for the client's first connection, ms. */
  readonly connectTimeoutMs: number;

  private readonly health: RedisHealth;
  private readonly gate: ConnectGate;
  private readonly heartbeat: Heartbeat;
  private readonly runner: CommandRunner;
  private readonly fallback: OutageFallback;
  private readonly entries: SpecEntries;
  private readonly waiters = new WaiterIds();
  private readonly batcher: TickBatcher<Demand>;
  /** This process's ramp onto keys it has not used yet (`rampUp`). */
  private readonly ramp: ProcessRamp | undefined;
  /** The last acquire sent to Redis while ramping is on (a ramp's refusal is answered after it). */
  private lastSent: Promise<number> | undefined = undefined;

  /**
   * Registers the scripts on the client (`defineCommand`: a Redis restart, failover or `SCRIPT FLUSH` costs one
   * reload, never an error), opens the start-up window and sends the first heartbeat.
   * @param options - see {@link RedisStoreOptions}.
   * @throws TypeError on an invalid option.
   */
  constructor(options: RedisStoreOptions) {
    const resolved = resolveOptions(options);
    this.prefix = resolved.prefix;
    this.ramp = resolved.rampUp ? new ProcessRamp(() => this.instances) : undefined;
    this.onStoreError = resolved.onStoreError;
    this.commandTimeoutMs = resolved.commandTimeoutMs;
    this.connectTimeoutMs = resolved.connectTimeoutMs;
    this.pollJitterMs = resolved.pollJitterMs;
    const fallback = (this.fallback = new OutageFallback(resolved.onStoreError, resolved.instances));
    const health = (this.health = new RedisHealth(resolved.recoveryIntervalMs, resolved.logger, () => fallback.description));
    this.gate = new ConnectGate(resolved.client, resolved.connectTimeoutMs, (status, lastError) => health.connectTimedOut(resolved.connectTimeoutMs, status, lastError));
    this.runner = new CommandRunner(resolved.client, SCRIPT_DEFINITIONS, health, resolved.commandTimeoutMs, this.gate);
    this.entries = new SpecEntries(resolved.prefix, resolved.hashTag);
    this.batcher = new TickBatcher<Demand>((batch) => {
      // nothing may leave a demand unsettled (a throwing logger inside the runner, say): its queue would stall
      this.send(batch).catch((error: unknown) => {
        for (const demand of batch) demand.reject(error);
      });
    }, this.runner.isCluster);
    this.heartbeat = new Heartbeat(
      (name, args) => this.runner.run(name, args),
      instancesKeyName(resolved.prefix),
      (live) => fallback.resize(live),
      resolved.heartbeatIntervalMs,
    );
  }

  /** True while Redis is considered unavailable and the `onStoreError` path is in use. */
  get degraded(): boolean {
    return this.health.degraded;
  }

  /**
   * The processes sharing the limits, as the `'local'` fallback divides them: the live store instances on this
   * prefix at the last heartbeat Redis answered (this one included), else the `instances` option.
   */
  get instances(): number {
    return this.fallback.instances;
  }

  /**
   * Stops the heartbeat (its entry is removed from Redis, so the others stop counting this process at once) and
   * ends the start-up window. The store stays usable; the client stays open (it is yours to quit). Idempotent.
   */
  async close(): Promise<void> {
    this.gate.close();
    await this.heartbeat.close();
  }

  /**
   * The Redis key holding a limit key's state (for inspection and operations; the value is packed, read it
   * with {@link RedisStore.view}).
   * @param key - the limit key.
   * @throws PolicyConfigError when the `hashTag` option returns something other than a non-empty string.
   */
  redisKey(key: string): string {
    return this.entries.redisKey(key);
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
    let encoded: EncodedDemand;
    try {
      encoded = encodeDemand(parts, this.waiters.of(parts), this.entries, this.runner.isCluster);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a PolicyConfigError, or what the user's hashTag threw, unchanged
      return Promise.reject(error);
    }
    // a key this process has not used yet: its requests ramp up from one (see process-ramp.ts)
    const ramp = this.ramp;
    const ramped = ramp?.take(parts, now);
    if (ramped !== undefined && ramped > 0) {
      // answered after the acquires already on their way, as Redis would have: the limiter queues calls in the
      // order their answers arrive (a refusal answered at once would overtake the calls before it)
      const before = this.lastSent;
      return before === undefined ? Promise.resolve(ramped) : before.then(() => ramped, () => ramped);
    }
    const sent = new Promise<number>((resolve, reject) => {
      if (ramped === undefined) {
        this.batcher.add({ keys: encoded.keys, argv: encoded.argv, tag: encoded.tag, parts, now, resolve, reject });
        return;
      }
      // the ramp's take goes back if Redis refuses or fails
      this.batcher.add({
        keys: encoded.keys,
        argv: encoded.argv,
        tag: encoded.tag,
        parts,
        now,
        resolve: (wait) => {
          if (wait !== 0) ramp?.giveBack(parts);
          resolve(wait);
        },
        reject: (error) => {
          ramp?.giveBack(parts);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the store's own error (StoreUnavailableError, a failed send), unchanged
          reject(error);
        },
      });
    });
    if (ramp !== undefined) this.lastSent = sent;
    return sent;
  }

  /**
   * Decides several demands in one round trip (see `LimiterStore.acquireMany`): they are sent together, in order,
   * as one script call, which serves them in FIFO order per key combination.
   */
  acquireMany(demands: ReadonlyArray<readonly DemandPart[]>, now: number): Promise<number[]> {
    return Promise.all(demands.map((parts) => this.acquire(parts, now)));
  }

  /** @inheritDoc */
  async settle(spec: LimitSpec, deltaTokens: number, now: number, deltaRequests = 0): Promise<void> {
    if (!Number.isFinite(deltaTokens) || !Number.isFinite(deltaRequests) || (deltaTokens === 0 && deltaRequests === 0)) return;
    const reply = await this.runner.run(COMMANDS.settle, settleArgs(this.entries.entry(spec), deltaTokens, deltaRequests));
    if (reply === FAILED) this.fallback.settle(spec, deltaTokens, now, deltaRequests);
  }

  /** @inheritDoc */
  async cooldown(spec: LimitSpec, untilMs: number, now: number): Promise<void> {
    const ms = untilMs - now;
    if (!(ms > 0) || !Number.isFinite(ms)) return;
    const reply = await this.runner.run(COMMANDS.cooldown, cooldownArgs(this.entries.entry(spec), ms));
    if (reply === FAILED) this.fallback.cooldown(spec, untilMs, now);
  }

  /** @inheritDoc */
  async observe(spec: LimitSpec, snapshot: RateLimitSnapshot, now: number): Promise<boolean> {
    const local = this.fallback.observe(spec, snapshot, now);
    const reply = await this.runner.run(COMMANDS.observe, observeArgs(this.entries.entry(spec), snapshot));
    return reply === FAILED ? local : Number(reply) === 1;
  }

  /**
   * The key's state as Redis holds it (the fallback store's under `'local'` while degraded).
   * `cooldownUntil` is translated to the caller's clock (`now` + the time left by Redis's clock).
   */
  async view(spec: LimitSpec, now: number): Promise<KeyView | undefined> {
    const reply = await this.runner.run(COMMANDS.view, viewArgs(this.entries.entry(spec)));
    if (reply === FAILED) return this.fallback.view(spec, now);
    return decodeView(reply, now);
  }

  /** Sends one batch of acquires as one script call and answers each demand (from Redis, or the fallback). */
  private async send(batch: readonly Demand[]): Promise<void> {
    const reply = await this.runner.run(COMMANDS.acquire, acquireArgs(batch));
    if (reply !== FAILED) {
      if (isAcquireReply(reply, batch.length)) {
        for (let i = 0; i < batch.length; i++) batch[i].resolve(decodeWait(reply[i]));
        return;
      }
      this.runner.rejectReply(new Error(`unexpected acquire reply from Redis: ${JSON.stringify(reply)}`));
    }
    // the fallback, with the script's FIFO: once a waiter id's demand waits, its later demands wait too
    let blocked: Map<string, number> | undefined;
    for (const demand of batch) {
      const id = demand.argv[0];
      const wait = blocked?.get(id);
      if (wait !== undefined) {
        demand.resolve(wait);
        continue;
      }
      try {
        const result = this.fallback.acquire(demand.parts, demand.now, this.unavailable);
        if (result > 0) (blocked ??= new Map()).set(id, result);
        demand.resolve(result);
      } catch (error) {
        demand.reject(error);
      }
    }
  }

  /** The cause of a `'fail-closed'` refusal. */
  private readonly unavailable = (): Error => {
    const lastError = this.runner.lastError;
    const reason = lastError instanceof Error ? lastError.message : 'Redis is unavailable';
    return new Error(`RedisStore (prefix "${this.prefix}"): ${reason}; onStoreError is "fail-closed", so calls are refused until Redis answers`, {
      cause: lastError,
    });
  };
}
