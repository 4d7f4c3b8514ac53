/**
 * The method wrapper for TC39 standard decorators (TypeScript ≥ 5 without `experimentalDecorators`, esbuild/tsx,
 * Babel's 2023 decorators). A standard method decorator receives the method and a context object, never the class:
 * options are validated when the decorator is applied, and the class name is learned as soon as it can be.
 * - Static methods: from the static initializer (`context.addInitializer`, run while the class is defined, with
 *   `this` the class). An invalid option is thrown from there, so the error names `Class.method` and the class
 *   definition still fails.
 * - Instance methods: nothing runs at class definition that sees the class (instance initializers run in the
 *   constructor), so an invalid option is thrown at once naming the method only; the stack points at the class.
 *   A valid method is named `Class.method` on its first call, from the prototype that holds it.
 * @packageDocumentation
 */

import { dispatch } from './dispatch';
import { PolicyConfigError } from '../errors';
import { MethodHandle } from './method-handle';
import { isObjectLike } from '../util/values';
import { declareGuards } from './guard-declarations';
import { addStandardPolicy, appliedTwice, describeMethod, getPolicyMetadata, hasStandardPolicy, type PolicyMetadata } from './metadata';

/** The parts of a standard decorator context this module reads (`ClassMethodDecoratorContext` and its siblings). */
export interface StandardDecoratorContext {
  readonly kind: string;
  readonly name: string | symbol | undefined;
  readonly static?: boolean;
  readonly private?: boolean;
  addInitializer?(initializer: (this: unknown) => void): void;
}

const HANDLE = Symbol('llm-resilience:standard-handle');

type Wrapped = ((...args: unknown[]) => Promise<unknown>) & { [HANDLE]?: MethodHandle };

/** Whether a decorator's second argument is a standard decorator context (legacy decorators get a property key). */
export function isStandardContext(value: unknown): value is StandardDecoratorContext {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

/**
 * Records a policy on a method decorated the standard way, and wraps it (once, however many decorators).
 * @param method - the method (or the wrapper an earlier decorator of this package returned).
 * @param context - the decorator context.
 * @param field - which policy.
 * @param resolve - validates the decorator's options (given `Class.method`, or the method name, for messages).
 * @returns the wrapper the class holds instead of the method; undefined (keep the method) when the error is
 * deferred to the static initializer.
 * @throws PolicyConfigError for an invalid option, a decorator applied twice, or a decorator on something other
 * than a method.
 */
export function applyStandardPolicy<K extends keyof PolicyMetadata>(
  method: unknown,
  context: StandardDecoratorContext,
  field: K,
  resolve: (where: string) => NonNullable<PolicyMetadata[K]>,
): Wrapped | undefined {
  const name = context.name ?? '<anonymous>';
  if (context.kind !== 'method' || typeof method !== 'function') {
    throw new PolicyConfigError(String(name), 'target', context.kind, 'a method (decorators apply to methods only)');
  }
  const wrapper = (method as Wrapped)[HANDLE] === undefined ? wrap(method as (...args: unknown[]) => unknown, name, context.private === true) : (method as Wrapped);
  const record = (where: string): void => {
    const value = resolve(where);
    if (hasStandardPolicy(wrapper, field)) throw appliedTwice(where, field);
    declareGuards(wrapper, name, where, { ...getPolicyMetadata(wrapper, name), [field]: value });
    addStandardPolicy(wrapper, field, value);
  };
  try {
    record(String(name));
  } catch (error) {
    if (context.static !== true || context.addInitializer === undefined || !(error instanceof PolicyConfigError)) throw error;
    // A static method's initializer runs while the class is defined, with `this` the class: fail there, named.
    context.addInitializer(function (this: unknown) {
      record(describeMethod(this as object, name));
      throw error;
    });
    return undefined;
  }
  return wrapper;
}

/** The wrapper the class holds: names its handle on the first call that shows the class, then dispatches. */
function wrap(original: (...args: unknown[]) => unknown, name: string | symbol, isPrivate: boolean): Wrapped {
  const wrapper: Wrapped = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    if (!handle.named) nameFrom(handle, this, wrapper, isPrivate);
    return dispatch(handle, this, args);
  };
  const handle = new MethodHandle(wrapper, name, String(name), original, false);
  wrapper[HANDLE] = handle;
  Object.defineProperty(wrapper, 'name', { value: original.name });
  return wrapper;
}

/**
 * Names a handle `Class.method` from a call's `this`: the class whose prototype (or, static, the class itself)
 * holds the wrapper, searched up the prototype chain so a subclass instance names the declaring class. A private
 * method is not a property: its class is the instance's (or, static, `this`).
 */
function nameFrom(handle: MethodHandle, thisArg: unknown, wrapper: Wrapped, isPrivate: boolean): void {
  const owner = isPrivate ? (isObjectLike(thisArg) ? thisArg : undefined) : holderOf(thisArg, handle.propertyKey, wrapper);
  if (owner !== undefined) handle.rename(describeMethod(owner, handle.propertyKey));
}

/** The object on `start`'s prototype chain whose own `key` is `method`. */
function holderOf(start: unknown, key: string | symbol, method: Wrapped): object | undefined {
  for (let o = start; isObjectLike(o); o = Object.getPrototypeOf(o) as unknown) {
    if (Object.getOwnPropertyDescriptor(o, key)?.value === method) return o;
  }
  return undefined;
}
