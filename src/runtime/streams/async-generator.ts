/**
 * Async generators (`@google/genai`'s `generateContentStream()`, and any `async function*` a method returns):
 * the caller gets a new async generator that replays what was held back and reads on through the session.
 * @packageDocumentation
 */

import type { StreamAdapter } from './adapter';
import { consumerIterator, openPull } from './pull';
import type { StreamSession } from './session';

const toString = Object.prototype.toString;

/** Async generators. */
export const asyncGenerator: StreamAdapter = {
  name: 'async generator',
  matches: (value) => toString.call(value) === '[object AsyncGenerator]',
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
