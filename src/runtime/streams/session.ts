/**
 * One stream of a decorated call, from the method's return to its end: its timers (first chunk, idle, attempt),
 * the caller's abort, the usage its chunks report, and how it ends. The adapters (one per client's stream type)
 * feed it; the session decides when the stream fails, and reports the end exactly once.
 *
 * Before the stream opens (first content), a failure rejects {@link StreamSession.untilOpen} and the runtime may
 * retry: nothing reached the caller. Once open, nothing is ever sent again: failures surface to the consumer as
 * {@link StreamInterruptedError} (the caller's own abort as its reason).
 * @packageDocumentation
 */

import type { Clock } from '../../clock';
import { AttemptTimeoutError, StreamInterruptedError } from '../../errors';
import type { StreamOutcome } from '../../events/types';
import { onAbort } from '../../util/abort';
import { ignoreRejection } from '../../util/values';
import { CONTENT, type ChunkFacts, type StreamDialect } from '../../providers/streams/chunk-facts';
import { detectChunkDialect, readStreamChunk } from '../../providers/streams/read-chunk';
import { EMPTY_TALLY, tallyTokens, tallyUsage, type UsageTally } from '../../providers/streams/usage-tally';


/**
 * Called once when an open stream ends.
 * @param outcome - how it ended.
 * @param usage - the tokens its chunks reported, if any.
 * @param chunks - chunks that reached the caller.
 * @param error - what ended it, unless it completed or was abandoned.
 * @param dialect - the chunks' dialect, when known.
 */
export type StreamEnd = (outcome: StreamOutcome, usage: number | undefined, chunks: number, error: unknown, dialect: StreamDialect | undefined) => void;

/** The limits a session runs under. */
export interface StreamLimits {
  /** The call's key, for errors. */
  readonly key: string;
  /** Longest wait for the first content, ms. */
  readonly firstChunkTimeoutMs: number | undefined;
  /** Longest gap between chunks once open, ms. */
  readonly idleTimeoutMs: number | undefined;
  /** When the attempt must be over (the clock's epoch ms): its timeout, or the call's deadline; `Infinity`: never. */
  readonly attemptEndsAt: number;
  /** The attempt timeout behind `attemptEndsAt`, for messages (undefined when it is the deadline). */
  readonly attemptTimeoutMs: number | undefined;
}

/** One stream's timers, abort link, usage and end. */
export class StreamSession {
  /** Chunks that reached the caller so far. */
  delivered = 0;
  /** The first content arrived: the stream is the caller's. */
  opened = false;
  private tally: UsageTally = EMPTY_TALLY;
  /** Chunks went by before the runtime watched the stream: its usage tally is partial and is not settled. */
  private missedChunks = false;
  /** The chunks' dialect, once a chunk of a known shape was seen. */
  private dialect: StreamDialect | undefined = undefined;
  private ended = false;
  private readonly aborters: Array<(reason: unknown) => unknown> = [];
  /** Why the stream was stopped: a timeout, or the caller's abort reason. */
  private failure: unknown = undefined;
  private callerAborted = false;
  private attemptTimer: unknown = undefined;
  private idleTimer: unknown = undefined;
  private unsubscribe: (() => void) | undefined = undefined;
  /** When the first content must have arrived (the clock's epoch ms), or `Infinity`. */
  private readonly firstChunkAt: number;
  /** Rejects the wait in progress (opening, or the consumer's next chunk) when the stream is stopped. */
  private interrupt: ((reason: unknown) => void) | undefined = undefined;

  /**
   * @param clock - the runtime's clock.
   * @param limits - timeouts and the key.
   * @param callerSignal - the caller's cancellation, if any.
   * @param end - called once when an open stream ends.
   */
  constructor(
    private readonly clock: Clock,
    readonly limits: StreamLimits,
    callerSignal: AbortSignal | undefined,
    private readonly end: StreamEnd,
  ) {
    const now = clock.now();
    this.firstChunkAt = limits.firstChunkTimeoutMs === undefined ? Infinity : now + limits.firstChunkTimeoutMs;
    if (limits.attemptEndsAt !== Infinity) {
      const ms = Math.max(0, limits.attemptEndsAt - now);
      this.attemptTimer = clock.setTimeout(() => {
        this.attemptTimer = undefined;
        this.stop(new AttemptTimeoutError(limits.attemptTimeoutMs ?? Math.round(ms), 'attempt'), false);
      }, ms);
    }
    if (callerSignal !== undefined) {
      this.unsubscribe = onAbort(callerSignal, () => {
        this.unsubscribe = undefined;
        this.stop(callerSignal.reason, true);
      });
    }
  }

