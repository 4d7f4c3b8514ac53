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
  /** Subscribes to the client's `'error'` events (optional: without it and `off`, the timeout names no error). */
  on?(event: 'error', listener: (error: unknown) => void): unknown;
  /** Unsubscribes from `'error'`. */
  off?(event: 'error', listener: (error: unknown) => void): unknown;
  /** Connects a lazyConnect client (what ioredis does on its first command). */
  connect(): Promise<unknown>;
}

/**
 * A connection error as the window's log line shows it: its `code` (`ECONNREFUSED`, `ENOTFOUND`, ...) or else its
 * class name (`ReplyError`), followed by the upper-case keyword that opens a Redis error reply (`WRONGPASS`,
 * `NOAUTH`, `LOADING`, ...). Never the rest of the message, nor any other property: those may hold a host, a URL
 * with credentials, or (ioredis's `command.args`) the password sent with `AUTH`.
 * @param error - what the client emitted.
 */
export function describeConnectionError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return typeof error;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  const kind = typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,31}$/.test(code) ? code : safeName(name);
  const keyword = typeof message === 'string' ? /^([A-Z][A-Z0-9_]{1,31})(?:\s|$)/.exec(message)?.[1] : undefined;
  return keyword === undefined || keyword === kind ? kind : `${kind} ${keyword}`;
}

function safeName(name: unknown): string {
  return typeof name === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name) ? name : 'Error';
}

/**
 * Holds operations back until the client's first `'ready'` or the end of the window, whichever comes first. One
 * promise and one timer per store, never one per call; the timer is `unref`ed (it never keeps a process alive) and
 * cleared by the first `'ready'` or {@link ConnectGate.close}.
 *
 * While the window is open it also listens to the client's `'error'` events, to name the last one if the window
 * ends without a connection (a wrong password shows as `ReplyError WRONGPASS`, not only as the status
 * `reconnecting`). The listener is added next to yours (yours get every event as before) and removed when the
 * window ends. One side effect: ioredis prints `[ioredis] Unhandled error event` only for a client with no
 * `'error'` listener at all, so for a client without one of yours those lines are not printed during the window;
 * the window's warning names the last error instead, and after the window they are printed as before.
 */
export class ConnectGate {
  private pending: Promise<void> | undefined = undefined;
  private release: (() => void) | undefined = undefined;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private readonly onReady = (): void => this.open();
  private lastError: unknown = undefined;
  private listening = false;
  private readonly onError = (error: unknown): void => {
    this.lastError = error;
  };

  /**
   * Opens at once when the client is ready or `connectTimeoutMs` is 0. A lazyConnect client (status `'wait'`) is
   * connected now: its first command would do the same, and every operation waits for it.
   * @param client - the store's client.
   * @param connectTimeoutMs - the window, ms (0: no window).
   * @param onTimeout - called once when the window ends without a connection, with the client's status and the last
   * error it emitted during the window ({@link describeConnectionError}; undefined if none, or if it cannot be
   * listened to).
   */
  constructor(
    private readonly client: ConnectingClient,
    readonly connectTimeoutMs: number,
    onTimeout: (status: string, lastError: string | undefined) => void,
  ) {
    if (client.status === 'ready' || connectTimeoutMs === 0) return;
    this.pending = new Promise<void>((resolve) => (this.release = resolve));
    client.once('ready', this.onReady);
    if (typeof client.on === 'function' && typeof client.off === 'function') {
      client.on('error', this.onError);
      this.listening = true;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const status = client.status;
      const lastError = this.lastError === undefined ? undefined : describeConnectionError(this.lastError);
      this.open();
      if (status !== 'ready') onTimeout(status, lastError);
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
    if (this.listening) this.client.off?.('error', this.onError);
    this.listening = false;
    this.lastError = undefined;
    release();
  }
}
