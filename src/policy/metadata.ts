/**
 * Policy metadata of decorated methods. Decorators write here; the runtime reads here, by (target, name).
 * - Legacy decorators (`experimentalDecorators`) store it with reflect-metadata on the prototype (or the
 *   constructor, for static methods), under {@link POLICY_METADATA_KEY}.
 * - Standard (TC39) decorators get no class reference while the class is being defined, so their metadata is kept
 *   in a WeakMap keyed by the method function the class ends up holding (the call wrapper).
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

/** Standard-decorator policies, by the method function the class holds. */
const standardPolicies = new WeakMap<object, PolicyMetadata>();

/**
 * The policies of a method, if any, in either decorator mode.
 * @param target - the prototype or constructor the method is on, or (standard decorators) the method function.
 * @param propertyKey - the method's name.
 */
export function getPolicyMetadata(target: object, propertyKey: string | symbol): PolicyMetadata | undefined {
  const legacy = Reflect.getOwnMetadata(POLICY_METADATA_KEY, target, propertyKey) as PolicyMetadata | undefined;
  if (legacy !== undefined) return legacy;
  const own: unknown = Object.getOwnPropertyDescriptor(target, propertyKey)?.value;
  return standardPolicies.get(target) ?? (typeof own === 'function' ? standardPolicies.get(own) : undefined);
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
    throw appliedTwice(describeMethod(target, propertyKey), field);
  }
  Reflect.defineMetadata(POLICY_METADATA_KEY, { ...existing, [field]: value }, target, propertyKey);
}

/**
 * Whether a standard-decorated method already has `field` (the same decorator applied twice).
 * @param method - the method function the class will hold.
 * @param field - the policy.
 */
export function hasStandardPolicy(method: object, field: keyof PolicyMetadata): boolean {
  return standardPolicies.get(method)?.[field] !== undefined;
}

/**
 * Adds one policy to a standard-decorated method's metadata (the caller checked {@link hasStandardPolicy}).
 * @param method - the method function the class will hold.
 * @param field - the policy.
 * @param value - its validated options.
 */
export function addStandardPolicy<K extends keyof PolicyMetadata>(method: object, field: K, value: NonNullable<PolicyMetadata[K]>): void {
  standardPolicies.set(method, { ...standardPolicies.get(method), [field]: value });
}

/** The error for a decorator applied twice to one method. */
export function appliedTwice(where: string, field: keyof PolicyMetadata): PolicyConfigError {
  return new PolicyConfigError(where, DECORATOR_NAMES[field], 'applied twice', 'each decorator at most once per method');
}
