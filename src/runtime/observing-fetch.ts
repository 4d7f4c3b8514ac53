/**
 * A `fetch` for SDK clients that shows every response's headers to the decorated call it belongs to, so
 * rate-limit headers of successful responses are read too (the SDKs return only the parsed body).
 * @packageDocumentation
 */

import { currentCall, enableAsyncContext } from './context';

/** The fetch signature SDKs accept (`new OpenAI({ fetch })`, `new Anthropic({ fetch })`). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * Wraps a fetch so each response's headers go to `currentCall().observeHeaders` (a no-op outside a decorated
 * call): limits are learned and the provider's remaining figures adopted on every success, not only on errors.
 * An SDK calls fetch after awaits of its own, so creating one switches the call context's async propagation on
 * (`configureResilience({ asyncContext })`).
 * @param base - the fetch to wrap; the global `fetch` by default.
 * @example
 * const client = new OpenAI({ maxRetries: 0, fetch: observingFetch() });
 */
export function observingFetch(base: FetchLike = (input, init) => fetch(input, init)): FetchLike {
  enableAsyncContext();
  return async (input, init) => {
    const call = currentCall();
    const response = await base(input, init);
    call?.observeHeaders(response.headers);
    return response;
  };
}
