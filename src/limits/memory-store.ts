/**
 * The default, in-process limiter store: token buckets with continuous refill per key.
 * @packageDocumentation
 */

import { Bucket, REQUESTS, TOKENS } from './bucket';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers';
import { DAY_BUDGET_SPENT, NEVER_FITS, type DemandPart, type KeyView, type LimitSpec, type LimiterStore } from './store';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

class KeyBuckets {
  readonly requests = new Bucket(REQUESTS);
  readonly tokens = new Bucket(TOKENS);
  cooldownUntil = 0;
  dayStart = 0;
  dayUsed = 0;
  /** No demand has been taken from the key yet: its first one is granted whole. */
  fresh = true;
  /** When the key was last used (an idle sweep never drops a key used since a minute). */
  touched = 0;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most keys kept; past it, keys whose buckets are full and idle are dropped (they would start full anyway).
   * Default 100000.
   */
  readonly maxKeys?: number;
}

/** In-process token buckets (the default store). State is per process: use the Redis store for a fleet. */
export class MemoryStore implements LimiterStore {
  private readonly keys = new Map<string, KeyBuckets>();
  private readonly maxKeys: number;
  /** Size at which the next eviction sweep runs (sweeps are amortised: never one per new key). */
  private sweepAt: number;

  /** @param options - see {@link MemoryStoreOptions}. */
  constructor(options: MemoryStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
    this.sweepAt = this.maxKeys;
  }

  /** Number of keys with state. */
  get size(): number {
    return this.keys.size;
  }

