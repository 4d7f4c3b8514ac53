/**
 * Abort helpers: one listener per signal however many waiters share it, and sleeps that an abort cuts short.
 * @packageDocumentation
 */

import type { Clock } from '../clock';

/** Callbacks waiting on each caller signal: one real listener per signal, however many calls share it. */
const subscribers = new WeakMap<AbortSignal, Set<() => void>>();

function dispatch(this: AbortSignal): void {
  const set = subscribers.get(this);
  if (set === undefined) return;
  subscribers.delete(this);
  for (const callback of set) callback();
}

/**
 * Calls `callback` once when `signal` aborts; returns the function that unsubscribes. Calls that share one
 * signal (a request-scoped or shutdown signal passed to hundreds of calls) share one event listener, so the
 * signal never collects a listener per call (and never trips Node's MaxListenersExceededWarning).
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  if (signal.aborted) {
    queueMicrotask(callback);
    return () => undefined;
  }
  let set = subscribers.get(signal);
  if (set === undefined) {
    set = new Set();
    subscribers.set(signal, set);
    signal.addEventListener('abort', dispatch, { once: true });
  }
  set.add(callback);
  return () => {
    const current = subscribers.get(signal);
    if (current === undefined) return;
    current.delete(callback);
    if (current.size === 0) {
      subscribers.delete(signal);
      signal.removeEventListener('abort', dispatch);
    }
  };
}

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. The timer and the listener
 * are removed either way, so nothing outlives the sleep.
 */
export function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an aborted sleep rejects with the signal's own reason, as fetch does
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    let unsubscribe: (() => void) | undefined;
    const timer = clock.setTimeout(() => {
      unsubscribe?.();
      resolve();
    }, ms);
    if (signal !== undefined) {
      unsubscribe = onAbort(signal, () => {
        clock.clearTimeout(timer);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- as above: the signal's own reason
        reject(signal.reason);
      });
    }
  });
}
