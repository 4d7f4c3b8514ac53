/**
 * Pull streams (async iterators): reading up to the first content, then handing the caller an iterator that
 * replays what was held back and reads on through the session.
 * @packageDocumentation
 */

import { MAX_HELD_CHUNKS } from './adapter';
import type { StreamSession } from './session';
import { ignoreRejection } from '../../util/values';

/** What opening found: the chunks held back, and whether the stream already ended. */
export interface Opened<T> {
  /** Chunks read before (and including) the first content. */
  readonly held: T[];
  /** The stream ended before any content. */
  readonly done: boolean;
}

/**
 * Reads `source` until the first content chunk, holding every chunk back. An error before it (thrown, or carried
 * in a chunk) aborts the stream and rejects: nothing reached the caller, so the runtime may send again.
 * @param source - the stream's iterator.
 * @param session - the stream's session.
 * @param cancel - stops the underlying stream.
 */
export async function openPull<T>(source: AsyncIterator<T>, session: StreamSession, cancel: () => unknown): Promise<Opened<T>> {
  const held: T[] = [];
  try {
    for (;;) {
      const result = await session.untilOpen(source.next());
      if (result.done === true) return { held, done: true };
      const facts = session.chunk(result.value);
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the chunk's own error, as the provider sent it (classified for the retry)
      if (facts.error !== undefined) throw facts.error;
      held.push(result.value);
      if (facts.content || held.length >= MAX_HELD_CHUNKS) return { held, done: false };
    }
  } catch (error) {
    try {
      const stopped = cancel();
      ignoreRejection(stopped);
    } catch {
      // already closed
    }
    throw error;
  }
}

/**
 * The caller's iterator over an opened stream: the held chunks first, then the source through the session (idle
 * and attempt timeouts, the caller's abort, failures as `StreamInterruptedError`). Ending early (`return()`)
 * abandons the stream and stops the source.
 * @param source - the stream's iterator, already started.
 * @param opened - what opening held back.
 * @param session - the stream's session (already open).
 */
export function consumerIterator<T>(source: AsyncIterator<T>, opened: Opened<T>, session: StreamSession): AsyncIterator<T> & AsyncIterable<T> {
  const held = opened.held;
  let finished = false;
  if (opened.done && held.length === 0) {
    finished = true;
    session.completed();
  }
  const iterator: AsyncIterator<T> & AsyncIterable<T> = {
    next: async (): Promise<IteratorResult<T>> => {
      if (held.length > 0) {
        session.deliver();
        const value = held.shift() as T;
        if (held.length === 0 && opened.done && !finished) {
          finished = true;
          session.completed();
        }
        return { value, done: false };
      }
      if (finished) return { value: undefined, done: true };
      let result: IteratorResult<T>;
      try {
        result = await session.next(source.next());
      } catch (error) {
        finished = true;
        throw error;
      }
      if (result.done === true) {
        finished = true;
        session.completed();
        return result;
      }
      const facts = session.chunk(result.value);
      if (facts.error !== undefined) {
        finished = true;
        session.interrupted(facts.error);
        throw session.consumerError(facts.error);
      }
      session.deliver();
      return result;
    },
    return: async (value?: unknown): Promise<IteratorResult<T>> => {
      if (!finished) {
        finished = true;
        session.abandoned();
        try {
          await source.return?.(value);
        } catch {
          // the source may already be closed or failing: the caller asked to stop, nothing to report
        }
      }
      return { value: value as T, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
