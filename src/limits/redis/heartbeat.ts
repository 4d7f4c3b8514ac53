/**
 * The fleet's heartbeat: every store instance keeps an entry in a sorted set per prefix, renewed on a timer, so
 * each knows how many processes share the limits. The count is what the `'local'` fallback divides the limits
 * by while Redis is unreachable (the `instances` option is only the default until Redis has answered once).
 * @packageDocumentation
 */

import { randomBytes } from 'node:crypto';
import { backgroundClock, type Clock, type TimerHandle } from '../../clock';
import { FAILED } from './command-runner';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from './options';
import { COMMANDS } from './scripts';

/**
 * Intervals (`heartbeatIntervalMs`) an entry lives without renewal: one late or lost beat does not drop a live
 * process. The young pace never lengthens the gap between two beats beyond one interval, so this holds for it too.
 */
export const HEARTBEAT_LIFETIMES = 3;

/**
 * The pace while the count is young, ms: a store beats this often (or every `heartbeatIntervalMs`, if shorter), so
 * its count follows a fleet that is starting or changing within about a second.
 */
export const YOUNG_BEAT_MS = 1000;

/** The count is young for this many intervals after the store starts (a fleet starts over a few seconds). */
export const YOUNG_INTERVALS_AT_START = 3;

/** ...and for this many intervals after a beat saw the count change (a deploy or scale-out changes it several times). */
export const YOUNG_INTERVALS_AFTER_CHANGE = 1;

/** Runs one of the store's scripts (the command runner's `run`). */
export type RunScript = (name: string, args: Array<string | number>) => Promise<unknown>;

/**
 * When the next beat is due: every {@link YOUNG_BEAT_MS} while the count is young (the store's first
 * {@link YOUNG_INTERVALS_AT_START} intervals, and {@link YOUNG_INTERVALS_AFTER_CHANGE} interval after any beat that
 * saw the count change), else every `intervalMs`. Pure: the caller passes the time.
 */
export class BeatSchedule {
  private youngUntil: number;

  /**
   * @param intervalMs - the settled interval (`heartbeatIntervalMs`, > 0).
   * @param start - when the store started (the caller's clock).
   */
  constructor(
    readonly intervalMs: number,
    start: number,
  ) {
    this.youngUntil = start + YOUNG_INTERVALS_AT_START * intervalMs;
  }

  /** The young pace, ms: {@link YOUNG_BEAT_MS}, or the interval if shorter. */
  get youngMs(): number {
    return Math.min(YOUNG_BEAT_MS, this.intervalMs);
  }

  /**
   * Time from a beat sent at `now` to the next one.
   * @param now - the caller's clock.
   */
  delay(now: number): number {
    return now < this.youngUntil ? this.youngMs : this.intervalMs;
  }

  /**
   * A beat answered at `now` with a different count than the last one (or the first count): young again.
   * @param now - the caller's clock.
   */
  changed(now: number): void {
    this.youngUntil = Math.max(this.youngUntil, now + YOUNG_INTERVALS_AFTER_CHANGE * this.intervalMs);
  }
}

/**
 * One store instance's heartbeat. The first beat is sent at construction; then one every `intervalMs`, or every
 * second while the count is young (see {@link BeatSchedule}). One timer at a time, `unref`ed (it never keeps a
 * process alive) and cleared by {@link Heartbeat.close}, which also removes the entry. A beat is skipped while the
 * previous one has not answered yet (e.g. both wait for the client's first connection).
 */
export class Heartbeat {
  /** This instance's entry in the set (random). */
  readonly id = randomBytes(9).toString('base64url');
  private live: number | undefined = undefined;
  private closed = false;
  private inFlight = false;
  /** The next beat's timer, and when it is due; undefined when none is set. */
  private next: { readonly handle: TimerHandle; readonly dueAt: number } | undefined = undefined;
  private readonly schedule: BeatSchedule;

  /**
   * @param run - runs a script through the store's command runner (bounded, health-checked).
   * @param key - the instances key of the prefix.
   * @param onCount - told every new count of live instances (this one included).
   * @param intervalMs - settled beat interval (default `DEFAULT_HEARTBEAT_INTERVAL_MS`); entries live
   * {@link HEARTBEAT_LIFETIMES} intervals.
   * @param clock - time and timers (default: `backgroundClock`, real timers `unref`ed; tests pass a fake clock).
   */
  constructor(
    private readonly run: RunScript,
    private readonly key: string,
    private readonly onCount: (live: number) => void,
    readonly intervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS,
    private readonly clock: Clock = backgroundClock,
  ) {
    this.schedule = new BeatSchedule(intervalMs, clock.now());
    this.tick();
  }

  /** Live instances at the last beat Redis answered (this one included), or undefined before the first. */
  get count(): number | undefined {
    return this.live;
  }

  /** Renews this instance's entry and reads the count (a failed beat keeps the last count). */
  async beat(): Promise<void> {
    if (this.closed || this.inFlight) return;
    this.inFlight = true;
    let reply: unknown;
    try {
      reply = await this.run(COMMANDS.heartbeat, [this.key, this.id, HEARTBEAT_LIFETIMES * this.intervalMs]);
    } finally {
      this.inFlight = false;
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may have run while the beat was awaited
    if (this.closed || reply === FAILED) return;
    const live = Number(reply);
    if (!Number.isInteger(live) || live < 1 || live === this.live) return;
    this.live = live;
    const now = this.clock.now();
    this.schedule.changed(now);
    // the fleet is changing: a next beat set at the settled interval comes at the young pace instead
    if (this.next !== undefined && this.next.dueAt > now + this.schedule.youngMs) this.arm(this.schedule.youngMs);
    this.onCount(live);
  }

  /** Stops the timer and removes this instance's entry (best effort: otherwise it expires on its own). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.next !== undefined) this.clock.clearTimeout(this.next.handle);
    this.next = undefined;
    await this.run(COMMANDS.leave, [this.key, this.id]);
  }

  /** Sets the next beat's timer, then beats. */
  private tick(): void {
    if (this.closed) return;
    this.arm(this.schedule.delay(this.clock.now()));
    void this.beat();
  }

  private arm(delayMs: number): void {
    if (this.next !== undefined) this.clock.clearTimeout(this.next.handle);
    const dueAt = this.clock.now() + delayMs;
    const handle = this.clock.setTimeout(() => {
      this.next = undefined;
      this.tick();
    }, delayMs);
    this.next = { handle, dueAt };
  }
}
