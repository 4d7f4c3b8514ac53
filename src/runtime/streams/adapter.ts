/**
 * What the runtime needs to know about one kind of stream a client returns.
 * @packageDocumentation
 */

import type { StreamSession } from './session';

/** One kind of stream (a client's stream class, or a standard shape). */
export interface StreamAdapter {
  /** For messages. */
  readonly name: string;
  /**
   * Whether `value` is a stream of this kind. Reads only methods and data properties: never a getter that starts
   * work or returns a promise. Never throws.
   */
  matches(value: object): boolean;
  /**
   * Opens the stream: reads (and holds back) what arrives until the first content, then returns what the caller
   * gets — the same object, or a wrapper of the same type. Rejects with the error that ended the stream before
   * any content, after aborting it (the runtime may then retry).
   * @param value - the stream as the method returned it.
   * @param session - timers, abort and usage of this stream.
   */
  open(value: object, session: StreamSession): Promise<unknown>;
}

/** Chunks held back before the first content, at most (then the stream opens anyway: memory stays bounded). */
export const MAX_HELD_CHUNKS = 256;
