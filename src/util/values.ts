/**
 * Small type guards shared by every folder (no imports, no state).
 * @packageDocumentation
 */

/** True for a non-null object (arrays included): its properties can be read. */
export function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null;
}

/** True for a non-null object or a function: anything that can carry properties. */
export function isObjectLike(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** True for a promise or any other thenable (a value with a `then` method). */
export function isThenable<T = unknown>(value: unknown): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/**
 * Observes the rejection of a promise (or any thenable) nobody waits for, so it is not an unhandled rejection;
 * anything else is left alone.
 * @param value - a result that may be a promise.
 */
export function ignoreRejection(value: unknown): void {
  if (isThenable(value)) value.then(undefined, () => undefined);
}

/**
 * Whether two small option values are the same: both `false`, or objects setting the same fields to the same
 * JSON values (fields set to `undefined` count as absent; key order does not matter).
 */
export function sameOptions(a: object | false, b: object | false): boolean {
  if (a === false || b === false) return a === b;
  return canonical(a) === canonical(b);
}

function canonical(o: object): string {
  return JSON.stringify(
    Object.entries(o)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
  );
}
