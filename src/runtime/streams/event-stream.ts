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
  done(): Promise<void>;
  /** Anthropic's `MessageStream`: the response once connected (openai's streams have none). */
  readonly response?: unknown;
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
      // the SDK raises an abort nobody listens to as an unhandled rejection: this abort is the runtime's (a timeout,
      // the caller's signal), so it must not crash the process; the caller's own listeners still hear it
      stream.done().catch(() => undefined);
      stream.abort();
    });
    if (hasEnded(stream)) {
      // the method waited for the whole answer (`await stream.finalMessage()`) before returning the stream
      session.missedStart();
      session.open();
      settle(stream, session);
      return stream;
    }
    // the method may have waited for the response already (Anthropic's `response` is set, or chunks flow): a
    // chunk or the end counts as connected too, and what went by before is not seen
    const whole = stream.response === undefined || stream.response === null ? await session.untilOpen(connected(stream)) : false;
    if (!whole) session.missedStart();
    session.open();
    if (hasEnded(stream)) {
      // it ended while the runtime waited for its response
      settle(stream, session);
      return stream;
    }
    session.watchIdle();
    watch(stream, session);
    return stream;
  },
};

/**
 * Resolves when the response arrived: `true` on `connect`, `false` on a chunk or the end (the stream connected
 * before it was returned, so chunks may have gone by unseen); rejects with the SDK's error (or abort) before that.
 */
function connected(stream: EventStream): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const cleanup = (): void => {
      stream.off('connect', onConnect);
      for (const event of CHUNK_EVENTS) stream.off(event, onLate);
      stream.off('end', onLate);
      stream.off('error', onError);
      stream.off('abort', onError);
    };
    const onConnect = (): void => {
      cleanup();
      resolve(true);
    };
    const onLate = (): void => {
      cleanup();
      resolve(false);
    };
    const onError = (error: unknown): void => {
      cleanup();
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the SDK's own error or abort, passed on as it came
      reject(error);
    };
    stream.on('connect', onConnect);
    for (const event of CHUNK_EVENTS) stream.on(event, onLate);
    stream.on('end', onLate);
    // listening to 'error' until connect also keeps the SDK from raising it as an unhandled rejection
    stream.on('error', onError);
    stream.on('abort', onError);
  });
}

/** Whether the stream has ended (read afresh each time: it changes while the runtime awaits). */
function hasEnded(stream: EventStream): boolean {
  return stream.ended;
}

/** The outcome of an ended stream from its flags (the SDKs set `errored` for an abort too: `aborted` first). */
function settle(stream: EventStream, session: StreamSession): void {
  if (stream.aborted) session.abandoned();
  else if (stream.errored) session.interrupted(new Error('the stream failed'));
  else session.completed();
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
    settle(stream, session);
  };
  for (const event of CHUNK_EVENTS) stream.on(event, onChunk);
  stream.on('end', onEnd);
}
