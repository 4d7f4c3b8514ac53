/**
 * Writes one streamed answer of the emulator as server-sent events: paced by the streaming delays, cut by a
 * mid-stream fault, and watched for the client going away. One timer at most, cleared on every way out.
 * @packageDocumentation
 */
import type { ServerResponse } from 'node:http';
import type { StreamPlan } from './dialect';
import { drawMs } from './option-values';
import type { ResolvedStreamOptions, StreamFault } from './stream-options';

/** How a stream ended. */
export type StreamOutcome = 'succeeded' | 'dropped' | 'serverErrors' | 'aborted';

/** Called once when a stream ends, with the text chunks it wrote. */
export type StreamEnd = (stream: SseStream, outcome: StreamOutcome, sentChunks: number) => void;

const ignore = (): void => undefined;

/** A streamed answer in progress (the response headers are already written). */
export class SseStream {
  /** Text chunks written so far. */
  private sent = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  /** Where the fault strikes, in chunks (clamped to the chunk count), or -1. */
  private readonly faultAt: number;

  /**
   * @param res - the response, its headers written with `writeHead`.
   * @param plan - the frames to write.
   * @param options - pacing.
   * @param fault - the mid-stream fault, or null.
   * @param random - uniform source in [0, 1) for the delays.
   * @param onEnd - called once when the stream ends, however it ends.
   */
  constructor(
    private readonly res: ServerResponse,
    private readonly plan: StreamPlan,
    private readonly options: ResolvedStreamOptions,
    private readonly fault: StreamFault | null,
    private readonly random: () => number,
    private readonly onEnd: StreamEnd,
  ) {
    this.faultAt = fault === null ? -1 : Math.min(fault.after, plan.chunks.length);
  }

  /** Starts writing: the first chunk after the first-chunk delay. */
  start(): void {
    this.res.on('close', this.onClose);
    // A write after the client went away must not throw out of a timer.
    this.res.on('error', ignore);
    const delay = drawMs(this.options.firstChunkDelay, this.random);
    if (delay > 0) {
      this.res.flushHeaders();
      this.timer = setTimeout(this.step, delay);
    } else {
      this.step();
    }
  }

  /** Clears the pending timer (the server is closing; the connection's close then ends the stream). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly onClose = (): void => {
    if (!this.ended) this.finish('aborted');
  };

  private finish(outcome: StreamOutcome): void {
    this.ended = true;
    this.cancel();
    this.onEnd(this, outcome, this.sent);
  }

  /** Writes every chunk due now, then arms the timer for the next one or ends the stream. */
  private readonly step = (): void => {
    this.timer = undefined;
    const res = this.res;
    if (this.ended) return;
    if (res.destroyed || res.socket === null || res.socket.destroyed) {
      this.finish('aborted');
      return;
    }
    const { chunks, opening } = this.plan;
    const n = chunks.length;
    let out = '';
    for (;;) {
      if (this.sent === this.faultAt) {
        this.strike(out);
        return;
      }
      if (this.sent === n) {
        res.end(out + this.plan.closing);
        this.finish('succeeded');
        return;
      }
      if (this.sent === 0) out += opening;
      out += chunks[this.sent++];
      // The closing events follow the last chunk at once.
      const delay = this.sent < n ? drawMs(this.options.chunkDelay, this.random) : 0;
      if (delay > 0) {
        res.write(out);
        this.timer = setTimeout(this.step, delay);
        return;
      }
    }
  };

  private strike(out: string): void {
    const res = this.res;
    if (this.fault?.kind === 'error') {
      res.end(out + this.plan.error(this.sent));
      this.finish('serverErrors');
      return;
    }
    this.finish('dropped');
    if (out === '') res.flushHeaders();
    // Destroy once what was written has reached the socket, so the client sees it before the cut.
    res.write(out, () => res.socket?.destroy());
  }
}
