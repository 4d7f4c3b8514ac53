/**
 * The options of `configureResilience`, and their validation.
 * @packageDocumentation
 */

import type { Logger } from 'pino';
import type { Clock, RandomSource } from '../clock';
import { PolicyConfigError } from '../errors';
import type { LowCapacityEvent } from '../events/types';
import type { LimiterStore } from '../limits/store';
import { DEFAULT_METRICS_PREFIX, METRICS_PREFIX_PATTERN, type MetricsOptions } from '../observability/metrics-options';
import type { NamedPolicy } from '../policy/options';
import { validateNamedPolicy } from '../policy/validate';
import { isObject } from '../util/values';
import { LOW_CAPACITY_DEFAULTS, type LowCapacityOptions } from './capacity';

/** Options of `configureResilience`. */
export interface ResilienceOptions {
  /** Limits configured outside code, by key (`'openai:gpt-4o-mini': { requestsPerMinute, tokensPerMinute }`). */
  readonly policies?: Readonly<Record<string, NamedPolicy>>;
  /** Where bucket state lives. Default: a new in-memory store. */
  readonly store?: LimiterStore;
  /**
   * A pino logger. Which events are logged is decided from its level when you configure. Default: silent.
   */
  readonly logger?: Logger;
  /** Time source. Default: `systemClock`. */
  readonly clock?: Clock;
  /** Uniform [0, 1) random source for jitter. Default `Math.random`. */
  readonly random?: RandomSource;
  /**
   * Prometheus series in a prom-client registry (`{ registry, prefix? }`, prefix default `llm_`). prom-client
   * is loaded only when this is set. Default: no metrics.
   */
  readonly metrics?: MetricsOptions;
  /**
   * Called when a key's provider-reported remaining / limit stays below `lowCapacity.threshold` for
   * `lowCapacity.consecutive` observations; again only after recovery. Also logged as a warning. A throwing
   * (or rejecting) callback is caught and logged. The same events reach `events.onLowCapacity` listeners.
   */
  readonly onLowCapacity?: (event: LowCapacityEvent) => void;
  /** Threshold (default 0.1) and consecutive observations (default 3) of the low-capacity alert. */
  readonly lowCapacity?: LowCapacityOptions;
  /**
   * `true`: `currentCall()` follows each call across `await`s from the first call on (AsyncLocalStorage).
   * Default (unset): only the synchronous part of the method sees it — where `create(body, { signal:
   * currentCall()?.signal })` runs — until `observingFetch()` is created or `currentCall()` is first asked
   * after an `await`; either switches it on for the rest of the process. On Node 20, AsyncLocalStorage makes
   * every promise in the process slower (see the README's benchmark), so it is on only when needed.
   * `false` is the same as unset.
   */
  readonly asyncContext?: boolean;
}

/** Where `configureResilience`'s errors point. */
export const WHERE = 'configureResilience';

/** The options `configureResilience` knows (a record, so an option added to the type must be added here). */
const OPTION_NAMES: Readonly<Record<keyof ResilienceOptions, true>> = {
  policies: true,
  store: true,
  logger: true,
  clock: true,
  random: true,
  metrics: true,
  onLowCapacity: true,
  lowCapacity: true,
  asyncContext: true,
};
const KNOWN_OPTIONS: ReadonlySet<string> = new Set(Object.keys(OPTION_NAMES));

/** The options object checked: an object whose every field is a known option (a misspelt one is not ignored). */
export function checkOptionNames(options: unknown): ResilienceOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new PolicyConfigError(WHERE, 'options', options, 'an options object (or tsyringe\'s root container, then one)');
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) {
      throw new PolicyConfigError(WHERE, name, (options as Record<string, unknown>)[name], `one of the known options: ${[...KNOWN_OPTIONS].join(', ')}`);
    }
  }
  return options;
}

/** Whether `value` is an object with a function under each of `names`. */
function hasMethods(value: unknown, names: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const methods = value as Record<string, unknown>;
  return names.every((name) => typeof methods[name] === 'function');
}

/** The `store` option checked: a {@link LimiterStore} (e.g. `new RedisStore({ client })`, not the client itself). */
export function resolveStore(store: unknown): LimiterStore | undefined {
  if (store !== undefined && !hasMethods(store, ['acquire', 'settle', 'cooldown', 'observe', 'view'])) {
    const client = hasMethods(store, ['defineCommand']);
    throw new PolicyConfigError(
      WHERE,
      'store',
      store,
      client ? 'a LimiterStore: this is an ioredis client, wrap it: new RedisStore({ client })' : 'a LimiterStore (a MemoryStore, or a RedisStore wrapping your ioredis client)',
    );
  }
  return store as LimiterStore | undefined;
}

