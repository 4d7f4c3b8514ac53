/**
 * `configureResilience`: registers the runtime and its configuration in a tsyringe container.
 * @packageDocumentation
 */

import 'reflect-metadata';
import pino, { type Logger } from 'pino';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { systemClock, type Clock, type RandomSource } from './clock';
import { ResilienceTokens } from './di';
import { Interceptor } from './interceptor';
import { MemoryStore } from './memory-store';
import type { NamedPolicy } from './options';
import type { LimiterStore } from './store';
import { validateNamedPolicy } from './validate';

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
}

/** The configuration after defaults, as the interceptor receives it. */
export interface ResolvedConfig {
  readonly policies: ReadonlyMap<string, NamedPolicy>;
  readonly store: LimiterStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: RandomSource;
}

let active: Interceptor | undefined;

/**
 * Registers the runtime and its configuration in `container` and returns the interceptor. Decorated methods
 * use the runtime of tsyringe's root container (the default); calling this again replaces the configuration
 * for later calls (calls already running finish under the old one).
 * @param container - a tsyringe container; the root container by default.
 * @param options - policies, store, logger, clock and random source.
 * @throws PolicyConfigError when a named policy is invalid.
 */
export function configureResilience(
  container: DependencyContainer = rootContainer,
  options: ResilienceOptions = {},
): Interceptor {
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
  };
  container.register(ResilienceTokens.Config, { useValue: config });
  container.register(ResilienceTokens.Clock, { useValue: config.clock });
  container.register(ResilienceTokens.Store, { useValue: config.store });
  container.register(ResilienceTokens.Logger, { useValue: config.logger });
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
