/**
 * Injection tokens under which `configureResilience` registers the runtime's parts in tsyringe's root container.
 * @packageDocumentation
 */

/** Tokens for `container.resolve(...)`. */
export const ResilienceTokens = {
  /** The resolved configuration (internal: the interceptor is constructed with it). */
  Config: Symbol.for('llm-resilience:config'),
  /** The configured `ResilienceRuntime` (what `configureResilience` returned). */
  Runtime: Symbol.for('llm-resilience:runtime'),
  /** The runtime's `ResilienceEvents`. */
  Events: Symbol.for('llm-resilience:events'),
} as const;
