/**
 * The default, in-process limiter store: token buckets with continuous refill per key.
 * @packageDocumentation
 */

import type { RateLimitSnapshot } from './rate-limit-headers';
import {
  DAY_BUDGET_SPENT,
  LEARNING_REQUESTS_PER_MINUTE,
  type DemandPart,
  type KeyView,
  type LimitSpec,
  type LimiterStore,
} from './store';
import { refill, waitFor } from './token-bucket';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

class KeyState {
  requests = Number.NaN;
  requestsAt = 0;
  tokens = Number.NaN;
  tokensAt = 0;
  cooldownUntil = 0;
  dayStart = 0;
  dayUsed = 0;
  learnedRpm: number | undefined = undefined;
  learnedTpm: number | undefined = undefined;
}

function requestsPerMinute(spec: LimitSpec, state: KeyState): number | undefined {
  if (spec.requestsPerMinute !== undefined) return spec.requestsPerMinute;
  if (!spec.learnRequests) return undefined;
  return state.learnedRpm ?? LEARNING_REQUESTS_PER_MINUTE;
}

function requestCapacity(spec: LimitSpec, state: KeyState): number {
  if (spec.requestsPerMinute !== undefined) return spec.requestBurst;
  return state.learnedRpm === undefined ? 1 : Math.max(1, state.learnedRpm / 60);
}

function tokensPerMinute(spec: LimitSpec, state: KeyState): number | undefined {
  if (spec.tokensPerMinute !== undefined) return spec.tokensPerMinute;
  return spec.learnTokens ? state.learnedTpm : undefined;
}

