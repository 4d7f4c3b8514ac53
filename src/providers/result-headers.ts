/**
 * Finds response headers on a successful result, so rate-limit headers are read without the method's help.
 * @packageDocumentation
 */

import { isHeadersLike, type HeadersLike } from './headers';

/** `globalThis.Response` is a lazy getter in Node: read it once, not per call. */
const ResponseClass: typeof Response | undefined = typeof Response === 'undefined' ? undefined : Response;

/**
 * Headers of a result: the openai SDK's `.withResponse()` shape `{ data, response }` (and any object with a
 * `response.headers`), or a fetch `Response` itself. `undefined` when the result carries none.
 */
export function resultHeaders(result: unknown): HeadersLike | undefined {
  if (result === null || typeof result !== 'object') return undefined;
  const response = (result as { response?: unknown }).response;
  if (response !== null && typeof response === 'object') {
    const headers = (response as { headers?: unknown }).headers;
    if (isHeadersLike(headers)) return headers;
  }
  // A fetch Response has `headers`; checking the property first keeps plain results off the prototype walk.
  if (ResponseClass !== undefined && (result as { headers?: unknown }).headers !== undefined && result instanceof ResponseClass) {
    return result.headers;
  }
  return undefined;
}
