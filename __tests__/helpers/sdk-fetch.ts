/**
 * In-process provider answers for the real client packages in unit tests: a `fetch` function handed to an SDK
 * through its `fetch` option returns a real `Response` (JSON, or a server-sent event stream), so the SDK parses
 * it as it would a provider's, with no server and no socket. Integration tests use the emulator over HTTP.
 */

/** A `fetch` as the SDKs' `fetch` options take it. */
export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** A fetch that answers every request with `status`, a JSON `body` and `headers`. */
export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): FetchFn {
  return () => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } }));
}

/** One server-sent event: an optional `event:` name and its data (objects are sent as JSON). */
export interface SseEvent {
  readonly event?: string;
  readonly data: unknown;
}

/** The text of a server-sent event stream. */
export function sseText(events: readonly SseEvent[]): string {
  return events
    .map((e) => `${e.event === undefined ? '' : `event: ${e.event}\n`}data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`)
    .join('');
}

/** A fetch that answers every request with a 200 event stream of `events`. */
export function sseAnswer(events: readonly SseEvent[], headers: Record<string, string> = {}): FetchFn {
  return () => Promise.resolve(new Response(sseText(events), { status: 200, headers: { 'content-type': 'text/event-stream', ...headers } }));
}

/** Collects every value of an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}
