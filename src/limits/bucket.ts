/**
 * One resource's bucket of one key (requests or tokens) for the in-memory store: its level, and the limit in
 * force (configured, learned from the provider, or the conservative start).
 * @packageDocumentation
 */

import type { ResourceSnapshot } from '../providers/rate-limit-headers';
import { LEARNING_REQUESTS_PER_MINUTE, type LimitSpec } from './store';
import { refill, waitFor } from './token-bucket';

const MINUTE_MS = 60_000;

/**
 * The margin kept between this bucket's account of the provider's window and the provider's own figure: 50 ms of
 * the per-minute rate. It covers calls still on their way (granted here, not yet counted there), so a provider that
 * kept what this bucket would refund is not credited with it unless more than 50 ms of grants are on their way at
 * once, and it leaves the provider 50 ms of slack at the quota's edge, so calls that reach it closer together than
 * they were granted (network and event-loop jitter) still fit. Its cost is 50 ms of quota, once.
 */
export const PROVIDER_MARGIN_MS = 50;

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

/**
 * A continuous-refill bucket whose limit may be learned.
 *
 * Refunds are given back as far as the provider confirms them. Once the provider has reported the resource
 * against the limit in force, the bucket keeps an account of the provider's per-minute window as if the provider
 * never gave anything back (capacity the per-minute limit, refilling at the same rate, less every take and charge)
 * and holds refunds (usage below the estimate, a take given back) instead of adding them to the level. Each report
 * keeps that account {@link PROVIDER_MARGIN_MS} below the provider's `remaining`: an account above it is lowered,
 * and the burst with it (the provider kept something, or another client used the quota); an account further below
 * releases held refunds up to the difference. A provider that refunds
 * unused `max_tokens` (Anthropic, the emulator by default) shows the difference one response later; one that keeps
 * the whole up-front charge (all OpenAI documents) never does, and nothing is given back that it kept. While the
 * quota is saturated the provider's `remaining` cannot show this any other way: its window then sits one burst
 * below the limit, whatever was refunded.
 */
export class Bucket {
  /** Level at {@link Bucket.at} (negative: debt). */
  level = 0;
  /** When {@link Bucket.level} was recorded. */
  at = 0;
  /** Per-minute limit learned from the provider's headers. */
  learned: number | undefined = undefined;
  /**
   * The provider's per-minute window as this bucket accounts for it, at {@link Bucket.at}: as if nothing were
   * refunded, plus the refunds released so far. Undefined until reported (refunds are then given back at once).
   */
  window: number | undefined = undefined;
  /** Refunds held until the provider's window confirms them. */
  held = 0;
  /** Whether the last {@link Bucket.waitFor} found the bucket limited (read by {@link Bucket.take}). */
  private limited = false;
  /** Whether the provider's headers have reported this resource yet (see {@link Bucket.observe}). */
  private observed = false;
  /** What was taken before the first observation (each grant is either in the provider's books or on its way). */
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

  /** Refills the level and the window to `now`. */
  private advance(now: number, capacity: number, perMinute: number): void {
    const ratePerMs = perMinute / MINUTE_MS;
    this.level = refill(this.level, this.at, now, capacity, ratePerMs);
    if (this.window !== undefined) this.window = refill(this.window, this.at, now, perMinute, ratePerMs);
    if (now > this.at) this.at = now;
  }

  /** Refills to `now` and returns the ms until `amount` fits (0: fits now); 0 when not limited. */
  waitFor(spec: LimitSpec, amount: number, now: number): number {
    const perMinute = this.perMinute(spec);
    this.limited = perMinute !== undefined;
    if (perMinute === undefined) return 0;
    const capacity = this.capacity(spec);
    this.advance(now, capacity, perMinute);
    return waitFor(this.level, amount, capacity, perMinute / MINUTE_MS);
  }

  /** Takes `amount` right after {@link Bucket.waitFor} said it fits; no-op when not limited. */
  take(amount: number): void {
    if (!this.limited) return;
    this.level -= amount;
    if (this.window !== undefined) this.window -= amount;
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
    this.advance(now, capacity, perMinute);
    const credit = amount < capacity ? amount : capacity;
    if (this.level < credit) this.level = credit;
  }

