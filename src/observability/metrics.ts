/**
 * Prometheus series of the runtime (prom-client). prom-client is loaded only when metrics are configured
 * (`configureResilience({ metrics: { registry } })`): this module imports its types only.
 *
 * The hot path never touches prom-client: each key's figures are plain numbers on a {@link KeySeries}, and
 * the registered metrics copy them in their `collect` callback, when the registry is scraped. Only the wait
 * histogram (fed on the slow path, after a call actually waited) is observed directly.
 * @packageDocumentation
 */

import type * as promClient from 'prom-client';
import type { Counter, Gauge, Histogram, Metric, Registry } from 'prom-client';
import { PolicyConfigError } from '../errors';
import { DEFAULT_METRICS_PREFIX, MAX_METRIC_KEYS, OVERFLOW_KEY, WAIT_BUCKETS_SECONDS, type MetricsRegistry } from './metrics-options';

/** Series names without the prefix. */
export const SERIES = {
  calls: 'calls_total',
  retries: 'retries_total',
  rateLimited: 'rate_limited_total',
  waitSeconds: 'limiter_wait_seconds',
  tokens: 'tokens_total',
  remaining: 'ratelimit_remaining',
  remainingRatio: 'ratelimit_remaining_ratio',
  inflight: 'inflight',
  breaker: 'breaker_transitions_total',
} as const;

/** One key's figures: plain numbers updated on the hot path, exported at scrape time. */
export class KeySeries {
  success = 0;
  failure = 0;
  rejected = 0;
  rateLimited = 0;
  estimatedTokens = 0;
  actualTokens = 0;
  inflight = 0;
  /** Retries by classification reason (a small fixed set). */
  readonly retries = new Map<string, number>();
  /** Overload breaker transitions by the state entered (closed, open, half-open). */
  readonly breakerTransitions = new Map<string, number>();
  /** Provider-reported figures; NaN until reported. */
  remainingRequests = NaN;
  remainingTokens = NaN;
  ratioRequests = NaN;
  ratioTokens = NaN;
  /** The wait histogram's child for this key (bound on first wait). */
  wait: Histogram.Internal<string> | undefined = undefined;

  /** @param label - the `key` label value. */
  constructor(readonly label: string) {}
}

type PromClient = typeof promClient;

/** Marks metrics this library registered, with the shared state that feeds them. */
const OWNER = Symbol.for('llm-resilience.metrics');

interface Owned {
  [OWNER]?: ResilienceMetrics;
}

/**
 * The runtime's series in one registry under one prefix. One instance per (registry, prefix): configuring
 * again with the same registry reuses it (found through the registered metrics themselves), so counters keep
 * counting and nothing is registered twice.
 */
export class ResilienceMetrics {
  private readonly keys = new Map<string, KeySeries>();
  private overflow: KeySeries | undefined = undefined;
  private readonly metrics: Metric[];
  private readonly waitHistogram: Histogram<'key'>;

