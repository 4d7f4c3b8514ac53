/**
 * `configureResilience`: registers the runtime and its configuration in a tsyringe container.
 * @packageDocumentation
 */

import 'reflect-metadata';
import pino, { type Logger } from 'pino';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { systemClock, type Clock, type RandomSource } from '../clock';
import { enableAsyncContext } from './context';
import { ResilienceTokens } from './di-tokens';
import { PolicyConfigError } from '../errors';
import { Interceptor } from './interceptor';
import { installDispatcher } from '../policy/dispatch';
import { LOW_CAPACITY_DEFAULTS, type LowCapacityEvent, type LowCapacityOptions } from '../observability/low-capacity';
import { MemoryStore } from '../limits/memory-store';
import { DEFAULT_METRICS_PREFIX, METRICS_PREFIX_PATTERN, ResilienceMetrics, type MetricsOptions } from '../observability/metrics';
import type { NamedPolicy } from '../policy/options';
import type { LimiterStore } from '../limits/store';
import type { ResolvedConfig } from './resolved-config';
import { validateNamedPolicy } from '../policy/validate';
import { isObject } from '../util/values';

/** Options of {@link configureResilience}. */
export interface ResilienceOptions {
  /** Limits configured outside code, by key (`'openai:gpt-4o-mini': { requestsPerMinute, tokensPerMinute }`). */
  readonly policies?: Readonly<Record<string, NamedPolicy>>;
  /** Where bucket state lives. Default: a new in-memory store. */
  readonly store?: LimiterStore;
  /** A pino logger. Default: silent. */
  readonly logger?: Logger;
  /** Time source. Default: {@link systemClock}. */
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
   * (or rejecting) callback is caught and logged.
   */
  readonly onLowCapacity?: (event: LowCapacityEvent) => void;
  /** Threshold (default 0.1) and consecutive observations (default 3) of the low-capacity alert. */
  readonly lowCapacity?: LowCapacityOptions;
  /**
   * `true`: {@link currentCall} follows each call across `await`s from the first call on (AsyncLocalStorage).
   * Default (unset): only the synchronous part of the method sees it — where `create(body, { signal:
   * currentCall()?.signal })` runs — until `observingFetch()` is created or `currentCall()` is first asked
   * after an `await`; either switches it on for the rest of the process. On Node 20, AsyncLocalStorage makes
   * every promise in the process slower (see the README's benchmark), so it is on only when needed.
   * `false` is the same as unset.
   */
  readonly asyncContext?: boolean;
}

let active: Interceptor | undefined;

/**
 * Registers the runtime and its configuration in `container` and returns the interceptor. Decorated methods
 * use the runtime of tsyringe's root container (the default); calling this again replaces the configuration
 * for later calls (calls already running finish under the old one).
 * @param container - a tsyringe container; the root container by default.
 * @param options - policies, store, logger, clock, random source, metrics, the low-capacity alert and the
 * call context's reach.
 * @throws PolicyConfigError when a named policy, `metrics`, `onLowCapacity`, `lowCapacity` or `asyncContext` is
 * invalid, or a
 * series name is taken in the registry by a metric this library did not register.
 */
export function configureResilience(
  container: DependencyContainer = rootContainer,
  options: ResilienceOptions = {},
): Interceptor {
  if (options.asyncContext !== undefined && typeof options.asyncContext !== 'boolean') {
    throw new PolicyConfigError(WHERE, 'asyncContext', options.asyncContext, 'a boolean');
  }
  const policies = new Map<string, NamedPolicy>();
  for (const [name, policy] of Object.entries(options.policies ?? {})) {
    policies.set(name, validateNamedPolicy(name, policy));
  }
  const config: ResolvedConfig = {
    policies,
    store: options.store ?? new MemoryStore(),
    logger: options.logger ?? pino({ level: 'silent' }),
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    onLowCapacity: resolveCallback(options.onLowCapacity),
    lowCapacity: resolveLowCapacity(options.lowCapacity),
    metrics: resolveMetrics(options.metrics), // last: registers series only once everything else is valid
  };
  container.register(ResilienceTokens.Config, { useValue: config });
  container.register(ResilienceTokens.Clock, { useValue: config.clock });
  container.register(ResilienceTokens.Store, { useValue: config.store });
  container.register(ResilienceTokens.Logger, { useValue: config.logger });
  if (options.asyncContext === true) enableAsyncContext();
  const interceptor = container.resolve(Interceptor);
  container.register(ResilienceTokens.Interceptor, { useValue: interceptor });
  if (container === rootContainer) active = interceptor;
  return interceptor;
}

/**
 * The interceptor decorated methods call: the one registered in the root container (configured with
 * defaults on first use). Cached, so no container resolution happens per call.
 */
export function activeInterceptor(): Interceptor {
  if (active !== undefined) return active;
  if (rootContainer.isRegistered(ResilienceTokens.Interceptor)) {
    active = rootContainer.resolve<Interceptor>(ResilienceTokens.Interceptor);
    return active;
  }
  return configureResilience(rootContainer);
}

installDispatcher(activeInterceptor);

const WHERE = 'configureResilience';

function resolveMetrics(options: MetricsOptions | undefined): ResilienceMetrics | undefined {
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
  return ResilienceMetrics.for(options.registry, prefix);
}

function resolveCallback(callback: ((event: LowCapacityEvent) => void) | undefined): ((event: LowCapacityEvent) => void) | undefined {
  if (callback !== undefined && typeof callback !== 'function') {
    throw new PolicyConfigError(WHERE, 'onLowCapacity', callback, 'a function (event) => void');
  }
  return callback;
}

function resolveLowCapacity(options: LowCapacityOptions | undefined): { threshold: number; consecutive: number } {
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
