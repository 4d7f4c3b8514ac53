/**
 * Event-emitter streams of the SDKs: Anthropic's `messages.stream()` (`MessageStream`), openai's
 * `chat.completions.stream()` (`ChatCompletionStream`) and `responses.stream()` (`ResponseStream`). The caller
 * listens to them itself (`on('text')`, `for await`, `finalMessage()`), and an event emitted before it listens is
 * lost to it, so the runtime cannot hold events back: it hands the stream over as soon as the response arrives
 * (`connect`) — a 429, 5xx or connection failure before that is retried — and afterwards only watches the
 * events, for usage and the idle timeout, without changing how the stream reports errors to the caller.
 * @packageDocumentation
 */

import type { StreamAdapter } from './adapter';
import type { StreamSession } from './session';

type Listener = (...args: unknown[]) => void;

interface EventStream {
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
  abort(): void;
  readonly ended: boolean;
  readonly errored: boolean;
  readonly aborted: boolean;
}

/** The event each SDK emits per chunk: Anthropic `streamEvent`, openai chat `chunk`, openai responses `event`. */
const CHUNK_EVENTS = ['streamEvent', 'chunk', 'event'] as const;

function isEventStream(value: object): value is EventStream {
  const v = value as Partial<Record<string, unknown>>;
  return (
    typeof v.on === 'function' &&
    typeof v.off === 'function' &&
    typeof v.abort === 'function' &&
    typeof v.done === 'function' &&
    'ended' in v &&
    'errored' in v &&
    'aborted' in v
  );
}

/** SDK event streams. */
export const eventStream: StreamAdapter = {
  name: 'SDK event stream',
  matches: isEventStream,
  async open(value: object, session: StreamSession): Promise<unknown> {
    const stream = value as EventStream;
    session.onAbort(() => {
      stream.abort();
    });
    await session.untilOpen(connected(stream));
    session.open();
    watch(stream, session);
    return stream;
  },
};

/** Resolves when the response arrived; rejects with the SDK's error (or abort) before that. */
function connected(stream: EventStream): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.off('connect', onConnect);
      stream.off('error', onError);
      stream.off('abort', onError);
    };
    const onConnect = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: unknown): void => {
      cleanup();
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the SDK's own error or abort, passed on as it came
      reject(error);
    };
    stream.on('connect', onConnect);
    // listening to 'error' until connect also keeps the SDK from raising it as an unhandled rejection
    stream.on('error', onError);
    stream.on('abort', onError);
  });
}

/** After the hand-over: usage and idle timing from the chunk events, the outcome from `end`. */
function watch(stream: EventStream, session: StreamSession): void {
  const onChunk = (chunk: unknown): void => {
    session.pushed(chunk);
  };
  const onEnd = (): void => {
    for (const event of CHUNK_EVENTS) stream.off(event, onChunk);
    stream.off('end', onEnd);
    // the runtime's own stops (timeouts, the caller's signal) ended the session already; an abort seen here is the
    // caller's own (`break` out of the stream, `stream.abort()`): the stream was abandoned, not interrupted
    // (the SDKs set `errored` for an abort too: `aborted` is checked first)
    if (stream.aborted) session.abandoned();
    else if (stream.errored) session.interrupted(new Error('the stream failed'));
    else session.completed();
  };
  for (const event of CHUNK_EVENTS) stream.on(event, onChunk);
  stream.on('end', onEnd);
}
