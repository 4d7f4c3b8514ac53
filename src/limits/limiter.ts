/**
 * The limiter: takes a call's whole demand from the store, or queues the call in FIFO order per key until
 * the store says it fits. One timer per key, never one per waiter; a cancelled waiter leaves at once. A store
 * with `acquireMany` is asked about a batch of waiters from the head of a queue at once, so a remote store
 * grants as many as fit per round trip and throughput does not depend on its latency.
 * @packageDocumentation
 */

import type { Clock, RandomSource } from '../clock';
import { RateLimitExceededError, TokenBudgetExceededError } from '../errors';
import { onAbort } from '../util/abort';
import { DAY_BUDGET_SPENT, NEVER_FITS, type DemandPart, type KeyView, type LimiterStore, type LimitSpec } from './store';
import { ignoreRejection, isThenable } from '../util/values';

/** What to do when capacity is not available now: wait in FIFO order, or fail at once. */
export type OnLimit = 'queue' | 'reject';

/** Bounds of one acquire. */
export interface AcquireBounds {
  /** Queue or reject when capacity is not available now. */
  readonly onLimit: OnLimit;
  /** Longest wait, ms. */
  readonly maxWaitMs: number;
  /** Most waiters on the key. */
  readonly maxQueue: number;
}

/** Hooks the limiter reports to (logs and metrics). */
export interface LimiterEvents {
  /** A call starts waiting: `waitMs` is the store's first estimate. */
  onQueued?(key: string, waitMs: number, queueLength: number): void;
}