/** The `logger` option checked: a pino logger (what the runtime calls of it: `child`, `isLevelEnabled`). */
export function resolveLogger(logger: unknown): Logger | undefined {
  if (logger !== undefined && !hasMethods(logger, ['child', 'isLevelEnabled', 'warn', 'info', 'debug', 'error'])) {
    throw new PolicyConfigError(WHERE, 'logger', logger, 'a pino logger');
  }
  return logger as Logger | undefined;
}

/** The `clock` option checked: `{ now, setTimeout, clearTimeout }`. */
export function resolveClock(clock: unknown): Clock | undefined {
  if (clock !== undefined && !hasMethods(clock, ['now', 'setTimeout', 'clearTimeout'])) {
    throw new PolicyConfigError(WHERE, 'clock', clock, 'a Clock { now, setTimeout, clearTimeout }');
  }
  return clock as Clock | undefined;
}

/** The `random` option checked: a function returning a number in [0, 1). */
export function resolveRandom(random: unknown): RandomSource | undefined {
  if (random !== undefined && typeof random !== 'function') throw new PolicyConfigError(WHERE, 'random', random, 'a function () => number in [0, 1)');
  return random as RandomSource | undefined;
}

/** The validated named policies, by key. */
export function resolvePolicies(policies: ResilienceOptions['policies']): Map<string, NamedPolicy> {
  if (policies !== undefined && !isObject(policies)) throw new PolicyConfigError(WHERE, 'policies', policies, 'an object of named policies');
  const resolved = new Map<string, NamedPolicy>();
  for (const [name, policy] of Object.entries(policies ?? {})) resolved.set(name, validateNamedPolicy(name, policy));
  return resolved;
}

/** The validated `metrics` option, or undefined. */
export function resolveMetricsOptions(options: MetricsOptions | undefined): { registry: MetricsOptions['registry']; prefix: string } | undefined {
  if (options === undefined) return undefined;
  if (!isObject(options)) throw new PolicyConfigError(WHERE, 'metrics', options, 'an object { registry, prefix? }');
  const registry = options.registry as unknown;
  if (!isObject(registry) || typeof registry.getSingleMetric !== 'function' || typeof registry.registerMetric !== 'function') {
    throw new PolicyConfigError(WHERE, 'metrics.registry', registry, 'a prom-client Registry');
  }
  const prefix = options.prefix ?? DEFAULT_METRICS_PREFIX;
  if (typeof prefix !== 'string' || !METRICS_PREFIX_PATTERN.test(prefix)) {
    throw new PolicyConfigError(WHERE, 'metrics.prefix', prefix, 'a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)');
  }
  return { registry: options.registry, prefix };
}

/** The validated `onLowCapacity` callback. */
export function resolveCallback(callback: ((event: LowCapacityEvent) => void) | undefined): ((event: LowCapacityEvent) => void) | undefined {
  if (callback !== undefined && typeof callback !== 'function') {
    throw new PolicyConfigError(WHERE, 'onLowCapacity', callback, 'a function (event) => void');
  }
  return callback;
}

/** The validated low-capacity settings, defaults applied. */
export function resolveLowCapacity(options: LowCapacityOptions | undefined): { threshold: number; consecutive: number } {
  if (options !== undefined && !isObject(options)) {
    throw new PolicyConfigError(WHERE, 'lowCapacity', options, 'an object { threshold?, consecutive? }');
  }
  const threshold = options?.threshold ?? LOW_CAPACITY_DEFAULTS.threshold;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw new PolicyConfigError(WHERE, 'lowCapacity.threshold', threshold, 'a number in (0, 1]');
  }
  const consecutive = options?.consecutive ?? LOW_CAPACITY_DEFAULTS.consecutive;
  if (typeof consecutive !== 'number' || !Number.isSafeInteger(consecutive) || consecutive < 1) {
    throw new PolicyConfigError(WHERE, 'lowCapacity.consecutive', consecutive, 'an integer ≥ 1');
  }
  return { threshold, consecutive };
}

/** The validated `asyncContext` flag. */
export function resolveAsyncContext(value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') throw new PolicyConfigError(WHERE, 'asyncContext', value, 'a boolean');
  return value === true;
}
