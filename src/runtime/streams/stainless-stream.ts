/**
 * The `Stream` class of the openai and Anthropic SDKs (`create({ stream: true })`): an async iterable whose
 * iteration, `tee()` and `toReadableStream()` all go through its `iterator` function, with an `AbortController`.
 * The runtime reads up to the first content, then points that function at its own iterator: the caller keeps the
 * SDK's own object, and every way of reading it goes through the runtime.
 * @packageDocumentation
 */

import type { StreamAdapter } from './adapter';
import { consumerIterator, openPull } from './pull';
import type { StreamSession } from './session';

interface SdkStream {
  iterator: () => AsyncIterator<unknown>;
  readonly controller: { abort(reason?: unknown): void };
}

function isSdkStream(value: object): value is SdkStream {
  const v = value as Partial<Record<string, unknown>>;
  const controller = v.controller;
  return (
    typeof v.iterator === 'function' &&
    typeof v.tee === 'function' &&
    typeof v.toReadableStream === 'function' &&
    typeof controller === 'object' &&
    controller !== null &&
    typeof (controller as { abort?: unknown }).abort === 'function'
  );
}

/** openai / Anthropic SDK `Stream`. */
export const stainlessStream: StreamAdapter = {
  name: 'SDK Stream',
  matches: isSdkStream,
  async open(value: object, session: StreamSession): Promise<unknown> {
    const stream = value as SdkStream;
    const source = stream.iterator();
    const abort = (): void => stream.controller.abort();
    session.onAbort(abort);
    const opened = await openPull(source, session, abort);
    session.open();
    let handedOut = false;
    stream.iterator = () => {
      if (handedOut) throw new Error('Cannot iterate over a consumed stream, use `.tee()` to split the stream.');
      handedOut = true;
      return consumerIterator(source, opened, session);
    };
    return stream;
  },
};
