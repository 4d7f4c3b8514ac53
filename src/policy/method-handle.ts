/**
 * What the runtime keeps per decorated method.
 * @packageDocumentation
 */

/** Per-method state: the original function and the compiled plan of the interceptor that last ran it. */
export class MethodHandle {
  /** The compiled plan (owned by {@link MethodHandle.planOwner}); compiled on first call, not per call. */
  plan: unknown = undefined;
  /** The interceptor that compiled {@link MethodHandle.plan}; a reconfiguration recompiles. */
  planOwner: unknown = undefined;

  /**
   * @param target - prototype or constructor the method is on.
   * @param propertyKey - method name.
   * @param where - `Class.method` for messages.
   * @param original - the undecorated method.
   */
  constructor(
    readonly target: object,
    readonly propertyKey: string | symbol,
    readonly where: string,
    readonly original: (...args: unknown[]) => unknown,
  ) {}
}
