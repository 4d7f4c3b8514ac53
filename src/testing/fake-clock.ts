/**
 * A manual clock for unit tests of code that uses llm-resilience: time moves only when told, so backoff,
 * jitter, deadlines and limiter waits are exact and instant.
 * @packageDocumentation
 */

import type { Clock, TimerHandle } from '../clock';

interface FakeTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** Lets pending promise callbacks run (one macrotask turn; no time passes on the fake clock). */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A {@link Clock} whose time advances only through {@link FakeClock.advance}. */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, FakeTimer>();

  /** @param start - initial epoch ms (default 2026-01-01T00:00:00Z). */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  /** @inheritDoc */
  now(): number {
    return this.time;
  }

  /** @inheritDoc */
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), seq: id, callback });
    return id;
  }

  /** @inheritDoc */
  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Timers scheduled and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, firing due timers in order and letting promise callbacks run after each,
   * so chains that schedule new timers within the window see them fire too.
   */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await flushPromises();
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.timers.delete(next.seq);
      this.time = Math.max(this.time, next.at);
      next.callback();
    }
    this.time = target;
    await flushPromises();
  }

  /** Advances until no timer is pending (bounded by `maxMs`, default one hour). */
  async runAll(maxMs = 3_600_000): Promise<void> {
    const limit = this.time + maxMs;
    for (;;) {
      await flushPromises();
      const next = this.nextDue(limit);
      if (next === undefined) return;
      await this.advance(next.at - this.time);
    }
  }

  private nextDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.at <= limit && (best === undefined || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq))) best = timer;
    }
    return best;
  }
}
