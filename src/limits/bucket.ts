/**
 * One resource's bucket of one key (requests or tokens) for the in-memory store: its level, and the limit in
 * force (configured, learned from the provider, or the conservative start).
 * @packageDocumentation
 */

import type { ResourceSnapshot } from '../providers/rate-limit-headers';
import { LEARNING_REQUESTS_PER_MINUTE, type LimitSpec } from './store';
import { refill, waitFor } from './token-bucket';

const MINUTE_MS = 60_000;

/** How a resource reads its limits from a {@link LimitSpec}: plain fields, so the hot path makes no calls. */
export interface Resource {
  /** True for the token bucket (reads the `token*` fields of the spec), false for requests. */
  readonly tokens: boolean;
  /** Per-minute rate before anything is learned (undefined: not limited until learned). */
  readonly unlearnedPerMinute: number | undefined;
  /** Capacity before anything is learned. */
  readonly unlearnedCapacity: number;
  /** Smallest capacity once learned (a request is never split). */
  readonly minCapacity: number;
}

/** Requests: unknown limits start at one request at a time, 1 per second. */
export const REQUESTS: Resource = { tokens: false, unlearnedPerMinute: LEARNING_REQUESTS_PER_MINUTE, unlearnedCapacity: 1, minCapacity: 1 };

/** Tokens: unknown limits are not enforced until learned. */
export const TOKENS: Resource = { tokens: true, unlearnedPerMinute: undefined, unlearnedCapacity: 0, minCapacity: 0 };

/** A continuous-refill bucket whose limit may be learned. */
export class Bucket {
  /** Level at {@link Bucket.at} (negative: debt). */
  level = 0;
  /** When {@link Bucket.level} was recorded. */
  at = 0;
  /** Per-minute limit learned from the provider's headers. */
  learned: number | undefined = undefined;
  /** Whether the last {@link Bucket.waitFor} found the bucket limited (read by {@link Bucket.take}). */
  private limited = false;
  /** Whether the provider's headers have reported this resource yet (see {@link Bucket.observe}). */
  private observed = false;
  /** What was taken before the first observation: none of it can be assumed in the provider's books yet. */
  private coldTaken = 0;

  /** @param resource - requests or tokens. */
  constructor(private readonly resource: Resource) {}

  /** The per-minute limit in force, or undefined when this resource is not limited. */
  perMinute(spec: LimitSpec): number | undefined {
    const resource = this.resource;
    const configured = resource.tokens ? spec.tokensPerMinute : spec.requestsPerMinute;
    if (configured !== undefined) return configured;
    if (!this.learns(spec)) return undefined;
    return this.learned ?? resource.unlearnedPerMinute;
  }

  /** Whether this resource's limit is learned from headers when not configured. */
  learns(spec: LimitSpec): boolean {
    return this.resource.tokens ? spec.learnTokens : spec.learnRequests;
  }

  /** The capacity in force. */
  capacity(spec: LimitSpec): number {
    const resource = this.resource;
    if ((resource.tokens ? spec.tokensPerMinute : spec.requestsPerMinute) !== undefined) {
      return resource.tokens ? spec.tokenBurst : spec.requestBurst;
    }
    if (this.learned === undefined) return resource.unlearnedCapacity;
    return Math.max(resource.minCapacity, this.learned / 60);
  }

  /** Refills to `now` and returns the ms until `amount` fits (0: fits now); 0 when not limited. */
  waitFor(spec: LimitSpec, amount: number, now: number): number {
    const perMinute = this.perMinute(spec);
    this.limited = perMinute !== undefined;
    if (perMinute === undefined) return 0;
    const capacity = this.capacity(spec);
    const ratePerMs = perMinute / MINUTE_MS;
    this.level = refill(this.level, this.at, now, capacity, ratePerMs);
    this.at = now;
    return waitFor(this.level, amount, capacity, ratePerMs);
  }

  /** Takes `amount` right after {@link Bucket.waitFor} said it fits; no-op when not limited. */
  take(amount: number): void {
    if (!this.limited) return;
    this.level -= amount;
    if (!this.observed) this.coldTaken += amount;
  }

  /**
   * A new key's first demand is granted whole: raises the level (refilled to `now`) to the demand, at most the
   * capacity. Call right before {@link Bucket.waitFor}.
   */
  creditFirst(spec: LimitSpec, amount: number, now: number): void {
    const perMinute = this.perMinute(spec);
    if (perMinute === undefined) return;
    const capacity = this.capacity(spec);
    const level = refill(this.level, this.at, now, capacity, perMinute / MINUTE_MS);
    const credit = amount < capacity ? amount : capacity;
    this.level = level > credit ? level : credit;
    this.at = now;
  }

  /**
   * Charges (`delta > 0`) or refunds (`delta < 0`), never above capacity. A charge is bounded to one minute of the
   * limit in force, and so is the debt (one absurd usage figure cannot pause the key for more than a minute).
   */
  settle(spec: LimitSpec, delta: number, now: number): void {
    const perMinute = this.perMinute(spec);
    if (perMinute === undefined) return;
    const capacity = this.capacity(spec);
    const charge = delta > perMinute ? perMinute : delta;
    const level = refill(this.level, this.at, now, capacity, perMinute / MINUTE_MS) - charge;
    this.level = level > capacity ? capacity : level < -perMinute ? -perMinute : level;
    this.at = now;
  }

  /**
   * Learns a missing limit and adopts a lower provider-reported remaining. The first report of the resource also
   * says how much of the provider's burst is surely free: its capacity less what the provider reports used
   * (`limit - remaining`) and less what this bucket granted before (in flight, perhaps not yet counted there);
   * the level is raised to that (an idle provider: the whole burst, less the calls already sent).
   * @returns true when the limit in force changed or the level was raised (waiting calls may fit now).
   */
  observe(spec: LimitSpec, reported: ResourceSnapshot, now: number): boolean {
    let changed = false;
    if (this.learns(spec) && reported.limit !== undefined && reported.limit > 0 && reported.limit !== this.learned) {
      this.learned = reported.limit;
      changed = true;
    }
    const perMinute = this.perMinute(spec);
    if (perMinute === undefined) return changed;
    const capacity = this.capacity(spec);
    let level = refill(this.level, this.at, now, capacity, perMinute / MINUTE_MS);
    const { limit, remaining } = reported;
    if (!this.observed && limit !== undefined && remaining !== undefined) {
      this.observed = true;
      const used = limit > remaining ? limit - remaining : 0;
      const free = capacity - used - this.coldTaken;
      this.coldTaken = 0;
      if (free > level) {
        level = free;
        changed = true;
      }
    }
    if (remaining !== undefined && remaining < level) level = remaining;
    this.level = level;
    this.at = now;
    return changed;
  }

  /** The level now, or undefined when not limited. */
  levelAt(spec: LimitSpec, now: number): number | undefined {
    const perMinute = this.perMinute(spec);
    return perMinute === undefined ? undefined : refill(this.level, this.at, now, this.capacity(spec), perMinute / MINUTE_MS);
  }
}
