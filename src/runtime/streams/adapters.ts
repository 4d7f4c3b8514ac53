/**
 * The kinds of streams the runtime recognises in a method's result, in the order they are tried.
 * @packageDocumentation
 */

import type { StreamAdapter } from './adapter';
import { aiSdkResult } from './ai-sdk-result';
import { asyncGenerator } from './async-generator';
import { eventStream } from './event-stream';
import { readableStream } from './readable-stream';
import { stainlessStream } from './stainless-stream';

const ADAPTERS: readonly StreamAdapter[] = [stainlessStream, eventStream, aiSdkResult, asyncGenerator, readableStream];

/**
 * The adapter for a method's result when it is a stream, else `undefined`. Plain results cost two property
 * lookups: every recognised stream is async iterable or has a `fullStream`.
 */
export function streamAdapterFor(result: unknown): StreamAdapter | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  if (!(Symbol.asyncIterator in result) && !('fullStream' in result)) return undefined;
  for (const adapter of ADAPTERS) {
    try {
      if (adapter.matches(result)) return adapter;
    } catch {
      // a hostile object: not a stream we know
    }
  }
  return undefined;
}
