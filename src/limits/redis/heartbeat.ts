/**
 * The fleet's heartbeat: every store instance keeps an entry in a sorted set per prefix, renewed on a timer, so
 * each knows how many processes share the limits. The count is what the `'local'` fallback divides the limits
 * by while Redis is unreachable (the `instances` option is only the default until Redis has answered once).
 * @packageDocumentation
 */

import { randomBytes } from 'node:crypto';
import { FAILED } from './command-runner';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from './options';
import { COMMANDS } from './scripts';

/** Intervals an entry lives without renewal: one late or lost beat does not drop a live process. */
export const HEARTBEAT_LIFETIMES = 3;

/** Runs one of the store's scripts (the command runner's `run`). */
export type RunScript = (name: string, args: Array<string | number>) => Promise<unknown>;

/**
 * One store instance's heartbeat. The first beat is sent at construction; then one every
 * `intervalMs` on a timer that is `unref`ed (it never keeps a process alive) and cleared by
 * {@link Heartbeat.close}, which also removes the entry.
 */
export class Heartbeat {
  /** This instance's entry in the set (random). */
  readonly id = randomBytes(9).toString('base64url');
  private live: number | undefined = undefined;
  private closed = false;
  private readonly timer: ReturnType<typeof setInterval>;

  /**
   * @param run - runs a script through the store's command runner (bounded, health-checked).
   * @param key - the instances key of the prefix.
   * @param onCount - told every new count of live instances (this one included).
   * @param intervalMs - beat interval (default `DEFAULT_HEARTBEAT_INTERVAL_MS`); entries live
   * {@link HEARTBEAT_LIFETIMES} intervals.
   */
  constructor(
    private readonly run: RunScript,
    private readonly key: string,
    private readonly onCount: (live: number) => void,
    readonly intervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => void this.beat(), intervalMs);
    this.timer.unref();
    void this.beat();
  }

  /** Live instances at the last beat Redis answered (this one included), or undefined before the first. */
  get count(): number | undefined {
    return this.live;
  }

  /** Renews this instance's entry and reads the count (a failed beat keeps the last count). */
  async beat(): Promise<void> {
    const reply = await this.run(COMMANDS.heartbeat, [this.key, this.id, HEARTBEAT_LIFETIMES * this.intervalMs]);
    if (this.closed || reply === FAILED) return;
    const live = Number(reply);
    if (!Number.isInteger(live) || live < 1 || live === this.live) return;
    this.live = live;
    this.onCount(live);
  }

  /** Stops the timer and removes this instance's entry (best effort: otherwise it expires on its own). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.run(COMMANDS.leave, [this.key, this.id]);
  }
}
