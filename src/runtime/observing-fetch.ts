/**
 * A `fetch` for SDK clients that shows every response's headers to the decorated call it belongs to, so
 * rate-limit headers of successful responses are read too (the SDKs return only the parsed body).
 * @packageDocumentation
 */

import type { HeadersLike } from '../providers/headers';
import { currentCall, enableAsyncContext } from './context';

/** The fetch signature SDKs accept (`new OpenAI({ fetch })`, `new Anthropic({ fetch })`). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * Any fetch whose responses carry headers: the global fetch, or an SDK's own fetch type (openai v4 under Node
 * types its `fetch` option with node-fetch's types).
 */
export type AnyFetch = (input: never, init?: never) => Promise<{ readonly headers: HeadersLike }>;

/**
 * Wraps a fetch so each response's headers go to `currentCall().observeHeaders` (a no-op outside a decorated
 * call): limits are learned and the provider's remaining figures adopted on every success, not only on errors.
 * An SDK calls fetch after awaits of its own, so creating one switches the call context's async propagation on
 * (`configureResilience({ asyncContext })`).
 *
 * The result has the type of the fetch it wraps, or, without one, the type the `fetch` option it is given to
 * expects (so it fits every SDK version's own fetch type); the global `fetch` is wrapped then.
 * @typeParam F - the fetch type: inferred from `base`, or from where the result goes (an optional `fetch` option's
 * type includes `undefined`, hence `NonNullable`); {@link FetchLike} otherwise.
 * @param base - the fetch to wrap; the global `fetch` by default.
 * @example
 * const client = new OpenAI({ maxRetries: 0, fetch: observingFetch() });
 */
export function observingFetch<F extends AnyFetch | undefined = FetchLike>(base?: F): NonNullable<F> {
  enableAsyncContext();
  const inner = base as unknown as ((...args: unknown[]) => Promise<{ readonly headers: HeadersLike }>) | undefined;
  const observing = async (...args: unknown[]) => {
    const call = currentCall();
    // the global fetch is looked up per call, as before: a fetch installed later (e.g. by a test) is used
    const response = await (inner === undefined ? fetch(...(args as Parameters<typeof fetch>)) : inner(...args));
    call?.observeHeaders(response.headers);
    return response;
  };
  return observing as unknown as NonNullable<F>;
}