class Waiter {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  /** Still in its queue (false once granted, rejected, expired or aborted). */
  queued = true;
  /** Unsubscribes from the caller's signal. */
  unsubscribe: (() => void) | undefined = undefined;
  constructor(
    /** What the call takes (its specs replaced by {@link Limiter.respec} when a key's limits in force change). */
    public parts: readonly DemandPart[],
    readonly deadline: number,
    readonly resolve: () => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

class KeyQueue {
  head: Waiter | undefined = undefined;
  tail: Waiter | undefined = undefined;
  length = 0;
  timer: unknown = undefined;
  timerAt = 0;
  /** An async store acquire for the head is in flight. */
  busy = false;
  /** {@link Limiter.kick} was called while busy: the answer in flight may be stale, ask again at once. */
  kicked = false;
  /** Deadlines are non-decreasing from head to tail, so the head's is the earliest. */
  monotone = true;
  /** The last wait the store reported for the head. */
  lastWait = 0;
  /** Waiters the next `acquireMany` asks about (adapts to what the last batch granted). */
  batch = MIN_DRAIN_BATCH;
  constructor(readonly key: string) {}
}

/** Fewest waiters one `acquireMany` asks about (when the queue holds that many). */
export const MIN_DRAIN_BATCH = 4;

/**
 * Most waiters one `acquireMany` asks about. A batch that is granted whole doubles the next one, up to this; one
 * that is not is followed by one twice the size of what it granted (at least {@link MIN_DRAIN_BATCH}). At 64, a
 * store 50 ms away still grants over 1,000 calls per second to one process.
 */
export const MAX_DRAIN_BATCH = 64;

/**
 * Most waiters one drain grants before it yields to the event loop (the rest continue on a 0 ms timer), so a
 * queue of 100,000 freed at once does not hold I/O and timers back for seconds.
 */
export const GRANTS_PER_TICK = 256;

/** FIFO queues over a {@link LimiterStore}. */
export class Limiter {
  private readonly queues = new Map<string, KeyQueue>();

  /**
   * @param store - where bucket state lives.
   * @param clock - time and timers.
   * @param random - jitter for an async store's re-polls (spreads processes that share a Redis key).
   * @param events - optional observers.
   * @param pollJitterMs - extra random delay added to re-polls of an async store.
   */
  constructor(
    readonly store: LimiterStore,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly events: LimiterEvents = {},
    private readonly pollJitterMs = 0,
  ) {}

  /**
   * Replaces the specs of every waiting call's demand (a key's limits in force changed: the provider reported a
   * lower limit than configured) and asks the stores again. Rare, so it walks every queue.
   * @param respec - the spec in force for a spec (the same object when unchanged).
   */
  respec(respec: (spec: LimitSpec) => LimitSpec): void {
    for (const queue of this.queues.values()) {
      let changed = false;
      for (let waiter = queue.head; waiter !== undefined; waiter = waiter.next) {
        const parts = waiter.parts;
        let next: DemandPart[] | undefined;
        for (let i = 0; i < parts.length; i++) {
          const spec = respec(parts[i].spec);
          if (spec === parts[i].spec) continue;
          next ??= parts.slice();
          next[i] = { ...parts[i], spec };
        }
        if (next === undefined) continue;
        waiter.parts = next;
        changed = true;
      }
      if (changed) this.kick(queue.key);
    }
  }

  /** Waiters queued on a key (for tests and metrics). */
  queued(queueKey: string): number {
    return this.queues.get(queueKey)?.length ?? 0;
  }

  /**
   * Takes the demand now or waits for it.
   * @param queueKey - the FIFO the call waits in (the joined limit keys).
   * @param parts - the whole demand, all keys.
   * @param bounds - queue or reject, wait and queue bounds.
   * @param signal - the caller's cancellation.
   * @param now - the clock's time, when the caller has just read it.
   * @returns `undefined` when granted synchronously (the fast path allocates nothing), else a promise
   * that resolves when granted.
   * @throws RateLimitExceededError when over a bound; TokenBudgetExceededError when the daily budget is spent.
   */
  acquire(
    queueKey: string,
    parts: readonly DemandPart[],
    bounds: AcquireBounds,
    signal: AbortSignal | undefined,
    now = this.clock.now(),
  ): Promise<void> | undefined {
    const queue = this.queues.get(queueKey);
    if (queue === undefined || (queue.length === 0 && !queue.busy)) {
      const result = this.store.acquire(parts, now);
      if (!isThenable(result)) {
        if (result === 0) return undefined;
        return this.afterRefusal(queueKey, parts, bounds, signal, result, now);
      }
      return result.then((value) => {
        if (value === 0) return undefined;
        return this.afterRefusal(queueKey, parts, bounds, signal, value, this.clock.now());
      });
    }
    if (bounds.onLimit === 'reject') {
      throw new RateLimitExceededError(queueKey, queue.lastWait, 'onLimit', `${queue.length} call(s) already waiting, onLimit "reject"`);
    }
    if (queue.length >= bounds.maxQueue) {
      throw new RateLimitExceededError(queueKey, queue.lastWait, 'maxQueue', `queue full at maxQueue ${bounds.maxQueue}`);
    }
    return this.enqueue(queue, parts, bounds, signal, now);
  }

  /** Wakes a key's queue now (capacity was refunded, or the limits in force changed). */
  kick(queueKey: string): void {
    const queue = this.queues.get(queueKey);
    if (queue === undefined || queue.length === 0) return;
    if (queue.busy) queue.kicked = true;
    else this.schedule(queue, 0);
  }

  private afterRefusal(
    queueKey: string,
    parts: readonly DemandPart[],
    bounds: AcquireBounds,
    signal: AbortSignal | undefined,
    result: number,
    now: number,
  ): Promise<void> {
    if (result === DAY_BUDGET_SPENT) throw dayBudgetError(parts);
    if (result === NEVER_FITS) return this.neverFits(parts, now).then(throwIt);
    if (bounds.onLimit === 'reject') {
      throw new RateLimitExceededError(queueKey, result, 'onLimit', 'no capacity now, onLimit "reject"');
    }
    if (result > bounds.maxWaitMs) {
      throw new RateLimitExceededError(queueKey, result, 'maxWaitMs', `capacity frees in ${Math.ceil(result)} ms, over maxWaitMs ${bounds.maxWaitMs}`);
    }
    let queue = this.queues.get(queueKey);
    if (queue === undefined) {
      queue = new KeyQueue(queueKey);
      this.queues.set(queueKey, queue);
    }
    if (queue.length >= bounds.maxQueue) {
      throw new RateLimitExceededError(queueKey, result, 'maxQueue', `queue full at maxQueue ${bounds.maxQueue}`);
    }
    queue.lastWait = result;
    const promise = this.enqueue(queue, parts, bounds, signal, now);
    if (queue.length === 1 && !queue.busy) this.schedule(queue, result);
    return promise;
  }

  private enqueue(
    queue: KeyQueue,
    parts: readonly DemandPart[],
    bounds: AcquireBounds,
    signal: AbortSignal | undefined,
    now: number,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = new Waiter(parts, now + bounds.maxWaitMs, resolve, reject);
      if (signal !== undefined) {
        waiter.unsubscribe = onAbort(signal, () => {
          waiter.unsubscribe = undefined;
          const wasHead = waiter === queue.head;
          this.remove(queue, waiter);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an aborted wait rejects with the signal's own reason, as fetch does
          reject(signal.reason);
          // The next waiter may fit sooner than the one that left: let the store answer for it now.
          if (wasHead) this.reschedule(queue);
        });
      }
      const tail = queue.tail;
      if (tail === undefined) {
        queue.head = waiter;
      } else {
        tail.next = waiter;
        waiter.prev = tail;
        if (waiter.deadline < tail.deadline) queue.monotone = false;
      }
      queue.tail = waiter;
      queue.length++;
      this.events.onQueued?.(queue.key, queue.lastWait, queue.length);
    });
  }

