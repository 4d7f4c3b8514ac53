/**
 * Web `ReadableStream`s (LangChain's `.stream()` returns an `IterableReadableStream`): the caller gets a new
 * stream of the same class that replays what was held back and reads on through the session, pulling only when
 * the caller reads.
 * @packageDocumentation
 */

import type { StreamAdapter } from './adapter';
import { consumerIterator, openPull } from './pull';
import type { StreamSession } from './session';

type StreamClass = new (source: UnderlyingDefaultSource, strategy?: QueuingStrategy) => ReadableStream;

function isReadableStream(value: object): value is ReadableStream {
  return typeof ReadableStream !== 'undefined' && value instanceof ReadableStream;
}

/** Web streams. */
export const readableStream: StreamAdapter = {
  name: 'ReadableStream',
  matches: isReadableStream,
  async open(value: object, session: StreamSession): Promise<unknown> {
    const stream = value as ReadableStream;
    const reader = stream.getReader();
    const cancel = (): Promise<void> => reader.cancel();
    const source: AsyncIterator<unknown> = {
      next: () => reader.read() as Promise<IteratorResult<unknown>>,
      return: async (v?: unknown) => {
        await reader.cancel();
        return { value: v, done: true };
      },
    };
    session.onAbort(cancel);
    const opened = await openPull(source, session, cancel);
    session.open();
    const iterator = consumerIterator(source, opened, session);
    const underlying: UnderlyingDefaultSource = {
      async pull(controller) {
        try {
          const result = await iterator.next();
          if (result.done === true) controller.close();
          else controller.enqueue(result.value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    };
    // the same class as the caller would have got (an IterableReadableStream stays one); pull only on read
    const Class = stream.constructor as StreamClass;
    try {
      return new Class(underlying, { highWaterMark: 0 });
    } catch {
      return new ReadableStream(underlying, { highWaterMark: 0 });
    }
  },
};
