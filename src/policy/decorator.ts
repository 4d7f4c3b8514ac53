/**
 * One decorator function for both decorator standards: TC39 standard decorators (what TypeScript ≥ 5 compiles by
 * default, and esbuild/tsx and Babel) call it with `(method, context)`; legacy `experimentalDecorators` with
 * `(prototype, name, descriptor)`. Both validate the same options, raise the same errors and record the same
 * policies for the runtime.
 * @packageDocumentation
 */

import { applyPolicy } from './method-wrapper';
import type { PolicyMetadata } from './metadata';
import { applyStandardPolicy, isStandardContext } from './standard-method';

/**
 * The argument lists a key or estimate function with parameters `A` accepts: its parameters, then anything (the
 * function may ignore trailing arguments). A function over a plain array type (`(...args: unknown[])`, or none
 * given) accepts any argument list.
 */
export type ArgsAccepted<A extends readonly unknown[]> = never[] extends A ? readonly unknown[] : readonly [...A, ...unknown[]];

/**
 * A method decorator of this package, usable as a standard decorator and as a legacy one. It applies to methods
 * that return a promise, whose parameters the decorator's `key` and `estimate` functions accept: a key written for
 * `(req: { model: string })` on a method `(n: number)` does not compile.
 * @typeParam A - the parameters of the decorator's `key` / `estimate` functions.
 */
export interface PolicyDecorator<A extends readonly unknown[] = never[]> {
  /** TC39 standard decorator (no `experimentalDecorators`). */
  <This, Args extends ArgsAccepted<A>, R>(
    method: (this: This, ...args: Args) => Promise<R>,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Promise<R>>,
  ): (this: This, ...args: Args) => Promise<R>;
  /** Legacy decorator (`experimentalDecorators: true`). */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- Args is inferred from the method so that its constraint checks the key/estimate parameters
  <Args extends ArgsAccepted<A>, R>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<(...args: Args) => Promise<R>>,
  ): void;
}

/**
 * Builds a decorator that records one policy.
 * @param field - which policy.
 * @param resolve - validates the decorator's options, given `Class.method` (or the method name) for messages.
 */
export function policyDecorator<A extends readonly unknown[], K extends keyof PolicyMetadata>(
  field: K,
  resolve: (where: string) => NonNullable<PolicyMetadata[K]>,
): PolicyDecorator<A> {
  function decorate<This, Args extends ArgsAccepted<A>, R>(
    method: (this: This, ...args: Args) => Promise<R>,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Promise<R>>,
  ): (this: This, ...args: Args) => Promise<R>;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- as in PolicyDecorator: inferred from the method, checked by its constraint
  function decorate<Args extends ArgsAccepted<A>, R>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<(...args: Args) => Promise<R>>,
  ): void;
  function decorate(first: unknown, second: unknown, descriptor?: PropertyDescriptor): unknown {
    if (isStandardContext(second)) return applyStandardPolicy(first, second, field, resolve);
    applyPolicy(first as object, second as string | symbol, descriptor, field, resolve);
    return undefined;
  }
  return decorate;
}
