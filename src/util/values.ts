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
