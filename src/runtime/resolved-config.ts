/**
 * The configuration after defaults, as the runtime receives it from `configureResilience`.
 * @packageDocumentation
 */

import type { Clock, RandomSource } from '../clock';
import type { EventHub } from '../events/hub';
import type { LimiterStore } from '../limits/store';
import type { NamedPolicy } from '../policy/options';

/** The configuration after defaults, as the interceptor receives it. */
export interface ResolvedConfig {
  /** Named policies by key. */
  readonly policies: ReadonlyMap<string, NamedPolicy>;
  /** Where bucket state lives. */
  readonly store: LimiterStore;
  /** Time and timers. */
  readonly clock: Clock;
  /** Uniform [0, 1) random source for jitter. */
  readonly random: RandomSource;
  /** Where the runtime publishes what it does (logs, metrics and the low-capacity callback are subscribed). */
  readonly events: EventHub;
  /** The low-capacity alert's settings. */
  readonly lowCapacity: { readonly threshold: number; readonly consecutive: number };
}
