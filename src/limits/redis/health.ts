/**
 * The Redis store's outage switch: whether operations go to Redis (healthy) or to the `onStoreError` path
 * (degraded), when to probe Redis again, and the one log line per transition.
 * @packageDocumentation
 */

/** The log sink of the Redis store (a pino logger or `console` fits). */
export interface RedisStoreLogger {
  /** Called once when the store falls back, and on unexpected script errors. */
  warn(fields: object, message: string): void;
  /** Called once when Redis answers again after a fallback. */
  info(fields: object, message: string): void;
}

/** Logs to the console (the default: an outage should not go unnoticed). */
export const consoleLogger: RedisStoreLogger = {
  warn: (fields, message) => console.warn(`${message} ${JSON.stringify(fields)}`),
  info: (fields, message) => console.info(`${message} ${JSON.stringify(fields)}`),
};

/** A monotonic millisecond clock (only differences are used). */
export type MonotonicNow = () => number;

const monotonicNow: MonotonicNow = performance.now.bind(performance);

/**
 * Healthy or degraded. Healthy: every operation goes to Redis. Degraded (after a failed, timed-out or
 * impossible command): operations use the fallback at once, except one probe at a time, at most every
 * `recoveryIntervalMs` and only while the client reports `ready`; a probe that succeeds ends the outage.
 * Logs once per transition.
 */
export class RedisHealth {
  private down = false;
  /** The outage so far is only "the client has not connected yet": not logged, and retried once ready. */
  private quiet = false;
  /** The last failure was a client that was not ready (no command was sent): retry as soon as it is. */
  private notReady = false;
  private everReady = false;
  private probing = false;
  private lastAttempt = 0;
  private outageStart = 0;
  private failures = 0;
  /** Sequence number (send order) of the newest command that succeeded. */
  private lastSuccess = 0;
  /** Sequence number (send order) of the newest command that failed. */
  private lastFailure = 0;

  /**
   * @param recoveryIntervalMs - least time between probes while degraded after a failed command.
   * @param logger - where transitions are logged.
   * @param describeMode - what the store does while degraded, for the log line (read when logging: it may change,
   * e.g. the fleet's share).
   * @param now - the time source (default `performance.now`; unit tests pass a fake clock's).
   */
  constructor(
    private readonly recoveryIntervalMs: number,
    private readonly logger: RedisStoreLogger,
    private readonly describeMode: string | (() => string),
    private readonly now: MonotonicNow = monotonicNow,
  ) {}

  private get mode(): string {
    return typeof this.describeMode === 'string' ? this.describeMode : this.describeMode();
  }

  /** True while Redis is considered unavailable. */
  get degraded(): boolean {
    return this.down;
  }

  /**
   * Whether this operation may go to Redis. While degraded, true for at most one probe at a time; the caller
   * must then report {@link RedisHealth.succeeded} or {@link RedisHealth.failed}.
   * @param ready - the client reports `status === 'ready'`.
   */
  tryRedis(ready: boolean): boolean {
    if (ready) this.everReady = true;
    if (!this.down) return true;
    if (!ready || this.probing) return false;
    const now = this.now();
    if (!this.notReady && now - this.lastAttempt < this.recoveryIntervalMs) return false;
    this.probing = true;
    this.lastAttempt = now;
    return true;
  }

  /**
   * A Redis command answered.
   * @param seq - the command's sequence number: a late answer to a command sent before the latest failure does
   * not end an outage.
   */
  succeeded(seq: number): void {
    this.probing = false;
    if (seq > this.lastSuccess) this.lastSuccess = seq;
    if (!this.down || seq < this.lastFailure) return;
    this.down = false;
    if (!this.quiet) {
      this.logger.info(
        { outageMs: Math.round(this.now() - this.outageStart), failedOperations: this.failures },
        'llm-resilience RedisStore: Redis answers again, limits are shared through Redis again',
      );
    }
    this.quiet = false;
    this.failures = 0;
  }

  /**
   * A Redis command failed, or could not be sent.
   * @param error - why.
   * @param probe - whether the command was this breaker's probe.
   * @param seq - the command's sequence number: a late failure of a command sent before the latest success
   * (e.g. a timeout that fires after Redis recovered) does not start an outage.
   * @param status - the client's status when no command was sent because it was not ready.
   */
  failed(error: unknown, probe: boolean, seq: number, status?: string): void {
    if (probe) this.probing = false;
    if (seq < this.lastSuccess) return;
    if (seq > this.lastFailure) this.lastFailure = seq;
    this.failures++;
    this.notReady = status !== undefined;
    // Before the client's first connection, falling back is expected start-up behaviour, not an outage.
    const startup = !this.everReady && (status === 'wait' || status === 'connecting' || status === 'connect');
    if (this.down && !(this.quiet && !startup)) return;
    if (!this.down) this.outageStart = this.now();
    this.lastAttempt = this.now();
    this.down = true;
    this.quiet = startup;
    if (startup) return;
    this.logger.warn(
      { error: error instanceof Error ? error.message : String(error) },
      `llm-resilience RedisStore: Redis unavailable, ${this.mode} until it answers again`,
    );
  }

  /**
   * The client did not connect within the start-up window (`connectTimeoutMs`): the store falls back now, and says
   * so once (and once more when Redis answers). Nothing happens if Redis already failed loudly.
   * @param timeoutMs - the window, ms.
   * @param status - the client's status at its end.
   * @param lastError - the last connection error the client reported during the window, described without secrets
   * (`ECONNREFUSED`, `ReplyError WRONGPASS`, ...; see `describeConnectionError`), or undefined if none.
   */
  connectTimedOut(timeoutMs: number, status: string, lastError?: string): void {
    if (this.down && !this.quiet) return;
    if (!this.down) this.outageStart = this.now();
    this.down = true;
    this.quiet = false;
    this.notReady = true;
    this.lastAttempt = this.now();
    const cause = lastError === undefined ? `status ${status}` : `status ${status}, last error ${lastError}`;
    this.logger.warn(
      lastError === undefined ? { connectTimeoutMs: timeoutMs, status } : { connectTimeoutMs: timeoutMs, status, lastError },
      `llm-resilience RedisStore: the Redis client did not connect within connectTimeoutMs (${cause}), ${this.mode} until it answers`,
    );
  }
}
