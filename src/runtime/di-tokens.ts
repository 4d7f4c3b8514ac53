/**
 * Injection tokens under which `configureResilience` registers the runtime's parts in a tsyringe container.
 * @packageDocumentation
 */

/** Tokens for `container.resolve(...)`. */
export const ResilienceTokens = {
  /** The resolved configuration ({@link ResolvedConfig}). */
  Config: Symbol.for('llm-resilience:config'),
  /** The {@link Interceptor} applying the policies. */
  Interceptor: Symbol.for('llm-resilience:interceptor'),
  /** The {@link Clock}. */
  Clock: Symbol.for('llm-resilience:clock'),
  /** The {@link LimiterStore}. */
  Store: Symbol.for('llm-resilience:store'),
  /** The pino logger. */
  Logger: Symbol.for('llm-resilience:logger'),
} as const;