  private constructor(
    readonly registry: MetricsRegistry,
    readonly prefix: string,
  ) {
    // Loaded here only: users who do not configure metrics never load prom-client.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer, loaded only when metrics are configured
    const prom = require('prom-client') as PromClient;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- prom-client calls collect() with the metric as `this`
    const state = this;
    const registers = [] as Registry[]; // registered below, after the conflict check
    const name = (series: string): string => prefix + series;
    const calls = new prom.Counter<'key' | 'outcome'>({
      name: name(SERIES.calls),
      help: 'Calls of decorated methods by outcome: success, failure (the last attempt failed), rejected (refused by the limiter).',
      labelNames: ['key', 'outcome'],
      registers,
      collect(this: Counter<'key' | 'outcome'>) {
        this.reset();
        for (const s of state.all()) {
          this.inc({ key: s.label, outcome: 'success' }, s.success);
          this.inc({ key: s.label, outcome: 'failure' }, s.failure);
          this.inc({ key: s.label, outcome: 'rejected' }, s.rejected);
        }
      },
    });
    const retries = new prom.Counter<'key' | 'reason'>({
      name: name(SERIES.retries),
      help: 'Retries scheduled, by the classification of the failed attempt (rate-limited, server-error, network, ...).',
      labelNames: ['key', 'reason'],
      registers,
      collect(this: Counter<'key' | 'reason'>) {
        this.reset();
        for (const s of state.all()) for (const [reason, count] of s.retries) this.inc({ key: s.label, reason }, count);
      },
    });
    const rateLimited = new prom.Counter<'key'>({
      name: name(SERIES.rateLimited),
      help: '429 responses received from the provider.',
      labelNames: ['key'],
      registers,
      collect(this: Counter<'key'>) {
        this.reset();
        for (const s of state.all()) this.inc({ key: s.label }, s.rateLimited);
      },
    });
    this.waitHistogram = new prom.Histogram<'key'>({
      name: name(SERIES.waitSeconds),
      help: 'Time calls waited in the limiter for capacity (only attempts that had to wait).',
      labelNames: ['key'],
      buckets: [...WAIT_BUCKETS_SECONDS],
      registers,
    });
    const tokens = new prom.Counter<'key' | 'kind'>({
      name: name(SERIES.tokens),
      help: 'Tokens of successful calls: kind="estimated" (charged up front by @TokenBudget), kind="actual" (usage reported by the provider).',
      labelNames: ['key', 'kind'],
      registers,
      collect(this: Counter<'key' | 'kind'>) {
        this.reset();
        for (const s of state.all()) {
          this.inc({ key: s.label, kind: 'estimated' }, s.estimatedTokens);
          this.inc({ key: s.label, kind: 'actual' }, s.actualTokens);
        }
      },
    });
    const remaining = new prom.Gauge<'key' | 'resource'>({
      name: name(SERIES.remaining),
      help: 'Remaining requests or tokens in the current window, as last reported by the provider (x-ratelimit-remaining-*).',
      labelNames: ['key', 'resource'],
      registers,
      collect(this: Gauge<'key' | 'resource'>) {
        this.reset();
        for (const s of state.all()) {
          if (!Number.isNaN(s.remainingRequests)) this.set({ key: s.label, resource: 'requests' }, s.remainingRequests);
          if (!Number.isNaN(s.remainingTokens)) this.set({ key: s.label, resource: 'tokens' }, s.remainingTokens);
        }
      },
    });
    const ratio = new prom.Gauge<'key' | 'resource'>({
      name: name(SERIES.remainingRatio),
      help: 'Provider-reported remaining / limit of the current window (0..1); alert when it stays below 0.1.',
      labelNames: ['key', 'resource'],
      registers,
      collect(this: Gauge<'key' | 'resource'>) {
        this.reset();
        for (const s of state.all()) {
          if (!Number.isNaN(s.ratioRequests)) this.set({ key: s.label, resource: 'requests' }, s.ratioRequests);
          if (!Number.isNaN(s.ratioTokens)) this.set({ key: s.label, resource: 'tokens' }, s.ratioTokens);
        }
      },
    });
    const inflight = new prom.Gauge<'key'>({
      name: name(SERIES.inflight),
      help: 'Calls in progress (waiting for capacity, running or sleeping between attempts).',
      labelNames: ['key'],
      registers,
      collect(this: Gauge<'key'>) {
        this.reset();
        for (const s of state.all()) this.set({ key: s.label }, s.inflight);
      },
    });
    const breaker = new prom.Counter<'key' | 'state'>({
      name: name(SERIES.breaker),
      help: 'Overload breaker transitions by the state entered: open (provider failing, calls fail fast), half-open (probe), closed.',
      labelNames: ['key', 'state'],
      registers,
      collect(this: Counter<'key' | 'state'>) {
        this.reset();
        for (const s of state.all()) for (const [entered, count] of s.breakerTransitions) this.inc({ key: s.label, state: entered }, count);
      },
    });
    // Same order as SERIES: `for` pairs them by index.
    this.metrics = [calls, retries, rateLimited, this.waitHistogram, tokens, remaining, ratio, inflight, breaker] as Metric[];
    for (const metric of this.metrics) (metric as Owned)[OWNER] = this;
  }

  /**
   * The series of `registry` under `prefix`: the ones already registered by this library when present
   * (re-registering any that were removed), else new ones.
   * @throws PolicyConfigError when one of the names is taken by a metric this library did not register.
   */
  static for(registry: MetricsRegistry, prefix: string = DEFAULT_METRICS_PREFIX): ResilienceMetrics {
    const names = Object.values(SERIES).map((series) => prefix + series);
    const existing = names.map((name) => registry.getSingleMetric(name) as (Metric & Owned) | undefined);
    let owner: ResilienceMetrics | undefined;
    for (const metric of existing) {
      const found = metric?.[OWNER];
      if (found?.prefix === prefix) {
        owner = found;
        break;
      }
    }
    owner ??= new ResilienceMetrics(registry, prefix);
    existing.forEach((metric, i) => {
      if (metric !== undefined && metric !== owner.metrics[i]) {
        throw new PolicyConfigError(
          'configureResilience',
          'metrics.registry',
          names[i],
          `a registry where "${names[i]}" is free or registered by llm-resilience (choose another metrics.prefix)`,
        );
      }
    });
    existing.forEach((metric, i) => {
      if (metric === undefined) (registry as unknown as Registry).registerMetric(owner.metrics[i]);
    });
    return owner;
  }

  /** The figures of `key` (created on first use; keys beyond {@link MAX_METRIC_KEYS} share one overflow label). */
  series(key: string): KeySeries {
    let series = this.keys.get(key);
    if (series !== undefined) return series;
    if (this.keys.size < MAX_METRIC_KEYS) {
      series = new KeySeries(key);
      this.keys.set(key, series);
      return series;
    }
    return (this.overflow ??= new KeySeries(OVERFLOW_KEY));
  }

  /** Records a wait for capacity. */
  observeWait(series: KeySeries, seconds: number): void {
    (series.wait ??= this.waitHistogram.labels({ key: series.label })).observe(seconds);
  }

  private *all(): IterableIterator<KeySeries> {
    yield* this.keys.values();
    if (this.overflow !== undefined) yield this.overflow;
  }
}
