/**
 * `configureResilience`: builds the runtime of one configuration, wires its observers (logs, metrics, the
 * low-capacity callback) to its events, and registers it in tsyringe's root container, where decorated methods
 * find it.
 * @packageDocumentation
 */

import 'reflect-metadata';
import pino, { type Logger } from 'pino';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { systemClock } from '../clock';
import { PolicyConfigError } from '../errors';
import { EventHub, warnOnce } from '../events/hub';
import { errorName } from '../observability/error-name';
import type { ListenerErrorSink } from '../events/emitter';
import { MemoryStore } from '../limits/memory-store';
import { redactingLogger } from '../observability/log-redaction';
import { subscribeCallback } from '../observability/low-capacity-callback';
import { EventLogs } from '../observability/logs';
import { ResilienceMetrics } from '../observability/metrics';
import { subscribeMetrics } from '../observability/metrics-feed';
import { installDispatcher } from '../policy/dispatch';
import { enableAsyncContext } from './context';
import { ResilienceTokens } from './di-tokens';
import { Interceptor } from './interceptor';
import type { ResilienceRuntime } from './resilience-runtime';
import {
  WHERE,
  checkOptionNames,
  resolveAsyncContext,
  resolveCallback,
  resolveClock,
  resolveLogger,
  resolveRandom,
  resolveStore,
  resolveLowCapacity,
  resolveMetricsOptions,
  resolvePolicies,
  type ResilienceOptions,
} from './resilience-options';
import type { ResolvedConfig } from './resolved-config';

let active: Interceptor | undefined;

function isContainer(value: unknown): value is DependencyContainer {
  return typeof value === 'object' && value !== null && typeof (value as { resolve?: unknown }).resolve === 'function';
}

/**
 * Configures the runtime every decorated method uses, and registers it in tsyringe's root container
 * (`ResilienceTokens.Runtime`, `ResilienceTokens.Events`, `ResilienceTokens.Config`). Calling it again replaces
 * the configuration for later calls; calls already running finish under the old one.
 *
 * Decorated methods belong to classes, not to containers, so there is one runtime per process: pass tsyringe's
 * root container (or nothing). A child container is refused with a clear error rather than silently ignored, and
 * so is a container from a second copy of tsyringe.
 * @param container - tsyringe's root container (the default); may be omitted: `configureResilience(options)`.
 * @param options - policies, store, logger, clock, random source, metrics, the low-capacity alert and the
 * call context's reach.
 * @returns the runtime: subscribe to its `events`.
 * @throws PolicyConfigError when an option is invalid, the container is not tsyringe's root container, or a
 * series name is taken in the metrics registry by a metric this library did not register.
 */
export function configureResilience(container?: DependencyContainer, options?: ResilienceOptions): ResilienceRuntime;
/**
 * Configures the runtime in tsyringe's root container.
 * @param options - see {@link ResilienceOptions}.
 */
export function configureResilience(options: ResilienceOptions): ResilienceRuntime;
export function configureResilience(
  containerOrOptions: DependencyContainer | ResilienceOptions = rootContainer,
  maybeOptions: ResilienceOptions = {},
): ResilienceRuntime {
  const container = isContainer(containerOrOptions) ? containerOrOptions : rootContainer;
  const options = isContainer(containerOrOptions) ? maybeOptions : containerOrOptions;
  checkContainer(container);
  return configure(options);
}

function checkContainer(container: DependencyContainer): void {
  if (container === rootContainer) return;
  const sameCopy = container instanceof (rootContainer.constructor as new () => DependencyContainer);
  throw new PolicyConfigError(
    WHERE,
    'container',
    sameCopy ? 'a child container' : 'a container from another copy of tsyringe',
    sameCopy
      ? "tsyringe's root container (decorated methods belong to classes, not containers: the runtime is one per process)"
      : "tsyringe's root container, from the same copy of tsyringe as llm-resilience's (two copies are installed: " +
          'make tsyringe a single dependency of your app, e.g. `npm dedupe`)',
  );
}

function configure(given: ResilienceOptions): Interceptor {
  const options = checkOptionNames(given);
  const asyncContext = resolveAsyncContext(options.asyncContext);
  const policies = resolvePolicies(options.policies);
  const onLowCapacity = resolveCallback(options.onLowCapacity);
  const lowCapacity = resolveLowCapacity(options.lowCapacity);
  const metricsOptions = resolveMetricsOptions(options.metrics);
  const store = resolveStore(options.store);
  const clock = resolveClock(options.clock);
  const random = resolveRandom(options.random);
  const logger = redactingLogger(resolveLogger(options.logger) ?? pino({ level: 'silent' }));
  const events = new EventHub(logger.isLevelEnabled('error') ? logListenerErrors(logger) : warnOnce());
  new EventLogs(logger, lowCapacity).subscribe(events);
  if (onLowCapacity !== undefined) subscribeCallback(events, onLowCapacity, logger);
  // last: registers series only once everything else is valid
  if (metricsOptions !== undefined) subscribeMetrics(events, ResilienceMetrics.for(metricsOptions.registry, metricsOptions.prefix));
  const config: ResolvedConfig = {
    policies,
    store: store ?? new MemoryStore(),
    clock: clock ?? systemClock,
    random: random ?? Math.random,
    events,
    lowCapacity,
  };
  rootContainer.register(ResilienceTokens.Config, { useValue: config });
  rootContainer.register(ResilienceTokens.Events, { useValue: events });
  if (asyncContext) enableAsyncContext();
  const interceptor = rootContainer.resolve(Interceptor);
  rootContainer.register(ResilienceTokens.Runtime, { useValue: interceptor });
  active = interceptor;
  return interceptor;
}

/** Logs a failing event listener (its event and the error's name only). */
function logListenerErrors(logger: Logger): ListenerErrorSink {
  return (event, error) => logger.error({ event, error: errorName(error) }, 'llm-resilience event listener failed');
}


/**
 * The runtime decorated methods call: the last one configured (configured with defaults on first use). Cached,
 * so no container resolution happens per call.
 */
export function activeInterceptor(): Interceptor {
  return active ?? configure({});
}

installDispatcher(activeInterceptor);
