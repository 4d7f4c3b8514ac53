/**
 * What `configureResilience` returns: the configured runtime, as users see it.
 * @packageDocumentation
 */

import type { ResilienceEvents } from '../events/hub';
import type { LimiterStore } from '../limits/store';

/** The runtime of one configuration (the one decorated methods use after `configureResilience`). */
export interface ResilienceRuntime {
  /** Subscribe to what the runtime does: retries, 429s, cooldowns, waits, rejections, outcomes, capacity. */
  readonly events: ResilienceEvents;
  /** The limiter store in use (the configured one, or the default in-memory store). */
  readonly store: LimiterStore;
}
