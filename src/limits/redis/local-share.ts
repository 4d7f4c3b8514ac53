/**
 * What the Redis store does while Redis is unreachable, slow or erroring: the outage modes, and the in-process
 * fallback store at a fleet member's share of the limits.
 * @packageDocumentation
 */

import { StoreUnavailableError } from '../../errors';
import { MemoryStore } from '../memory-store';
import type { RateLimitSnapshot, ResourceSnapshot } from '../../providers/rate-limit-headers';
import type { DemandPart, KeyView, LimitSpec } from '../store';

/**
 * Behaviour while Redis cannot answer:
 * - `'local'`: an in-process token bucket at the limits divided by the number of live processes sharing them
 *   (counted by the fleet's heartbeat; the `instances` option until Redis has answered once) keeps limiting;
 * - `'fail-closed'`: acquires reject with `StoreUnavailableError`;
 * - `'fail-open'`: acquires are granted without limiting.
 */
export type StoreErrorMode = 'local' | 'fail-closed' | 'fail-open';

/** Every {@link StoreErrorMode}, for validation. */
export const STORE_ERROR_MODES: readonly StoreErrorMode[] = ['local', 'fail-closed', 'fail-open'];

/** In-process limits for the `'local'` mode: each spec scaled to one instance's share. */
export class LocalShare {
  /** The in-process store. */
  readonly store = new MemoryStore();
  private scaled = new WeakMap<LimitSpec, LimitSpec>();
  private scaledParts = new WeakMap<readonly DemandPart[], readonly DemandPart[]>();
  private n: number;

  /** @param instances - number of processes sharing the limits (≥ 1). */
  constructor(instances: number) {
    this.n = instances;
  }

  /** Number of processes sharing the limits (≥ 1). */
  get instances(): number {
    return this.n;
  }

  /**
   * Changes the number of processes sharing the limits (the heartbeat counted them): later operations use the new
   * share; the in-process buckets keep their levels.
   * @param instances - the new count (≥ 1; anything else is ignored).
   */
  resize(instances: number): void {
    if (!(instances >= 1) || instances === this.n || !Number.isFinite(instances)) return;
    this.n = instances;
    this.scaled = new WeakMap();
    this.scaledParts = new WeakMap();
  }

  /**
   * The spec at this instance's share: every configured limit and burst divided by `instances`.
   * @param spec - the fleet-wide limits.
   */
  spec(spec: LimitSpec): LimitSpec {
    if (this.instances === 1) return spec;
    let local = this.scaled.get(spec);
    if (local === undefined) {
      const n = this.instances;
      local = {
        key: spec.key,
        requestsPerMinute: div(spec.requestsPerMinute, n),
        requestBurst: spec.requestBurst / n,
        tokensPerMinute: div(spec.tokensPerMinute, n),
        tokenBurst: spec.tokenBurst / n,
        tokensPerDay: div(spec.tokensPerDay, n),
        learnRequests: spec.learnRequests,
        learnTokens: spec.learnTokens,
      };
      this.scaled.set(spec, local);
    }
    return local;
  }

  /**
   * A demand with every part's spec at this instance's share (cached per parts array).
   * @param parts - the demand against the fleet-wide limits.
   */
  parts(parts: readonly DemandPart[]): readonly DemandPart[] {
    if (this.instances === 1) return parts;
    let local = this.scaledParts.get(parts);
    if (local === undefined) {
      local = parts.map((p) => ({ spec: this.spec(p.spec), requests: p.requests, tokens: p.tokens }));
      this.scaledParts.set(parts, local);
    }
    return local;
  }

  /**
   * A provider snapshot at this instance's share (learned limits and remaining divided by `instances`).
   * @param snapshot - what the provider reported for the whole fleet.
   */
  snapshot(snapshot: RateLimitSnapshot): RateLimitSnapshot {
    if (this.instances === 1) return snapshot;
    const out: { -readonly [K in keyof RateLimitSnapshot]: RateLimitSnapshot[K] } = {};
    if (snapshot.requests !== undefined) out.requests = this.resource(snapshot.requests);
    if (snapshot.tokens !== undefined) out.tokens = this.resource(snapshot.tokens);
    if (snapshot.inputTokens !== undefined) out.inputTokens = this.resource(snapshot.inputTokens);
    if (snapshot.outputTokens !== undefined) out.outputTokens = this.resource(snapshot.outputTokens);
    return out;
  }