  /**
   * Charges (`delta > 0`) or refunds (`delta < 0`), never above capacity. A charge is bounded to one minute of the
   * limit in force, and so is the debt (one absurd usage figure cannot pause the key for more than a minute). A
   * refund is held until the provider confirms it once its window is known (see the class).
   */
  settle(spec: LimitSpec, delta: number, now: number): void {
    const perMinute = this.perMinute(spec);
    if (perMinute === undefined) return;
    const capacity = this.capacity(spec);
    this.advance(now, capacity, perMinute);
    if (delta < 0 && this.window !== undefined) {
      const held = this.held - delta;
      this.held = held < perMinute ? held : perMinute;
      return;
    }
    const charge = delta > perMinute ? perMinute : delta;
    const level = this.level - charge;
    this.level = level > capacity ? capacity : level < -perMinute ? -perMinute : level;
    if (this.window !== undefined) {
      const window = this.window - charge;
      this.window = window < -perMinute ? -perMinute : window;
    }
  }

  /**
   * Learns a missing limit and adopts a lower provider-reported remaining.
   *
   * The first report of the resource also says how much of the provider's burst is free: a provider that enforces
   * its per-minute limit in slices (a bucket of the burst's size refilling at the same rate) has in its slice the
   * burst less what it reports used (`limit - remaining`, the same deficit in both buckets). What this bucket
   * granted before the report is either counted there or still on its way, so the level is raised to the capacity
   * less the larger of the two and less {@link PROVIDER_MARGIN_MS} (an idle provider: the whole burst, less the
   * calls already sent). The refill is not credited: a provider whose burst is full wastes its refill, and calls held
   * back (a cold SDK releases its first ones together, a burst takes a while to leave) reach it later. Were other
   * clients using the quota too, the level could exceed the provider's by the calls in flight at most.
   *
   * The first report of the limit in force starts the account of the provider's window; every later one moves the
   * account to a margin below the provider's figure, lowering the burst or releasing held refunds (see the class).
   * @returns true when the limit in force changed or the level was raised (waiting calls may fit now).
   */
  observe(spec: LimitSpec, reported: ResourceSnapshot, now: number): boolean {
    let changed = false;
    // Anthropic's tokens-* limit is its most restrictive one (often the output limit): learned as the limit of
    // input + output it would refuse every larger estimate for good (nothing is sent, so nothing reports otherwise)
    if (this.learns(spec) && reported.mostRestrictive !== true && reported.limit !== undefined && reported.limit > 0 && reported.limit !== this.learned) {
      this.learned = reported.limit;
      changed = true;
    }
    const perMinute = this.perMinute(spec);
    if (perMinute === undefined) return changed;
    const capacity = this.capacity(spec);
    this.advance(now, capacity, perMinute);
    const { limit, remaining } = reported;
    if (remaining === undefined) return changed;
    let window = remaining;
    if (!this.observed && limit !== undefined) {
      this.observed = true;
      const used = limit > remaining ? limit - remaining : 0;
      const missing = used > this.coldTaken ? used : this.coldTaken;
      this.coldTaken = 0;
      window = limit - missing; // the calls on their way are missing from it too
      // less the margin: a full provider wastes its refill while a burst is on its way to it
      const free = capacity - missing - (perMinute * PROVIDER_MARGIN_MS) / MINUTE_MS;
      if (free > this.level) {
        this.level = free;
        changed = true;
      }
    }
    if (limit === perMinute) {
      if (this.window === undefined) {
        this.window = window;
      } else {
        const margin = (perMinute * PROVIDER_MARGIN_MS) / MINUTE_MS;
        const target = remaining - margin;
        if (this.window > target) {
          // the burst lacks at most what the window lacks, and a provider's burst is not deep in debt
          const floor = (this.level < 0 ? this.level : 0) - margin;
          const level = this.level - (this.window - target);
          this.level = level > floor ? level : floor;
          this.window = target;
        } else if (this.held > 0) {
          const release = target - this.window < this.held ? target - this.window : this.held;
          this.held -= release;
          this.window += release;
          this.level = this.level + release < capacity ? this.level + release : capacity;
          changed = true;
        }
      }
    }
    return this.capAt(remaining, changed);
  }

  /** Adopts a lower provider-reported remaining; returns `changed`. */
  private capAt(remaining: number, changed: boolean): boolean {
    if (remaining < this.level) this.level = remaining;
    return changed;
  }

  /** The level now, or undefined when not limited. */
  levelAt(spec: LimitSpec, now: number): number | undefined {
    const perMinute = this.perMinute(spec);
    return perMinute === undefined ? undefined : refill(this.level, this.at, now, this.capacity(spec), perMinute / MINUTE_MS);
  }
}
