/**
 * Where a key's overload breaker and retry budget options are declared inline. A key has one breaker and one
 * retry budget, shared by every method on it, so their options must come from one place: the key's named policy,
 * else the first method that declares them. Two methods declaring different options for the same fixed key fail at
 * decoration with `PolicyConfigError`; keys computed from arguments are checked at their first call.
 * @packageDocumentation
 */

import { PolicyConfigError } from '../errors';
import { sameOptions } from '../util/values';
import type { PolicyMetadata } from './metadata';

/** The two per-key options. */
export type GuardField = 'breaker' | 'retryBudget';

/** One inline declaration of a per-key option. */
export interface GuardDeclaration {
  /** `Class.method` that declared it. */
  readonly where: string;
  /** The options (`false`: disabled). */
  readonly value: object | false;
  /** The method's prototype (or constructor) and name: the same class name may exist twice. */
  readonly owner: object;
  readonly propertyKey: string | symbol;
}

const FIELDS: readonly GuardField[] = ['breaker', 'retryBudget'];

/** First declarations by key, then by field. */
const declarations = new Map<string, Map<GuardField, GuardDeclaration>>();
/** The key each method's declarations were registered under (decorators are applied one at a time). */
const registeredKey = new WeakMap<object, Map<string | symbol, string>>();

/** The fixed key a method's breaker and retry budget belong to; undefined when the key comes from the arguments. */
function fixedKey(meta: PolicyMetadata, where: string): string | undefined {
  const key = meta.rateLimit?.key ?? meta.tokenBudget?.key;
  if (key === undefined) return where;
  return typeof key === 'string' ? key : undefined;
}

/**
 * Records the breaker/retry-budget options a method declares for its key (called after each decorator).
 * @param target - the prototype or constructor the method is on.
 * @param propertyKey - the method's name.
 * @param where - `Class.method`, for messages.
 * @param meta - the method's policies so far.
 * @throws PolicyConfigError when another method already declared different options for the same fixed key.
 */
export function declareGuards(target: object, propertyKey: string | symbol, where: string, meta: PolicyMetadata): void {
  let methods = registeredKey.get(target);
  if (methods === undefined) {
    methods = new Map<string | symbol, string>();
    registeredKey.set(target, methods);
  }
  const previous = methods.get(propertyKey);
  if (previous !== undefined) forget(previous, target, propertyKey);
  methods.delete(propertyKey);
  const retry = meta.retry;
  const key = fixedKey(meta, where);
  // a method without a shared key (no limits: its key is `Class.method`) or with a computed key is checked at call time
  if (retry === undefined || key === undefined || key === where) return;
  for (const field of FIELDS) {
    const value = retry[field];
    if (value === undefined) continue;
    const existing = declarations.get(key)?.get(field);
    if (existing === undefined) continue;
    const same = existing.owner === target && existing.propertyKey === propertyKey;
    if (!same && !sameOptions(existing.value, value)) {
      throw conflict(where, field, value, key, existing);
    }
  }
  let byField = declarations.get(key);
  for (const field of FIELDS) {
    const value = retry[field];
    if (value === undefined) continue;
    if (byField === undefined) {
      byField = new Map<GuardField, GuardDeclaration>();
      declarations.set(key, byField);
    }
    if (!byField.has(field)) byField.set(field, { where, value, owner: target, propertyKey });
  }
  methods.set(propertyKey, key);
}

/** The first inline declaration of `field` for `key`, if any. */
export function declaredGuard(key: string, field: GuardField): GuardDeclaration | undefined {
  return declarations.get(key)?.get(field);
}

/** The error for two different declarations of one key's breaker or retry budget. */
export function conflict(where: string, field: GuardField, value: unknown, key: string, first: GuardDeclaration): PolicyConfigError {
  return new PolicyConfigError(
    where,
    field,
    value,
    `the same ${field} as ${first.where}, which declares it for key "${key}" (a key has one ${field === 'breaker' ? 'breaker' : 'retry budget'}: ` +
      'declare it on one method, or in the key\'s named policy)',
  );
}

function forget(key: string, owner: object, propertyKey: string | symbol): void {
  const byField = declarations.get(key);
  if (byField === undefined) return;
  for (const field of FIELDS) {
    const declaration = byField.get(field);
    if (declaration?.owner === owner && declaration.propertyKey === propertyKey) byField.delete(field);
  }
  if (byField.size === 0) declarations.delete(key);
}
