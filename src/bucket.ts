/**
 * One resource's bucket of one key (requests or tokens) for the in-memory store: its level, and the limit in
 * force (configured, learned from the provider, or the conservative start).
 * @packageDocumentation
 */

import type { ResourceSnapshot } from './rate-limit-headers';
import { LEARNING_REQUESTS_PER_MINUTE, type LimitSpec } from './store';
import { refill, waitFor } from './token-bucket';

const MINUTE_MS = 60_000;

/** How a resource reads its limits from a {@link LimitSpec}. */
export interface Resource {
  /** The configured per-minute limit. */
  perMinute(spec: LimitSpec): number | undefined;
  /** The configured bucket capacity. */
  burst(spec: LimitSpec): number;
  /** Whether the limit is learned from headers when not configured. */
  learns(spec: LimitSpec): boolean;
  /** Per-minute rate before anything is learned (undefined: not limited until learned). */
  readonly unlearnedPerMinute: number | undefined;
  /** Capacity before anything is learned. */
  readonly unlearnedCapacity: number;
  /** Smallest capacity once learned (a request is never split). */
  readonly minCapacity: number;
}

/** Requests: unknown limits start at one request at a time, 1 per second. */
export const REQUESTS: Resource = {
  perMinute: (spec) => spec.requestsPerMinute,
  burst: (spec) => spec.requestBurst,
  learns: (spec) => spec.learnRequests,
  unlearnedPerMinute: LEARNING_REQUESTS_PER_MINUTE,
  unlearnedCapacity: 1,
  minCapacity: 1,
};

/** Tokens: unknown limits are not enforced until learned. */
export const TOKENS: Resource = {
  perMinute: (spec) => spec.tokensPerMinute,
  burst: (spec) => spec.tokenBurst,
  learns: (spec) => spec.learnTokens,
  unlearnedPerMinute: undefined,
  unlearnedCapacity: 0,
  minCapacity: 0,
};

/** A continuous-refill bucket whose limit may be learned. */
export class Bucket {
  /** Level at {@link Bucket.at} (negative: debt). */
  level = 0;
  /** When {@link Bucket.level} was recorded. */
  at = 0;
  /** Per-minute limit learned from the provider's headers. */
  learned: number | undefined = undefined;

  /** @param resource - requests or tokens. */
  constructor(private readonly resource: Resource) {}

  /** The per-minute limit in force, or undefined when this resource is not limited. */
  perMinute(spec: LimitSpec): number | undefined {
    const configured = this.resource.perMinute(spec);
    if (configured !== undefined) return configured;
    if (!this.resource.learns(spec)) return undefined;
    return this.learned ?? this.resource.unlearnedPerMinute;
  }

  /** The capacity in force. */
  capacity(spec: LimitSpec): number {
    if (this.resource.perMinute(spec) !== undefined) return this.resource.burst(spec);
    if (this.learned === undefined) return this.resource.unlearnedCapacity;
    return Math.max(this.resource.minCapacity, this.learned / 60);
  }

  /** Refills to `now` and returns the ms until `amount` fits (0: fits now); 0 when not limited. */
  waitFor(spec: LimitSpec, amount: number, now: number): number {
    const perMinute = this.perMinute(spec);
    if (perMinute === undefined) return 0;
    const capacity = this.capacity(spec);
    this.level = refill(this.level, this.at, now, capacity, perMinute / MINUTE_MS);
    this.at = now;
    return waitFor(this.level, amount, capacity, perMinute / MINUTE_MS);
  }

  /** Takes `amount` (after {@link Bucket.waitFor} said it fits); no-op when not limited. */
  take(spec: LimitSpec, amount: number): void {
    if (this.perMinute(spec) !== undefined) this.level -= amount;
  }

  /** Charges (`delta > 0`) or refunds (`delta < 0`), never above capacity. */
  settle(spec: LimitSpec, delta: number, now: number): void {
    const perMinute = this.perMinute(spec);
    if (perMinute === undefined) return;
    const capacity = this.capacity(spec);
    this.level = Math.min(capacity, refill(this.level, this.at, now, capacity, perMinute / MINUTE_MS) - delta);
    this.at = now;
  }

  /** Learns a missing limit and adopts a lower provider-reported remaining. */
  observe(spec: LimitSpec, reported: ResourceSnapshot, now: number): void {
    if (this.resource.learns(spec) && reported.limit !== undefined && reported.limit > 0) this.learned = reported.limit;
    const perMinute = this.perMinute(spec);
    if (perMinute === undefined || reported.remaining === undefined) return;
    const capacity = this.capacity(spec);
    const level = refill(this.level, this.at, now, capacity, perMinute / MINUTE_MS);
    this.level = reported.remaining < level ? reported.remaining : level;
    this.at = now;
  }

  /** The level now, or undefined when not limited. */
  levelAt(spec: LimitSpec, now: number): number | undefined {
    const perMinute = this.perMinute(spec);
    return perMinute === undefined ? undefined : refill(this.level, this.at, now, this.capacity(spec), perMinute / MINUTE_MS);
  }
}
