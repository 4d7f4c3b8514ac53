/**
 * The caller's cancellation: finding the `AbortSignal` in a call's arguments.
 * @packageDocumentation
 */

/**
 * The caller's `AbortSignal`: the last argument itself, or the `signal` property of the last argument
 * (the request-options shape the openai and Anthropic SDKs take, e.g. `create(body, { signal })`).
 */
export function callerSignal(args: readonly unknown[]): AbortSignal | undefined {
  const last = args.length > 0 ? args[args.length - 1] : undefined;
  if (last === null || typeof last !== 'object') return undefined;
  if (last instanceof AbortSignal) return last;
  const signal = (last as { signal?: unknown }).signal;
  return signal instanceof AbortSignal ? signal : undefined;
}
