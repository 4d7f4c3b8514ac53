/**
 * The Vercel AI SDK's `streamText()` / `streamObject()` results. They return at once and run the request in the
 * background; the caller reads `textStream`, `fullStream` or the result's promises. The runtime reads its own copy
 * of the parts (`fullStream` tees the underlying stream, so the caller's reads start from the first part) up to
 * the first content: an error part before it (a 429, a 5xx, a dropped connection) fails the attempt and the
 * method is called again; afterwards the copy is read to the end for usage and the idle timeout. The result's
 * promise-valued getters (`usage`, `text`, `response`, …) are never read: a rejected one nobody awaits would be an
 * unhandled rejection.
 * @packageDocumentation
 */

import { MAX_HELD_CHUNKS, type StreamAdapter } from './adapter';
import type { StreamSession } from './session';

function isAiSdkResult(value: object): boolean {
  const v = value as Partial<Record<string, unknown>>;
  // `in` reads no getter; consumeStream is a method (reading it starts nothing)
  return 'fullStream' in v && 'textStream' in v && typeof v.consumeStream === 'function';
}

/** AI SDK stream results. */
export const aiSdkResult: StreamAdapter = {
  name: 'AI SDK stream result',
  matches: isAiSdkResult,
  async open(value: object, session: StreamSession): Promise<unknown> {
    const parts = (value as { readonly fullStream: ReadableStream<unknown> }).fullStream;
    const reader = parts.getReader();
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
