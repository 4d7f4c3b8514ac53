/**
 * Same-tick batching of the Redis store's acquires: the acquires made in one tick go to Redis together, as
 * one script call (one round trip), in call order.
 * @packageDocumentation
 */

/** Most acquires sent in one script call. */
export const MAX_BATCH = 128;

/** An item that knows its Redis Cluster hash tag (one script call may only touch one slot). */
export interface Tagged {
  /** The hash tag shared by every key of the item. */
  readonly tag: string;
}

/**
 * Collects the items added during one tick and hands them to `send` at its end (a microtask): in batches of at
 * most `maxBatch`, in the order they were added, and, when `byTag`, one batch (or more) per hash tag.
 */
export class TickBatcher<T extends Tagged> {
  private pending: T[] | undefined = undefined;

  /**
   * @param send - takes one batch (must not throw: it answers every item itself).
   * @param byTag - group by hash tag (a Cluster client).
   * @param maxBatch - most items per batch (default {@link MAX_BATCH}).
   */
  constructor(
    private readonly send: (batch: T[]) => void,
    private readonly byTag: boolean,
    private readonly maxBatch = MAX_BATCH,
  ) {}

  /**
   * Queues an item for the end of this tick.
   * @param item - the item.
   */
  add(item: T): void {
    if (this.pending === undefined) {
      this.pending = [];
      queueMicrotask(this.flush);
    }
    this.pending.push(item);
  }

  private readonly flush = (): void => {
    const pending = this.pending;
    if (pending === undefined) return; // add() queues this only after setting it
    this.pending = undefined;
    if (!this.byTag || pending.length === 1) {
      this.sendAll(pending);
      return;
    }
    const groups = new Map<string, T[]>();
    for (const item of pending) {
      const group = groups.get(item.tag);
      if (group === undefined) groups.set(item.tag, [item]);
      else group.push(item);
    }
    for (const group of groups.values()) this.sendAll(group);
  };

  private sendAll(items: T[]): void {
    for (let i = 0; i < items.length; i += this.maxBatch) this.send(items.slice(i, i + this.maxBatch));
  }
}
