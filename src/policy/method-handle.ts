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
   * @param target - where the policies are recorded: the prototype or constructor the method is on (legacy
   * decorators), or the method function the class holds (standard decorators, which see no class).
   * @param propertyKey - method name.
   * @param where - `Class.method` for messages; standard decorators know only the method name until the class is
   * known (see {@link MethodHandle.named}).
   * @param original - the undecorated method.
   * @param named - false while {@link MethodHandle.where} lacks the class name.
   */
  constructor(
    readonly target: object,
    readonly propertyKey: string | symbol,
    public where: string,
    readonly original: (...args: unknown[]) => unknown,
    public named = true,
  ) {}

  /** Gives the handle its `Class.method` name, once known; a plan compiled under the old name is recompiled. */
  rename(where: string): void {
    this.where = where;
    this.named = true;
    this.plan = undefined;
  }
}