  private remove(queue: KeyQueue, waiter: Waiter): void {
    waiter.queued = false;
    if (waiter.prev === undefined) queue.head = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === undefined) queue.tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = undefined;
    queue.length--;
    if (waiter.unsubscribe !== undefined) {
      waiter.unsubscribe();
      waiter.unsubscribe = undefined;
    }
    if (queue.length === 0) {
      queue.monotone = true;
      this.clearTimer(queue);
      if (!queue.busy) this.queues.delete(queue.key);
    }
  }

  private clearTimer(queue: KeyQueue): void {
    if (queue.timer !== undefined) {
      this.clock.clearTimeout(queue.timer);
      queue.timer = undefined;
    }
  }

  private reschedule(queue: KeyQueue): void {
    if (queue.length > 0 && !queue.busy) this.schedule(queue, 0);
  }

  private schedule(queue: KeyQueue, waitMs: number): void {
    const now = this.clock.now();
    let at = now + waitMs;
    const earliest = this.earliestDeadline(queue);
    if (earliest < at) at = earliest;
    if (queue.timer !== undefined) {
      if (queue.timerAt <= at) return;
      this.clock.clearTimeout(queue.timer);
    }
    queue.timerAt = at;
    queue.timer = this.clock.setTimeout(() => {
      queue.timer = undefined;
      this.drain(queue);
    }, Math.max(0, Math.ceil(at - now)));
  }

  private earliestDeadline(queue: KeyQueue): number {
    if (queue.monotone) return queue.head?.deadline ?? Infinity;
    let min = Infinity;
    for (let w = queue.head; w !== undefined; w = w.next) if (w.deadline < min) min = w.deadline;
    return min;
  }

  /** Grants waiters from the head while the store says they fit; then sleeps until the head would fit. */
  private drain(queue: KeyQueue): void {
    const store = this.store;
    const batched = store.acquireMany !== undefined;
    let granted = 0;
    while (queue.head !== undefined) {
      if (granted >= GRANTS_PER_TICK) {
        this.schedule(queue, 0);
        return;
      }
      const now = this.clock.now();
      if (!queue.monotone) this.expire(queue, now);
      const head = queue.head;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- expire() may have emptied the queue; TS keeps the loop condition's narrowing across the call
      if (head === undefined) break;
      queue.kicked = false;
      if (batched) {
        const batch = this.batchFrom(queue, head);
        const demands = batch.map((w) => w.parts);
        const results = store.acquireMany?.(demands, now) ?? [];
        if (isThenable(results)) {
          queue.busy = true;
          results.then(
            (values) => {
              queue.busy = false;
              if (this.settleBatch(queue, batch, values, this.clock.now())) this.drain(queue);
            },
            (error: unknown) => {
              queue.busy = false;
              for (const w of batch) {
                if (!w.queued) continue;
                this.remove(queue, w);
                w.reject(error);
              }
              this.drain(queue);
            },
          );
          return;
        }
        if (!this.settleBatch(queue, batch, results, now)) return;
        granted += batch.length;
        continue;
      }
      const result = this.store.acquire(head.parts, now);
      if (isThenable(result)) {
        queue.busy = true;
        result.then(
          (value) => {
            queue.busy = false;
            if (this.settleHead(queue, head, value, this.clock.now())) this.drain(queue);
          },
          (error: unknown) => {
            queue.busy = false;
            if (head === queue.head) {
              this.remove(queue, head);
              head.reject(error);
            }
            this.drain(queue);
          },
        );
        return;
      }
      if (!this.settleHead(queue, head, result, now)) return;
      granted++;
    }
    if (queue.length === 0 && !queue.busy) this.queues.delete(queue.key);
  }

  /** Up to `queue.batch` waiters from the head, oldest first. */
  private batchFrom(queue: KeyQueue, head: Waiter): Waiter[] {
    const size = queue.batch < queue.length ? queue.batch : queue.length;
    const batch = new Array<Waiter>(size);
    let w: Waiter | undefined = head;
    let n = 0;
    for (; n < size && w !== undefined; w = w.next) batch[n++] = w;
    batch.length = n;
    return batch;
  }

  /**
   * Applies the store's answers for a batch, in order: grants, terminal refusals, and the first wait (the store
   * gives the later waiters the same wait; a grant among them — a store that does not block them — is served
   * all the same rather than lost). A waiter that left while the store answered gives its grant back. Returns
   * true to keep draining, false when the queue now sleeps on its timer.
   */
  private settleBatch(queue: KeyQueue, batch: readonly Waiter[], results: readonly number[], now: number): boolean {
    let granted = 0;
    let waiting: Waiter | undefined;
    let wait = 0;
    for (let i = 0; i < batch.length; i++) {
      const waiter = batch[i];
      const result = results[i];
      if (result === 0) {
        granted++;
        if (waiter.queued) {
          this.remove(queue, waiter);
          waiter.resolve();
        } else {
          this.giveBack(waiter.parts, now);
        }
      } else if (!waiter.queued) {
        // it left (aborted, expired) while the store answered
      } else if (result === DAY_BUDGET_SPENT || result === NEVER_FITS) {
        this.remove(queue, waiter);
        this.rejectTerminal(waiter, result, now);
      } else if (waiting === undefined) {
        waiting = waiter;
        wait = result;
      }
    }
    if (waiting === undefined) {
      queue.batch = Math.min(MAX_DRAIN_BATCH, batch.length * 2);
      return true;
    }
    queue.batch = Math.max(MIN_DRAIN_BATCH, Math.min(MAX_DRAIN_BATCH, granted * 2));
    if (!waiting.queued) return true;
    return this.waitHead(queue, waiting, wait, now);
  }

  /**
   * Applies the store's answer for the head. Returns true to keep draining, false when the queue now
   * sleeps on its timer.
   */
  private settleHead(queue: KeyQueue, head: Waiter, result: number, now: number): boolean {
    if (head !== queue.head) {
      // the head left (aborted) while the store answered: a grant goes back
      if (result === 0) this.giveBack(head.parts, now);
      return true;
    }
    if (result === 0) {
      this.remove(queue, head);
      head.resolve();
      return true;
    }
    if (result === DAY_BUDGET_SPENT || result === NEVER_FITS) {
      this.remove(queue, head);
      this.rejectTerminal(head, result, now);
      return true;
    }
    return this.waitHead(queue, head, result, now);
  }

  /** The head must wait `result` ms: it fails now when that ends past its deadline, else the queue sleeps. */
  private waitHead(queue: KeyQueue, head: Waiter, result: number, now: number): boolean {
    queue.lastWait = result;
    if (head !== queue.head) return true; // (cannot happen: earlier waiters were decided) ask again
    if (now + result > head.deadline) {
      // It cannot be served within its bound: fail it now rather than at its deadline.
      this.remove(queue, head);
      head.reject(new RateLimitExceededError(queue.key, result, 'maxWaitMs', `capacity frees in ${Math.ceil(result)} ms, past maxWaitMs`));
      return true;
    }
    if (queue.kicked) {
      // capacity came back while the store answered: its wait may be stale
      queue.kicked = false;
      this.schedule(queue, 0);
      return false;
    }
    const jitter = this.pollJitterMs > 0 ? this.random() * this.pollJitterMs : 0;
    this.schedule(queue, result + jitter);
    return false;
  }

  /** Rejects a waiter the store can never serve (daily budget spent, or larger than the limit). */
  private rejectTerminal(waiter: Waiter, result: number, now: number): void {
    if (result === DAY_BUDGET_SPENT) waiter.reject(dayBudgetError(waiter.parts));
    else void this.neverFits(waiter.parts, now).then(waiter.reject);
  }

  /**
   * Returns a demand's whole take (its requests and tokens) to every key it was taken from: a grant nobody will
   * use (its waiter left while the store answered), or an attempt that never left.
   * @param parts - the demand.
   * @param now - the clock's time.
   */
  giveBack(parts: readonly DemandPart[], now: number): void {
    for (const part of parts) {
      if (part.requests !== 0 || part.tokens !== 0) ignoreRejection(this.store.settle(part.spec, -part.tokens, now, -part.requests));
    }
  }

  /**
   * The error for a demand the store answered {@link NEVER_FITS}: its tokens exceed a key's per-minute limit in
   * force (learned from the provider: a configured one is refused before the limiter is asked).
   */
  private neverFits(parts: readonly DemandPart[], now: number): Promise<TokenBudgetExceededError> {
    const withTokens = parts.filter((p) => p.tokens > 0);
    return Promise.all(withTokens.map((p) => Promise.resolve(this.store.view(p.spec, now)))).then(
      (views) => unservable(withTokens, views),
      () => unservable(withTokens, []),
    );
  }

  /** Rejects waiters whose deadline has passed (only needed when deadlines are not in FIFO order). */
  private expire(queue: KeyQueue, now: number): void {
    for (let w = queue.head; w !== undefined; ) {
      const next = w.next;
      if (w.deadline <= now) {
        this.remove(queue, w);
        w.reject(new RateLimitExceededError(queue.key, queue.lastWait, 'maxWaitMs', 'waited maxWaitMs'));
      }
      w = next;
    }
  }
}

