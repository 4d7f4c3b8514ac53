/**
 * Cancellation helpers: finding the caller's signal in a call's arguments, and sleeps that an abort cuts short.
 * @packageDocumentation
 */

import type { Clock } from './clock';

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

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. The timer and the listener
 * are removed either way, so nothing outlives the sleep.
 */
export function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    let onAbort: (() => void) | undefined;
    const timer = clock.setTimeout(() => {
      if (onAbort !== undefined) signal!.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal !== undefined) {
      onAbort = () => {
        clock.clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}
