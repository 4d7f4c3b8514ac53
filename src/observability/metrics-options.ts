/**
 * The metrics option of `configureResilience` and the series' fixed names and bounds. No prom-client types here:
 * the published declarations compile without prom-client installed.
 * @packageDocumentation
 */

/**
 * A prom-client `Registry` (Prometheus or OpenMetrics content type), described by the two methods this library
 * calls, so these declarations need no prom-client types.
 */
export interface MetricsRegistry {
  /** prom-client `Registry.getSingleMetric`. */
  getSingleMetric(name: string): unknown;
  /** prom-client `Registry.registerMetric`. */
  registerMetric(metric: never): void;
}

/** `configureResilience({ metrics })`. */
export interface MetricsOptions {
  /** The registry the series are registered in (the one your `/metrics` endpoint serves). */
  readonly registry: MetricsRegistry;
  /** Prefix of every series name. Default `llm_`. */
  readonly prefix?: string;
}

/** Default series name prefix. */
export const DEFAULT_METRICS_PREFIX = 'llm_';
/** Most distinct `key` label values per registry; further keys are counted under {@link OVERFLOW_KEY}. */
export const MAX_METRIC_KEYS = 1000;
/** The `key` label of keys beyond {@link MAX_METRIC_KEYS}. */
export const OVERFLOW_KEY = '_other';
/** Buckets of `llm_limiter_wait_seconds`: 5 ms to 5 minutes. */
export const WAIT_BUCKETS_SECONDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** A valid Prometheus metric name prefix (may be empty). */
export const METRICS_PREFIX_PATTERN = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/;