function dayBudgetError(parts: readonly DemandPart[]): TokenBudgetExceededError {
  const part = parts.find((p) => p.spec.tokensPerDay !== undefined) ?? parts[0];
  return new TokenBudgetExceededError(part.spec.key, part.tokens, part.spec.tokensPerDay ?? 0, 'daily token budget spent');
}

/** The error naming the part whose tokens exceed its key's per-minute limit in force (from the store's views). */
function unservable(parts: readonly DemandPart[], views: ReadonlyArray<KeyView | undefined>): TokenBudgetExceededError {
  let index = parts.findIndex((p, i) => {
    const limit = views[i]?.tokensPerMinute;
    return limit !== undefined && p.tokens > limit;
  });
  if (index < 0) index = 0;
  const part = parts[index] as DemandPart | undefined;
  const limit = views[index]?.tokensPerMinute ?? part?.spec.tokensPerMinute ?? 0;
  const learned = part !== undefined && part.spec.tokensPerMinute === undefined;
  return new TokenBudgetExceededError(
    part?.spec.key ?? '',
    part?.tokens ?? 0,
    limit,
    learned ? 'larger than the per-minute limit learned from the provider, can never be served' : 'larger than the per-minute limit, can never be served',
  );
}

function throwIt(error: Error): never {
  throw error;
}