  /** Registers how to abort the underlying stream (called on timeouts, the caller's abort, abandonment). */
  onAbort(abort: (reason: unknown) => unknown): void {
    this.aborters.push(abort);
  }

  /**
   * Waits for `step` (the next chunk, the connection) before the stream opens, racing the first-chunk timeout,
   * the attempt timeout and the caller's abort; on any of those the underlying stream is aborted and the wait
   * rejects with the timeout error or the abort reason.
   */
  untilOpen<T>(step: PromiseLike<T>): Promise<T> {
    if (this.failure !== undefined) {
      ignoreRejection(step); // the stopped stream's pending read rejects too: nobody waits for it
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a timeout error or the caller's own abort reason, as given
      return Promise.reject(this.failure);
    }
    return this.race(step, this.limits.firstChunkTimeoutMs, this.firstChunkAt, 'first-chunk');
  }

  /**
   * The stream was handed over after some of its chunks went by unseen (the method waited on it before returning
   * it): the usage counted from the rest would be partial, so the estimate stays charged (unless the client reports
   * the whole answer's usage: {@link StreamSession.completedWith}).
   */
  missedStart(): void {
    this.missedChunks = true;
  }

  /** The first content arrived: from now on the stream is the caller's and is never sent again. */
  open(): void {
    this.opened = true;
  }

  /**
   * Waits for the consumer's next chunk once open, racing the idle timeout, the attempt timeout and the caller's
   * abort. A failure ends the stream and rejects with {@link StreamSession.consumerError}.
   */
  next<T>(step: PromiseLike<T>): Promise<T> {
    if (this.failure !== undefined) {
      ignoreRejection(step); // the stopped stream's pending read rejects too: nobody waits for it
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a StreamInterruptedError, or the caller's own abort reason as given
      return Promise.reject(this.consumerError(this.failure));
    }
    const idleMs = this.limits.idleTimeoutMs;
    return this.race(step, idleMs, idleMs === undefined ? Infinity : this.clock.now() + idleMs, 'idle').then(undefined, (error: unknown) => {
      this.interrupted(error);
      throw this.consumerError(error);
    });
  }

  /**
   * A push-mode stream (an event emitter the caller listens to) emitted a chunk after it opened: counted,
   * inspected, and the idle timer restarts.
   */
  pushed(chunk: unknown): ChunkFacts {
    this.delivered++;
    this.watchIdle();
    return this.chunk(chunk);
  }

  /**
   * (Re)starts the idle timer of a push-mode stream: from its hand-over (a stream may stall between its response
   * headers and its first event) and after every chunk.
   */
  watchIdle(): void {
    this.clearIdle();
    const idleMs = this.limits.idleTimeoutMs;
    if (idleMs !== undefined && !this.ended) {
      this.idleTimer = this.clock.setTimeout(() => {
        this.idleTimer = undefined;
        this.stop(new AttemptTimeoutError(idleMs, 'idle'), false);
      }, idleMs);
    }
  }

  /**
   * Reads one chunk (the adapters call it on every chunk): its content, usage and in-band error. A chunk of no
   * known shape counts as content (a stream of the caller's own making is not held back).
   */
  chunk(chunk: unknown): ChunkFacts {
    const dialect = (this.dialect ??= detectChunkDialect(chunk));
    if (dialect === undefined) return CONTENT;
    const facts = readStreamChunk(chunk, dialect);
    if (facts.usage !== undefined) this.tally = tallyUsage(this.tally, facts.usage);
    return facts;
  }

  /** One chunk reached the caller (pull mode). */
  deliver(): void {
    this.delivered++;
  }

  /** The stream ran to its end. */
  completed(): void {
    this.finish('completed', undefined, this.tallied());
  }

