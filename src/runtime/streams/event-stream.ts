/**
 * Event-emitter streams of the SDKs: Anthropic's `messages.stream()` (`MessageStream`), openai's
 * `chat.completions.stream()` (`ChatCompletionStream`) and `responses.stream()` (`ResponseStream`). The caller
 * listens to them itself (`on('text')`, `for await`, `finalMessage()`), and an event emitted before it listens is
 * lost to it, so the runtime cannot hold events back: it hands the stream over as soon as the response arrives
 * (`connect`) — a 429, 5xx or connection failure before that is retried — and afterwards only watches the
 * events, for usage and the idle timeout, without changing how the stream reports errors to the caller.
 *
 * A stream the method waited on before returning it (`await stream.finalMessage(); return stream`, or until its
 * first event) went partly or wholly by unseen: once it ended, its usage is read from the SDK's final result
 * (`finalChatCompletion()`, `finalResponse()`, `finalMessage()`), which holds the whole answer's usage. The end is
 * reported on the next turn of the event loop: by then the final result of an ended SDK stream has settled (a
 * look-alike whose final result has not keeps its estimate charged: nothing waits on it), and the runtime has
 * reported the call's success first, as for any stream.
 * @packageDocumentation
 */

import type { StreamDialect } from '../../providers/streams/chunk-facts';
import { dataProp } from '../../providers/data-props';
import { usageTokens } from '../../tokens/usage';
import { isThenable } from '../../util/values';
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

/**
 * The methods resolving with an SDK stream's final result, the first one present is read, with the dialect of
 * its usage: openai `ChatCompletionStream` (its own `finalMessage()` is a message, without usage), openai
 * `ResponseStream`, Anthropic `MessageStream`.
 */
const FINAL_RESULTS: ReadonlyArray<readonly [method: string, dialect: StreamDialect]> = [
  ['finalChatCompletion', 'openai-chat'],
  ['finalResponse', 'openai-responses'],
  ['finalMessage', 'anthropic'],
];

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
      settleEnded(stream, session);
      return stream;
    }
    // the method may have waited for the response already (Anthropic's `response` is set, or chunks flow): a
    // chunk or the end counts as connected too, and what went by before is not seen
    const whole = stream.response === undefined || stream.response === null ? await session.untilOpen(connected(stream)) : false;
    if (!whole) session.missedStart();
    session.open();
    if (hasEnded(stream)) {
      // it ended while the runtime waited for its response
      settleEnded(stream, session);
      return stream;
    }
    session.watchIdle();
    watch(stream, session, !whole);
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

/** What the final result of a completed stream reported, once read. */
interface FinalUsage {
  readonly tokens: number | undefined;
  readonly dialect: StreamDialect | undefined;
}

/**
 * Settles an ended stream whose chunks partly or wholly went by unseen: a completed one with the usage of the
 * SDK's final result. Reported on the next turn of the event loop (`setImmediate`, which fires at once and holds
 * nothing): the final result of an ended stream settles before it, and so does the runtime's report of the call's
 * success. A final result not settled by then (not an SDK stream) counts as no usage reported.
 */
function settleEnded(stream: EventStream, session: StreamSession): void {
  session.settling();
  if (stream.aborted || stream.errored) {
    setImmediate(() => settle(stream, session));
    return;
  }
  let final: FinalUsage | undefined;
  readFinal(stream, (usage) => (final = usage));
  setImmediate(() => session.completedWith(final?.tokens, final?.dialect));
}

/**
 * Reads the SDK stream's final result (it settles at once for an ended stream): `found` gets its usage, or no
 * usage when it rejects (the SDK's "stream ended without producing a ..."); never called when the stream has no
 * final result. Its rejection is always observed. Never throws.
 */
function readFinal(stream: EventStream, found: (usage: FinalUsage) => void): void {
  for (const [method, dialect] of FINAL_RESULTS) {
    const read = dataProp(stream, method);
    if (typeof read !== 'function') continue;
    try {
      const promise: unknown = read.call(stream);
      if (isThenable(promise)) {
        promise.then(
          (result: unknown) => found({ tokens: usageTokens(result), dialect }),
          () => found({ tokens: undefined, dialect }),
        );
      }
    } catch {
      // not an SDK stream after all: no usage
    }
    return;
  }
}

/**
 * After the hand-over: usage and idle timing from the chunk events, the outcome from `end`.
 * @param missed - chunks went by before the runtime listened: a completed stream's usage is its final result's.
 */
function watch(stream: EventStream, session: StreamSession, missed: boolean): void {
  const onChunk = (chunk: unknown): void => {
    session.pushed(chunk);
  };
  const onEnd = (): void => {
    for (const event of CHUNK_EVENTS) stream.off(event, onChunk);
    stream.off('end', onEnd);
    // the runtime's own stops (timeouts, the caller's signal) ended the session already; an abort seen here is the
    // caller's own (`break` out of the stream, `stream.abort()`): the stream was abandoned, not interrupted
    if (missed) settleEnded(stream, session);
    else settle(stream, session);
  };
  for (const event of CHUNK_EVENTS) stream.on(event, onChunk);
  stream.on('end', onEnd);
}
