/**
 * The Redis store's start-up window: until its client's first connection, operations wait for it (bounded by
 * `connectTimeoutMs`) instead of falling back. A fleet whose processes create their client in the same tick as
 * their first call would otherwise start on in-process buckets at the fleet's share (or, before anything is known
 * of the fleet, at the whole limit in every process) and send several times the quota in its first second.
 * @packageDocumentation
 */

/** What the window uses of an ioredis `Redis` or `Cluster` client. */
export interface ConnectingClient {
  /** The ioredis status: `'wait'` (lazyConnect, not connected yet), `'connecting'`, `'connect'`, `'ready'`, ... */
  readonly status: string;
  /** Subscribes to the client's `'ready'` event (ioredis clients are EventEmitters). */
  once(event: 'ready', listener: () => void): unknown;
  /** Unsubscribes. */
  removeListener(event: 'ready', listener: () => void): unknown;
  /** Connects a lazyConnect client (what ioredis does on its first command). */
  connect(): Promise<unknown>;
}

/**
 * Holds operations back until the client's first `'ready'` or the end of the window, whichever comes first. One
 * promise and one timer per store, never one per call; the timer is `unref`ed (it never keeps a process alive) and
 * cleared by the first `'ready'` or {@link ConnectGate.close}.
 */
export class ConnectGate {
  private pending: Promise<void> | undefined = undefined;
  private release: (() => void) | undefined = undefined;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private readonly onReady = (): void => this.open();

  /**
   * Opens at once when the client is ready or `connectTimeoutMs` is 0. A lazyConnect client (status `'wait'`) is
   * connected now: its first command would do the same, and every operation waits for it.
   * @param client - the store's client.
   * @param connectTimeoutMs - the window, ms (0: no window).
   * @param onTimeout - called once when the window ends without a connection, with the client's status.
   */
  constructor(
    private readonly client: ConnectingClient,
    readonly connectTimeoutMs: number,
    onTimeout: (status: string) => void,
  ) {
    if (client.status === 'ready' || connectTimeoutMs === 0) return;
    this.pending = new Promise<void>((resolve) => (this.release = resolve));
    client.once('ready', this.onReady);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const status = client.status;
      this.open();
      if (status !== 'ready') onTimeout(status);
    }, connectTimeoutMs);
    this.timer.unref();
    if (client.status === 'wait') client.connect().catch(() => undefined); // failures show as the client's status
  }

  /** Undefined once operations may go on (connected once, window over, or closed); else what they wait for. */
  get waiting(): Promise<void> | undefined {
    return this.pending;
  }

  /** Ends the window now (the store is closing): waiting operations go on, falling back if Redis is not ready. */
  close(): void {
    this.open();
  }

  private open(): void {
    const release = this.release;
    if (this.pending === undefined || release === undefined) return;
    this.pending = undefined;
    this.release = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.client.removeListener('ready', this.onReady);
    release();
  }
}
