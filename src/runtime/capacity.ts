/**
 * What the provider reports about a key's capacity, turned into events: each rate-limit snapshot becomes
 * `capacity` events (remaining, limit, ratio), and a resource that stays low becomes a `lowCapacity` event.
 * Nothing is computed unless someone listens.
 * @packageDocumentation
 */

import type { EventHub } from '../events/hub';
import type { CapacityResource } from '../events/types';
import type { RateLimitSnapshot, ResourceSnapshot } from '../providers/rate-limit-headers';
import { BoundedMap } from '../util/bounded-map';

/** Settings of the low-capacity alert (`configureResilience({ lowCapacity })`). */
export interface LowCapacityOptions {
  /** Alert when remaining / limit is below this, in (0, 1]. Default 0.1. */
  readonly threshold?: number;
  /** …for this many consecutive observations of the key's resource (an integer ≥ 1). Default 3. */
  readonly consecutive?: number;
}

/** Defaults of {@link LowCapacityOptions}. */
export const LOW_CAPACITY_DEFAULTS = { threshold: 0.1, consecutive: 3 } as const;

/** Most keys whose last limits and alert state are kept (keys can come from user input). */
export const MAX_CAPACITY_KEYS = 10_000;

/**
 * The alert's state for one key and resource.
 *
 * - `ratio < threshold`: the streak grows; when it reaches `consecutive` and the alert is not already raised,
 *   it is raised ({@link LowCapacityTracker.observe} returns true, once);
 * - `ratio ≥ threshold`: recovery: the streak and the raised alert are cleared, so the next low streak fires again.
 */
export class LowCapacityTracker {
  /** Consecutive observations below the threshold. */
  streak = 0;
  /** Raised and not yet recovered. */
  raised = false;

  /**
   * @param threshold - ratio below which an observation counts as low.
   * @param consecutive - low observations in a row that raise the alert.
   */
  constructor(
    private readonly threshold: number,
    private readonly consecutive: number,
  ) {}

  /**
   * Feeds one observation.
   * @param ratio - remaining / limit, in [0, 1] (may exceed 1 if the provider reports so).
   * @returns true exactly when this observation raises the alert.
   */
  observe(ratio: number): boolean {
    if (!(ratio < this.threshold)) {
      this.streak = 0;
      this.raised = false;
      return false;
    }
    if (this.raised) return false;
    if (++this.streak < this.consecutive) return false;
    this.raised = true;
    return true;
  }
}

/** One key's last reported limits and alert state. */
class KeyCapacity {
  limitRequests: number | undefined = undefined;
  limitTokens: number | undefined = undefined;
  lowRequests: LowCapacityTracker | undefined = undefined;
  lowTokens: LowCapacityTracker | undefined = undefined;
}

/** Publishes `capacity` and `lowCapacity` events from the provider's rate-limit snapshots. */
export class CapacityReporter {
  private readonly keys = new BoundedMap<string, KeyCapacity>(MAX_CAPACITY_KEYS);
  private readonly threshold: number;
  private readonly consecutive: number;

  /**
   * @param events - where the events go.
   * @param options - the alert's threshold and streak (defaults 0.1 and 3).
   */
  constructor(
    private readonly events: EventHub,
    options: LowCapacityOptions = {},
  ) {
    this.threshold = options.threshold ?? LOW_CAPACITY_DEFAULTS.threshold;
    this.consecutive = options.consecutive ?? LOW_CAPACITY_DEFAULTS.consecutive;
  }

  /** Keys whose state is held (bounded by {@link MAX_CAPACITY_KEYS}). */
  get trackedKeys(): number {
    return this.keys.size;
  }

  /**
   * The provider reported `snapshot` for a call.
   * @param key - the key its requests are reported under (a call's rate key).
   * @param snapshot - what the provider reported.
   * @param tokensKey - the key its tokens are reported under (a call's budget key, when it has its own).
   */
  observed(key: string, snapshot: RateLimitSnapshot, tokensKey = key): void {
    const events = this.events;
    if (!events.capacity.listening && !events.lowCapacity.listening) return;
    if (snapshot.requests !== undefined) this.resource(key, this.state(key), 'requests', snapshot.requests);
    const tokens = tightestTokens(snapshot);
    if (tokens !== undefined) this.resource(tokensKey, this.state(tokensKey), 'tokens', tokens);
  }

  private state(key: string): KeyCapacity {
    return this.keys.getOrCreate(key, () => new KeyCapacity());
  }

  private resource(key: string, state: KeyCapacity, resource: CapacityResource, snapshot: ResourceSnapshot): void {
    const requests = resource === 'requests';
    let limit = snapshot.limit;
    if (limit !== undefined && limit > 0) {
      if (requests) state.limitRequests = limit;
      else state.limitTokens = limit;
    } else {
      limit = requests ? state.limitRequests : state.limitTokens;
    }
    const remaining = snapshot.remaining;
    if (remaining === undefined) return;
    const ratio = limit === undefined ? undefined : remaining / limit;
    if (this.events.capacity.listening) this.events.capacity.emit({ key, resource, remaining, limit, ratio });
    if (limit === undefined || ratio === undefined || !this.events.lowCapacity.listening) return;
    const tracker = requests
      ? (state.lowRequests ??= new LowCapacityTracker(this.threshold, this.consecutive))
      : (state.lowTokens ??= new LowCapacityTracker(this.threshold, this.consecutive));
    if (tracker.observe(ratio)) this.events.lowCapacity.emit({ key, resource, remaining, limit, ratio });
  }
}

/** A resource's remaining share of its limit, when it reports both. */
function shareOf(resource: ResourceSnapshot | undefined): number | undefined {
  return resource?.limit !== undefined && resource.limit > 0 && resource.remaining !== undefined ? resource.remaining / resource.limit : undefined;
}

/**
 * The token figures capacity is reported from: the snapshot's tokens, or Anthropic's input or output tokens when
 * one of them has less left (its tokens are the two summed, which hides an exhausted output budget).
 */
function tightestTokens(snapshot: RateLimitSnapshot): ResourceSnapshot | undefined {
  let tightest = snapshot.tokens;
  if (snapshot.inputTokens === undefined && snapshot.outputTokens === undefined) return tightest;
  let share = shareOf(tightest);
  for (const part of [snapshot.inputTokens, snapshot.outputTokens]) {
    const partShare = shareOf(part);
    if (partShare !== undefined && (share === undefined || partShare < share)) {
      tightest = part;
      share = partShare;
    }
  }
  return tightest;
}