  /** @inheritDoc */
  acquire(parts: readonly DemandPart[], now: number): number {
    if (parts.length === 1) {
      // One key (the common case): check and take without a second lookup.
      const part = parts[0];
      const state = this.state(part.spec, now);
      const wait = this.waitOf(state, part, now);
      if (wait !== 0) return wait;
      this.take(state, part);
      return 0;
    }
    // The states are held here: creating a key may sweep idle ones, and parts name distinct keys.
    const states = new Array<KeyBuckets>(parts.length);
    let wait = 0;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const state = (states[i] = this.state(part.spec, now));
      const partWait = this.waitOf(state, part, now);
      if (partWait < 0) return partWait;
      if (partWait > wait) wait = partWait;
    }
    if (wait > 0) return wait;
    // waitOf ran on each bucket just now, and parts name distinct keys, so each take follows its own check.
    for (let i = 0; i < parts.length; i++) this.take(states[i], parts[i]);
    return 0;
  }

  /**
   * @inheritDoc
   * In process, this is {@link MemoryStore.acquire} per demand until one must wait; the later demands get that
   * wait without being looked at.
   */
  acquireMany(demands: ReadonlyArray<readonly DemandPart[]>, now: number): number[] {
    const results = new Array<number>(demands.length);
    let blocked = 0;
    for (let i = 0; i < demands.length; i++) {
      if (blocked > 0) {
        results[i] = blocked;
        continue;
      }
      const result = this.acquire(demands[i], now);
      if (result > 0) blocked = result;
      results[i] = result;
    }
    return results;
  }

  /**
   * Refills the key's buckets to `now`: ms until the part fits (0: now), {@link DAY_BUDGET_SPENT}, or
   * {@link NEVER_FITS} (more tokens than the per-minute limit in force, configured or learned).
   */
  private waitOf(state: KeyBuckets, part: DemandPart, now: number): number {
    const spec = part.spec;
    let wait = state.cooldownUntil > now ? state.cooldownUntil - now : 0;
    if (part.requests > 0) {
      const w = state.requests.waitFor(spec, part.requests, now);
      if (w > wait) wait = w;
    }
    if (part.tokens > 0) {
      const tokens = state.tokens;
      const perMinute = tokens.perMinute(spec);
      if (perMinute !== undefined && part.tokens > perMinute) return NEVER_FITS;
      if (state.fresh) tokens.creditFirst(spec, part.tokens, now);
      const w = tokens.waitFor(spec, part.tokens, now);
      if (w > wait) wait = w;
      if (spec.tokensPerDay !== undefined) {
        this.rollDay(state, now);
        if (state.dayUsed + part.tokens > spec.tokensPerDay) return DAY_BUDGET_SPENT;
      }
    }
    return wait;
  }

  private take(state: KeyBuckets, part: DemandPart): void {
    state.fresh = false;
    if (part.requests > 0) state.requests.take(part.requests);
    if (part.tokens > 0) {
      state.tokens.take(part.tokens);
      state.dayUsed += part.tokens;
    }
  }

  /** @inheritDoc */
  settle(spec: LimitSpec, deltaTokens: number, now: number, deltaRequests = 0): void {
    if (deltaTokens === 0 && deltaRequests === 0) return;
    const state = this.state(spec, now);
    if (deltaRequests !== 0) state.requests.settle(spec, deltaRequests, now);
    if (deltaTokens === 0) return;
    // a charge above one minute of the limit in force (configured or learned) cannot be true: bounded to it
    const perMinute = state.tokens.perMinute(spec);
    const charge = perMinute !== undefined && deltaTokens > perMinute ? perMinute : deltaTokens;
    state.tokens.settle(spec, charge, now);
    this.rollDay(state, now);
    state.dayUsed = Math.max(0, state.dayUsed + charge);
  }

  /** @inheritDoc */
  cooldown(spec: LimitSpec, untilMs: number, now: number): void {
    const state = this.state(spec, now);
    if (untilMs > state.cooldownUntil) state.cooldownUntil = untilMs;
  }

  /** @inheritDoc */
  observe(spec: LimitSpec, snapshot: RateLimitSnapshot, now: number): boolean {
    const state = this.state(spec, now);
    const requests = snapshot.requests !== undefined && state.requests.observe(spec, snapshot.requests, now);
    const reported = snapshot.tokens ?? snapshot.inputTokens;
    const tokens = reported !== undefined && state.tokens.observe(spec, reported, now);
    return requests || tokens;
  }

  /** @inheritDoc */
  view(spec: LimitSpec, now: number): KeyView | undefined {
    const state = this.keys.get(spec.key);
    if (state === undefined) return undefined;
    this.rollDay(state, now);
    return {
      requests: state.requests.levelAt(spec, now),
      tokens: state.tokens.levelAt(spec, now),
      cooldownUntil: state.cooldownUntil > now ? state.cooldownUntil : 0,
      dayUsed: state.dayUsed,
      requestsPerMinute: state.requests.perMinute(spec),
      tokensPerMinute: state.tokens.perMinute(spec),
    };
  }

  private state(spec: LimitSpec, now: number): KeyBuckets {
    let state = this.keys.get(spec.key);
    if (state === undefined) {
      if (this.keys.size >= this.sweepAt) this.evictIdle(now);
      state = new KeyBuckets();
      // A new key starts nearly empty — one request, and its first demand's tokens (see waitOf) — and fills at
      // the quota rate: the provider's bucket may still be drained by a previous process, and a cold SDK holds a
      // first burst back, then releases it together with what follows. The first response's headers say whether
      // the provider is idle; if so, Bucket.observe fills the burst.
      state.requests.level = Math.min(1, state.requests.capacity(spec));
      state.requests.at = now;
      state.tokens.at = now;
      state.dayStart = dayStart(now);
      this.keys.set(spec.key, state);
    }
    state.touched = now;
    return state;
  }

  private rollDay(state: KeyBuckets, now: number): void {
    const start = dayStart(now);
    if (start !== state.dayStart) {
      state.dayStart = start;
      state.dayUsed = 0;
    }
  }

  /**
   * Drops keys unused for a minute, with no cooldown and no daily usage to remember: their buckets are out of debt
   * (a debt never exceeds a minute of the limit), and a key created again starts nearly empty, so dropping one
   * never grants more than keeping it would. A key used by the current call is never dropped.
   */
  private evictIdle(now: number): void {
    for (const [key, state] of this.keys) {
      if (now - state.touched >= MINUTE_MS && state.cooldownUntil <= now && state.dayUsed === 0) this.keys.delete(key);
    }
    // If most keys are busy, let the map grow before sweeping again, so a sweep costs O(1) per new key.
    this.sweepAt = Math.max(this.maxKeys, this.keys.size * 2);
  }
}

function dayStart(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}