  private resource(resource: ResourceSnapshot): ResourceSnapshot {
    return {
      limit: resource.limit === undefined ? undefined : resource.limit / this.instances,
      remaining: resource.remaining === undefined ? undefined : resource.remaining / this.instances,
      resetMs: resource.resetMs,
      perMinute: resource.perMinute,
      mostRestrictive: resource.mostRestrictive,
    };
  }
}

/**
 * The `onStoreError` answer to each store operation Redis could not take. Under `'local'` the operations go
 * to a {@link LocalShare}; the other modes keep no state.
 */
export class OutageFallback {
  private readonly local: LocalShare;

  /**
   * @param mode - the outage mode.
   * @param instances - number of processes sharing the limits (≥ 1), for `'local'`.
   */
  constructor(
    readonly mode: StoreErrorMode,
    instances: number,
  ) {
    this.local = new LocalShare(instances);
  }

  /** Processes the `'local'` mode divides the limits by. */
  get instances(): number {
    return this.local.instances;
  }

  /** Sets the number of live processes sharing the limits (from the fleet's heartbeat). */
  resize(instances: number): void {
    this.local.resize(instances);
  }

  /** What the store does while degraded, for the outage log line. */
  get description(): string {
    if (this.mode === 'local') return `limiting in-process at 1/${this.local.instances} of the limits`;
    if (this.mode === 'fail-closed') return 'rejecting calls (onStoreError "fail-closed")';
    return 'granting calls unlimited (onStoreError "fail-open")';
  }

  /**
   * An acquire Redis could not take.
   * @param parts - the demand.
   * @param now - the caller's clock.
   * @param unavailable - builds the cause of the `StoreUnavailableError` (under `'fail-closed'`).
   * @returns the local store's answer (`'local'`) or 0 (`'fail-open'`).
   * @throws StoreUnavailableError under `'fail-closed'`.
   */
  acquire(parts: readonly DemandPart[], now: number, unavailable: () => Error): number {
    if (this.mode === 'local') return this.local.store.acquire(this.local.parts(parts), now);
    if (this.mode === 'fail-open') return 0;
    throw new StoreUnavailableError(unavailable());
  }

  /** A settle Redis could not take (kept locally under `'local'`); see `LimiterStore.settle`. */
  settle(spec: LimitSpec, deltaTokens: number, now: number, deltaRequests: number): void {
    if (this.mode === 'local') this.local.store.settle(this.local.spec(spec), deltaTokens, now, deltaRequests);
  }

  /** A cooldown Redis could not take (kept locally under `'local'`); see `LimiterStore.cooldown`. */
  cooldown(spec: LimitSpec, untilMs: number, now: number): void {
    if (this.mode === 'local') this.local.store.cooldown(this.local.spec(spec), untilMs, now);
  }

  /**
   * A provider snapshot, learned locally under `'local'` whether or not Redis takes it too, so an outage starts
   * from the learned limits.
   * @returns whether the local limits in force changed or capacity was added (see `LimiterStore.observe`).
   */
  observe(spec: LimitSpec, snapshot: RateLimitSnapshot, now: number): boolean {
    if (this.mode !== 'local') return false;
    return this.local.store.observe(this.local.spec(spec), this.local.snapshot(snapshot), now);
  }

  /** The key's local state under `'local'`; undefined otherwise. */
  view(spec: LimitSpec, now: number): KeyView | undefined {
    return this.mode === 'local' ? this.local.store.view(this.local.spec(spec), now) : undefined;
  }
}

function div(value: number | undefined, n: number): number | undefined {
  return value === undefined ? undefined : value / n;
}