function tokenCapacity(spec: LimitSpec, state: KeyState): number {
  if (spec.tokensPerMinute !== undefined) return spec.tokenBurst;
  return (state.learnedTpm ?? 0) / 60;
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
  private readonly keys = new Map<string, KeyState>();
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
    let wait = 0;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const spec = part.spec;
      const state = this.state(spec, now);
      if (state.cooldownUntil > now) wait = Math.max(wait, state.cooldownUntil - now);
      if (part.requests > 0) {
        const rpm = requestsPerMinute(spec, state);
        if (rpm !== undefined) {
          const capacity = requestCapacity(spec, state);
          state.requests = refill(state.requests, state.requestsAt, now, capacity, rpm / MINUTE_MS);
          state.requestsAt = now;
          wait = Math.max(wait, waitFor(state.requests, part.requests, capacity, rpm / MINUTE_MS));
        }
      }
      if (part.tokens > 0) {
        const tpm = tokensPerMinute(spec, state);
        if (tpm !== undefined) {
          const capacity = tokenCapacity(spec, state);
          state.tokens = refill(state.tokens, state.tokensAt, now, capacity, tpm / MINUTE_MS);
          state.tokensAt = now;
          wait = Math.max(wait, waitFor(state.tokens, part.tokens, capacity, tpm / MINUTE_MS));
        }
        if (spec.tokensPerDay !== undefined) {
          this.rollDay(state, now);
          if (state.dayUsed + part.tokens > spec.tokensPerDay) return DAY_BUDGET_SPENT;
        }
      }
    }
    if (wait > 0) return wait;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const state = this.keys.get(part.spec.key)!;
      if (part.requests > 0 && requestsPerMinute(part.spec, state) !== undefined) state.requests -= part.requests;
      if (part.tokens > 0) {
        if (tokensPerMinute(part.spec, state) !== undefined) state.tokens -= part.tokens;
        state.dayUsed += part.tokens;
      }
    }
    return 0;
  }

  /** @inheritDoc */
  settle(spec: LimitSpec, deltaTokens: number, now: number): void {
    if (deltaTokens === 0) return;
    const state = this.state(spec, now);
    const tpm = tokensPerMinute(spec, state);
    if (tpm !== undefined) {
      const capacity = tokenCapacity(spec, state);
      state.tokens = Math.min(capacity, refill(state.tokens, state.tokensAt, now, capacity, tpm / MINUTE_MS) - deltaTokens);
      state.tokensAt = now;
    }
    this.rollDay(state, now);
    state.dayUsed = Math.max(0, state.dayUsed + deltaTokens);
  }

  /** @inheritDoc */
  cooldown(spec: LimitSpec, untilMs: number, now: number): void {
    const state = this.state(spec, now);
    if (untilMs > state.cooldownUntil) state.cooldownUntil = untilMs;
  }

  /** @inheritDoc */
  observe(spec: LimitSpec, snapshot: RateLimitSnapshot, now: number): void {
    const state = this.state(spec, now);
    const req = snapshot.requests;
    if (req !== undefined) {
      if (spec.learnRequests && req.limit !== undefined && req.limit > 0 && req.limit !== state.learnedRpm) {
        state.learnedRpm = req.limit;
      }
      const rpm = requestsPerMinute(spec, state);
      if (rpm !== undefined && req.remaining !== undefined) {
        const capacity = requestCapacity(spec, state);
        const level = refill(state.requests, state.requestsAt, now, capacity, rpm / MINUTE_MS);
        state.requests = req.remaining < level ? req.remaining : level;
        state.requestsAt = now;
      }
    }
    const tok = snapshot.tokens ?? snapshot.inputTokens;
    if (tok !== undefined) {
      if (spec.learnTokens && tok.limit !== undefined && tok.limit > 0 && tok.limit !== state.learnedTpm) {
        // Until learned the token capacity is 0, so the bucket is empty here and fills at the learned rate.
        state.learnedTpm = tok.limit;
      }
      const tpm = tokensPerMinute(spec, state);
      if (tpm !== undefined && tok.remaining !== undefined) {
        const capacity = tokenCapacity(spec, state);
        const level = refill(state.tokens, state.tokensAt, now, capacity, tpm / MINUTE_MS);
        state.tokens = tok.remaining < level ? tok.remaining : level;
        state.tokensAt = now;
      }
    }
  }

  /** @inheritDoc */
  view(spec: LimitSpec, now: number): KeyView | undefined {
    const state = this.keys.get(spec.key);
    if (state === undefined) return undefined;
    const rpm = requestsPerMinute(spec, state);
    const tpm = tokensPerMinute(spec, state);
    this.rollDay(state, now);
    return {
      requests: rpm === undefined ? undefined : refill(state.requests, state.requestsAt, now, requestCapacity(spec, state), rpm / MINUTE_MS),
      tokens: tpm === undefined ? undefined : refill(state.tokens, state.tokensAt, now, tokenCapacity(spec, state), tpm / MINUTE_MS),
      cooldownUntil: state.cooldownUntil > now ? state.cooldownUntil : 0,
      dayUsed: state.dayUsed,
      requestsPerMinute: rpm,
      tokensPerMinute: tpm,
    };
  }

  private state(spec: LimitSpec, now: number): KeyState {
    let state = this.keys.get(spec.key);
    if (state === undefined) {
      if (this.keys.size >= this.sweepAt) this.evictIdle(now);
      state = new KeyState();
      // A new key starts nearly empty (one request, no tokens) and fills at the quota rate: the provider's
      // bucket may still be drained by a previous process, and a cold SDK holds a first burst back, then
      // releases it together with what follows.
      state.requests = Math.min(1, requestCapacity(spec, state));
      state.requestsAt = now;
      state.tokens = 0;
      state.tokensAt = now;
      state.dayStart = dayStart(now);
      this.keys.set(spec.key, state);
    }
    return state;
  }

  private rollDay(state: KeyState, now: number): void {
    const start = dayStart(now);
    if (start !== state.dayStart) {
      state.dayStart = start;
      state.dayUsed = 0;
    }
  }

  /** Drops keys that have been idle long enough to be full again (a full bucket is the same as no state). */
  private evictIdle(now: number): void {
    for (const [key, state] of this.keys) {
      const idleMs = now - Math.max(state.requestsAt, state.tokensAt);
      if (idleMs >= MINUTE_MS && state.cooldownUntil <= now && state.dayUsed === 0) this.keys.delete(key);
    }
    // If most keys are busy, let the map grow before sweeping again, so a sweep costs O(1) per new key.
    this.sweepAt = Math.max(this.maxKeys, this.keys.size * 2);
  }
}

function dayStart(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}
