/**
 * The thin call wrapper the decorators install: it forwards every call to the runtime's dispatcher.
 * One wrapper per method, however many decorators are applied.
 * @packageDocumentation
 */

import { dispatch } from './dispatch';
import { PolicyConfigError } from '../errors';
import { MethodHandle } from './method-handle';
import { addPolicyMetadata, getPolicyMetadata, describeMethod, type PolicyMetadata } from './metadata';
import { declareGuards } from './guard-declarations';

const HANDLE = Symbol('llm-resilience:handle');

/** A class's name for messages. */
function describeClass(target: object): string {
  return typeof target === 'function' && target.name !== '' ? target.name : '<anonymous class>';
}

type Wrapped = ((...args: unknown[]) => Promise<unknown>) & { [HANDLE]?: MethodHandle };

/**
 * Records a policy on a method and makes sure the method is wrapped. Called by each decorator.
 * @param target - the prototype (or constructor, for static methods).
 * @param propertyKey - the method name.
 * @param descriptor - the method's property descriptor (undefined when a decorator sits on a property); its `value` is replaced by the wrapper.
 * @param field - which policy.
 * @param resolve - validates the decorator's options (given `Class.method` for error messages).
 */
export function applyPolicy<K extends keyof PolicyMetadata>(
  target: object,
  propertyKey: string | symbol,
  descriptor: PropertyDescriptor | undefined,
  field: K,
  resolve: (where: string) => NonNullable<PolicyMetadata[K]>,
): PropertyDescriptor {
  // a legacy decorator written on a class is called with the class alone
  const onClass = (propertyKey as string | symbol | undefined) === undefined;
  const where = onClass ? describeClass(target) : describeMethod(target, propertyKey);
  const current: unknown = descriptor?.value;
  if (descriptor === undefined || typeof current !== 'function') {
    // what it is, as a standard decorator's context names it
    const found = onClass ? 'class' : descriptor === undefined ? 'field' : descriptor.get !== undefined ? 'getter' : descriptor.set !== undefined ? 'setter' : current;
    throw new PolicyConfigError(where, 'target', found, 'a method (decorators apply to methods only)');
  }
  addPolicyMetadata(target, propertyKey, field, resolve(where));
  declareGuards(target, propertyKey, where, getPolicyMetadata(target, propertyKey) ?? {});
  if ((current as Wrapped)[HANDLE] !== undefined) return descriptor;
  const handle = new MethodHandle(target, propertyKey, where, current as (...args: unknown[]) => unknown);
  const wrapper: Wrapped = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    return dispatch(handle, this, args);
  };
  wrapper[HANDLE] = handle;
  Object.defineProperty(wrapper, 'name', { value: (current as { name: string }).name });
  descriptor.value = wrapper;
  return descriptor;
}
