/**
 * Steps 4–5 of the composition order: one attempt of the method, inside its call context, raced against the
 * attempt timeout and the caller's abort.
 * @packageDocumentation
 */

import type { Clock } from '../clock';
import { AttemptTimeoutError } from '../errors';
import { onAbort } from '../util/abort';
import { isThenable } from '../util/values';
import type { Call } from './call';
import { runInContext } from './context';

/**
 * What an attempt threw before its method returned: nothing was sent, so its take of the limits goes back.
 * (A marker around the error, internal to the runtime.)
 */
export class NotSent extends Error {
  /** @param error - what the method threw. */
  constructor(readonly error: unknown) {
    super('the method threw before sending anything');
  }
}

/**
 * Runs the call's method once.
 * @param call - the call; its context is reset for this attempt.
 * @param clock - for the attempt timeout.
 * @returns the method's value as it returned it (a promise raced against the timeout and the caller's abort when
 * either applies).
 * @throws NotSent wrapping what the method threw synchronously.
 */
export function runAttempt(call: Call, clock: Clock): unknown {
  const { plan, signal, deadline } = call;
  let timeoutMs = plan.retry?.attemptTimeoutMs;
  if (deadline !== Infinity) {
    const left = Math.max(1, deadline - call.now);
    if (timeoutMs === undefined || left < timeoutMs) timeoutMs = left;
  }
  // an own signal (not the caller's) when the runtime may have to abort the attempt: a timeout, or a stream's
  call.resetAttempt(timeoutMs !== undefined || plan.retry?.firstChunkTimeoutMs !== undefined || plan.retry?.idleTimeoutMs !== undefined);
  let value: unknown;
  try {
    value = runInContext(call, plan.original, call.thisArg, call.args);
  } catch (error) {
    throw new NotSent(error);
  }
  if (!isThenable(value) || (timeoutMs === undefined && signal === undefined)) return value;
  return race(call, value, timeoutMs, signal, clock);
}

/** The attempt's promise, rejected early by the timeout or the caller's abort (which also abort its context). */
function race(
  call: Call,
  value: PromiseLike<unknown>,
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
  clock: Clock,
): Promise<unknown> {
  // The context exists only if the method asked for it (its signal may then be in use): abort that one.
  const context = call.context;
  return new Promise((resolve, reject) => {
    let timer: unknown;
    let unsubscribe: (() => void) | undefined;
    const cleanup = (): void => {
      if (timer !== undefined) clock.clearTimeout(timer);
      unsubscribe?.();
    };
    if (timeoutMs !== undefined) {
      const ms = timeoutMs;
      timer = clock.setTimeout(() => {
        timer = undefined;
        cleanup();
        const error = new AttemptTimeoutError(ms);
        context?.abort(error);
        reject(error);
      }, ms);
    }
    if (signal !== undefined) {
      unsubscribe = onAbort(signal, () => {
        unsubscribe = undefined;
        cleanup();
        context?.abort(signal.reason);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's abort reason, whatever it is
        reject(signal.reason);
      });
    }
    value.then(
      (result) => {
        cleanup();
        resolve(result);
      },
      (error: unknown) => {
        cleanup();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the method's own rejection, passed on as it is
        reject(error);
      },
    );
  });
}