  /**
   * The stream ran to its end, and its client reported the whole answer's usage itself (an SDK stream's final
   * result): that figure is settled in place of the chunks' tally, which misses the chunks that went by unseen.
   * @param tokens - the reported usage; `undefined` when none was reported (the estimate stays charged).
   * @param dialect - the stream's dialect, when the chunks did not tell it.
   */
  completedWith(tokens: number | undefined, dialect: StreamDialect | undefined): void {
    this.dialect ??= dialect;
    this.finish('completed', undefined, tokens);
  }

  /**
   * The stream ended and only its report is left to make (its final result is being read): its timers and the
   * caller's abort no longer apply to it.
   */
  settling(): void {
    this.clear();
  }

  /** The consumer stopped reading before the end (`break`, `return()`, `cancel()`): the stream is aborted. */
  abandoned(): void {
    if (this.ended) return;
    this.abortUnderlying(new Error('the consumer stopped reading the stream'));
    this.finish('abandoned', undefined, this.tallied());
  }

  /** The stream failed after it opened. */
  interrupted(error: unknown): void {
    this.finish(this.callerAborted ? 'aborted' : 'interrupted', this.failure ?? error, this.tallied());
  }

  /** Ends a session that never opened (the attempt failed: the runtime retries or gives up): timers cleared. */
  close(): void {
    this.ended = true;
    this.clear();
  }

  /** What the consumer sees for `cause`: the caller's own abort reason as is, anything else wrapped once. */
  consumerError(cause: unknown): unknown {
    if (this.callerAborted && cause === this.failure) return cause;
    return cause instanceof StreamInterruptedError ? cause : new StreamInterruptedError(this.limits.key, this.delivered, cause);
  }

  /** Races `step` against a timer and the stop signal (timeouts elsewhere, the caller's abort). */
  private race<T>(
    step: PromiseLike<T>,
    timeoutMs: number | undefined,
    at: number,
    phase: 'first-chunk' | 'idle',
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: unknown;
      if (timeoutMs !== undefined && at !== Infinity) {
        timer = this.clock.setTimeout(() => {
          timer = undefined;
          this.stop(new AttemptTimeoutError(timeoutMs, phase), false);
        }, Math.max(0, at - this.clock.now()));
      }
      const done = (): void => {
        this.interrupt = undefined;
        if (timer !== undefined) this.clock.clearTimeout(timer);
        timer = undefined;
      };
      this.interrupt = (reason) => {
        done();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a timeout error or the caller's own abort reason, as given
        reject(reason);
      };
      step.then(
        (value) => {
          if (this.interrupt === undefined && this.failure !== undefined) return; // already rejected
          done();
          resolve(value);
        },
        (error: unknown) => {
          if (this.interrupt === undefined && this.failure !== undefined) return;
          done();
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the stream's own failure (or the stop reason), passed on as it came
          reject(this.failure ?? error);
        },
      );
    });
  }

  /** A timeout fired or the caller aborted: abort the underlying stream, fail the wait, end an open stream. */
  private stop(reason: unknown, callerAbort: boolean): void {
    if (this.failure !== undefined || this.ended) return;
    this.failure = reason;
    this.callerAborted = callerAbort;
    this.abortUnderlying(reason);
    this.interrupt?.(reason);
    // nobody may be reading an open stream now: it ends here all the same
    if (this.opened) this.finish(callerAbort ? 'aborted' : 'interrupted', reason, this.tallied());
  }

  private abortUnderlying(reason: unknown): void {
    for (const abort of this.aborters) {
      try {
        const result = abort(reason);
        ignoreRejection(result);
      } catch {
        // aborting a stream that already ended may throw: nothing is left to stop
      }
    }
  }

  /** The usage the chunks reported, unless some went by unseen. */
  private tallied(): number | undefined {
    return this.missedChunks ? undefined : tallyTokens(this.tally);
  }

  private finish(outcome: StreamOutcome, error: unknown, tokens: number | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.clear();
    this.end(outcome, tokens, this.delivered, error, this.dialect);
  }

  private clearIdle(): void {
    if (this.idleTimer !== undefined) {
      this.clock.clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
  }

  private clear(): void {
    if (this.attemptTimer !== undefined) {
      this.clock.clearTimeout(this.attemptTimer);
      this.attemptTimer = undefined;
    }
    this.clearIdle();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
