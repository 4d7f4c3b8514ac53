/**
 * The Vercel AI SDK's `streamText()` / `streamObject()` results. They return at once and run the request in the
 * background; the caller reads `textStream`, `fullStream` or the result's promises. The runtime reads its own copy
 * of the parts up to the first content: an error part before it (a 429, a 5xx, a dropped connection) fails the
 * attempt and the method is called again; afterwards the copy is read to the end for usage and the idle timeout.
 * The result's promise-valued getters (`usage`, `text`, `object`, `response`, …) are never read: a rejected one
 * nobody awaits would be an unhandled rejection.
 *
 * The copy: `streamText`'s `fullStream` tees the underlying stream (the caller's reads start from the first part).
 * `streamObject`'s streams (ai 5 and 6) all pipe one `baseStream` without a tee, so it can be read once: the
 * runtime tees it and leaves the caller's half in its place — what `streamText` does on every read.
 * @packageDocumentation
 */

import { MAX_HELD_CHUNKS, type StreamAdapter } from './adapter';
import type { StreamSession } from './session';

function isStreamTextResult(value: object): boolean {
  const v = value as Partial<Record<string, unknown>>;
  // `in` reads no getter; consumeStream is a method (reading it starts nothing)
  return 'fullStream' in v && 'textStream' in v && typeof v.consumeStream === 'function';
}

/** A `streamObject` result's one underlying stream (an own data property), or `undefined`. */
function objectBaseStream(value: object): ReadableStream<unknown> | undefined {
  if (!('partialObjectStream' in value) || !('fullStream' in value)) return undefined;
  const base = Object.getOwnPropertyDescriptor(value, 'baseStream');
  const stream: unknown = base !== undefined && 'value' in base ? base.value : undefined;
  return typeof ReadableStream !== 'undefined' && stream instanceof ReadableStream && !stream.locked ? stream : undefined;
}

function isAiSdkResult(value: object): boolean {
  return isStreamTextResult(value) || objectBaseStream(value) !== undefined;
}

/** The runtime's own copy of the result's parts; the caller's reads are left whole. */
function ownParts(value: object): ReadableStream<unknown> {
  const base = isStreamTextResult(value) ? undefined : objectBaseStream(value);
  // streamText's fullStream getter tees (no promise, no request started)
  if (base === undefined) return (value as { readonly fullStream: ReadableStream<unknown> }).fullStream;
  const [mine, theirs] = base.tee();
  (value as { baseStream: ReadableStream<unknown> }).baseStream = theirs;
  return mine;
}

/** AI SDK stream results. */
export const aiSdkResult: StreamAdapter = {
  name: 'AI SDK stream result',
  matches: isAiSdkResult,
  async open(value: object, session: StreamSession): Promise<unknown> {
    const reader = ownParts(value).getReader();
    const cancel = (): void => void reader.cancel().catch(() => undefined);
    // the SDK's request stops only through the abortSignal the method passed it (currentCall().signal)
    session.onAbort(cancel);
    let held = 0;
    try {
      for (;;) {
        const result = await session.untilOpen(reader.read());
        if (result.done) {
          session.open();
          session.completed();
          return value;
        }
        const facts = session.chunk(result.value);
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the part's own error, as the SDK made it (classified for the retry)
        if (facts.error !== undefined) throw facts.error;
        if (facts.content || ++held >= MAX_HELD_CHUNKS) break;
      }
    } catch (error) {
      cancel();
      throw error;
    }
    session.open();
    void readOn(reader, session);
    return value;
  },
};

/** Reads the runtime's copy to the end: usage, idle timing, an error part after the content. */
async function readOn(reader: ReadableStreamDefaultReader<unknown>, session: StreamSession): Promise<void> {
  try {
    for (;;) {
      const result = await reader.read();
      if (result.done) {
        session.completed();
        return;
      }
      const facts = session.pushed(result.value);
      if (facts.error !== undefined) {
        session.interrupted(facts.error);
        return;
      }
    }
  } catch (error) {
    session.interrupted(error);
  }
}
