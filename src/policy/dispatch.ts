/**
 * The seam between the decorators' method wrapper and the runtime: the wrapper hands every call to the
 * dispatcher the runtime installs when it loads, so policy code never imports the runtime (the flow stays
 * decorators → policy metadata → runtime → stores).
 * @packageDocumentation
 */

import type { MethodHandle } from './method-handle';

/** Runs one call of a decorated method through its policies (the runtime's interceptor). */
export interface MethodDispatcher {
  /**
   * @param handle - the decorated method.
   * @param thisArg - the instance.
   * @param args - the call's arguments.
   */
  invoke(handle: MethodHandle, thisArg: unknown, args: unknown[]): Promise<unknown>;
}

function runtimeNotLoaded(): MethodDispatcher {
  throw new Error(
    'llm-resilience: a decorated method was called but the runtime is not loaded; import the decorators from "llm-resilience"',
  );
}

let current: () => MethodDispatcher = runtimeNotLoaded;

/**
 * Installs the function that returns the dispatcher for each call (the runtime does this once, on load).
 * @param source - returns the active dispatcher; called once per call, so it must be cheap.
 */
export function installDispatcher(source: () => MethodDispatcher): void {
  current = source;
}

/** Hands one call to the active dispatcher. */
export function dispatch(handle: MethodHandle, thisArg: unknown, args: unknown[]): Promise<unknown> {
  return current().invoke(handle, thisArg, args);
}
