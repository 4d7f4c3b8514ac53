/**
 * Async generators (`@google/genai`'s `generateContentStream()`, and any `async function*` a method returns):
 * the caller gets a new async generator that replays what was held back and reads on through the session.
 *
 * A library compiled for older targets returns a generator of tslib's `__asyncGenerator` instead of a native one
 * (@google/genai 1 and 2 do): a plain object with `next`, `return`, `throw` and `[Symbol.asyncIterator]`. It is
 * recognised by those methods; a web `ReadableStream` (LangChain's `IterableReadableStream` has them too) is not
 * one — it keeps its own adapter and class.
 * @packageDocumentation
 */

import type { StreamAdapter } from './adapter';
import { consumerIterator, openPull } from './pull';
import type { StreamSession } from './session';

/** `Object.prototype.toString`, bound once (the object's own `toString` could be anything). */
const tag = (value: object): string => Object.prototype.toString.call(value);

/** A native async generator, or an object with an async generator's methods that is not a web stream. */
function isAsyncGenerator(value: object): boolean {
  if (tag(value) === '[object AsyncGenerator]') return true;
  if (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream) return false;
  const v = value as Partial<Record<string | symbol, unknown>>;
  return typeof v.next === 'function' && typeof v.return === 'function' && typeof v.throw === 'function' && typeof v[Symbol.asyncIterator] === 'function';
}

/** Async generators. */
export const asyncGenerator: StreamAdapter = {
  name: 'async generator',
  matches: isAsyncGenerator,
  async open(value: object, session: StreamSession): Promise<unknown> {
    const source = value as AsyncGenerator<unknown, unknown>;
    const stop = (): unknown => source.return(undefined);
    session.onAbort(stop);
    const opened = await openPull(source, session, stop);
    session.open();
    return relay(consumerIterator(source, opened, session));
  },
};

/** An async generator over `iterator` (so the caller gets the same type of object it would have). */
async function* relay(iterator: AsyncIterator<unknown>): AsyncGenerator<unknown, void> {
  let done = false;
  try {
    for (;;) {
      const result = await iterator.next();
      if (result.done === true) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}
