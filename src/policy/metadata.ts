/**
 * Policy metadata stored on decorated methods with reflect-metadata, and the method handle the call
 * wrapper carries. Decorators write here; the runtime reads here.
 * @packageDocumentation
 */

import 'reflect-metadata';
import { PolicyConfigError } from '../errors';
import type { ResolvedRateLimit, ResolvedRetry, ResolvedTokenBudget } from './validate';

/** The reflect-metadata key under which a method's policies are stored. */
export const POLICY_METADATA_KEY = Symbol.for('llm-resilience:policies');

/** The validated policies of one method. */
export interface PolicyMetadata {
  /** From `@AdaptiveRetry`. */
  readonly retry?: ResolvedRetry;
  /** From `@RateLimited`. */
  readonly rateLimit?: ResolvedRateLimit;
  /** From `@TokenBudget`. */
  readonly tokenBudget?: ResolvedTokenBudget;
}

/** The decorators that write metadata, by the field they write. */
const DECORATOR_NAMES: Record<keyof PolicyMetadata, string> = {
  retry: '@AdaptiveRetry',
  rateLimit: '@RateLimited',
  tokenBudget: '@TokenBudget',
};

/** The policies stored on `target[propertyKey]`, if any. */
export function getPolicyMetadata(target: object, propertyKey: string | symbol): PolicyMetadata | undefined {
  return Reflect.getOwnMetadata(POLICY_METADATA_KEY, target, propertyKey) as PolicyMetadata | undefined;
}

/** `Class.method` for messages (static methods: the target is the constructor). */
export function describeMethod(target: object, propertyKey: string | symbol): string {
  // A prototype without a constructor (Object.create(null)) has no class name.
  const owner = typeof target === 'function' ? target.name : ((target as { constructor?: { name: string } }).constructor?.name ?? '');
  return `${owner || '<anonymous class>'}.${String(propertyKey)}`;
}

/**
 * Adds one policy to a method's metadata.
 * @throws PolicyConfigError when the same decorator is applied twice.
 */
export function addPolicyMetadata<K extends keyof PolicyMetadata>(
  target: object,
  propertyKey: string | symbol,
  field: K,
  value: NonNullable<PolicyMetadata[K]>,
): void {
  const existing = getPolicyMetadata(target, propertyKey) ?? {};
  if (existing[field] !== undefined) {
    throw new PolicyConfigError(describeMethod(target, propertyKey), DECORATOR_NAMES[field], 'applied twice', 'each decorator at most once per method');
  }
  Reflect.defineMetadata(POLICY_METADATA_KEY, { ...existing, [field]: value }, target, propertyKey);
}
