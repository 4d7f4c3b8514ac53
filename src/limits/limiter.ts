/**
 * The limiter: takes a call's whole demand from the store, or queues the call in FIFO order per key until
 * the store says it fits. One timer per key, never one per waiter; a cancelled waiter leaves at once.
 * @packageDocumentation
 */

import type { Clock, RandomSource } from '../clock';
import { RateLimitExceededError, TokenBudgetExceededError } from '../errors';
import { onAbort } from '../util/abort';
import { DAY_BUDGET_SPENT, type DemandPart, type LimiterStore } from './store';
import { isThenable } from '../util/values';

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
  /** Unsubscribes from the caller's signal. */
  unsubscribe: (() => void) | undefined = undefined;
  constructor(
    readonly parts: readonly DemandPart[],
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
  /** Deadlines are non-decreasing from head to tail, so the head's is the earliest. */
  monotone = true;
  /** The last wait the store reported for the head. */
  lastWait = 0;
  constructor(readonly key: string) {}
}

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

  /** Wakes a key's queue now (capacity was refunded). */
  kick(queueKey: string): void {
    const queue = this.queues.get(queueKey);
    if (queue !== undefined && queue.length > 0 && !queue.busy) this.schedule(queue, 0);
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

  /**
   * Applies the store's answer for the head. Returns true to keep draining, false when the queue now
   * sleeps on its timer.
   */
  private settleHead(queue: KeyQueue, head: Waiter, result: number, now: number): boolean {
    if (head !== queue.head) return true; // the head left (aborted) while the store answered
    if (result === 0) {
      this.remove(queue, head);
      head.resolve();
      return true;
    }
    if (result === DAY_BUDGET_SPENT) {
      this.remove(queue, head);
      head.reject(dayBudgetError(head.parts));
      return true;
    }
    queue.lastWait = result;
    if (now + result > head.deadline) {
      // It cannot be served within its bound: fail it now rather than at its deadline.
      this.remove(queue, head);
      head.reject(new RateLimitExceededError(queue.key, result, 'maxWaitMs', `capacity frees in ${Math.ceil(result)} ms, past maxWaitMs`));
      return true;
    }
    const jitter = this.pollJitterMs > 0 ? this.random() * this.pollJitterMs : 0;
    this.schedule(queue, result + jitter);
    return false;
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
