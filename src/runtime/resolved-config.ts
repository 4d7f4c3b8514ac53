/**
 * The configuration after defaults, as the runtime receives it from `configureResilience`.
 * @packageDocumentation
 */

import type { Logger } from 'pino';
import type { Clock, RandomSource } from '../clock';
import type { LimiterStore } from '../limits/store';
import type { LowCapacityEvent } from '../observability/low-capacity';
import type { ResilienceMetrics } from '../observability/metrics';
import type { NamedPolicy } from '../policy/options';

/** The configuration after defaults, as the interceptor receives it. */
export interface ResolvedConfig {
  readonly policies: ReadonlyMap<string, NamedPolicy>;
  readonly store: LimiterStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** The registered series, when metrics are configured. */
  readonly metrics?: ResilienceMetrics;
  /** The low-capacity callback. */
  readonly onLowCapacity?: (event: LowCapacityEvent) => void;
  /** The low-capacity alert's settings. */
  readonly lowCapacity?: { readonly threshold: number; readonly consecutive: number };
}
