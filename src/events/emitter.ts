/**
 * One event's listeners. Publishing costs one property read when nobody listens: the publisher checks
 * {@link Emitter.listening} before it builds the event object.
 * @packageDocumentation
 */

import { isThenable } from '../util/values';
import type { Disposable } from './disposable';

/** A function called with each event. A thrown error or rejected promise is reported, never propagated. */
export type Listener<T> = (event: T) => void;

/** Where a listener's failure goes (the event name and the error). */
export type ListenerErrorSink = (event: string, error: unknown) => void;

const NONE: readonly never[] = [];

/** The listeners of one event, copied on write so that publishing never allocates. */
export class Emitter<T> {
  /** True when at least one listener is subscribed: check it before building an event. */
  listening = false;
  private listeners: ReadonlyArray<Listener<T>> = NONE;

  /**
   * @param name - the event's name, for error reports.
   * @param failed - receives a listener's error (thrown, or its promise's rejection).
   */
  constructor(
    readonly name: string,
    private readonly failed: ListenerErrorSink,
  ) {}

  /**
   * Subscribes `listener` (the same function twice is two subscriptions).
   * @returns the subscription; `dispose()` removes it.
   */
  on(listener: Listener<T>): Disposable {
    if (typeof listener !== 'function') throw new TypeError(`on(${this.name}): the listener must be a function`);
    this.listeners = [...this.listeners, listener];
    this.listening = true;
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        const index = this.listeners.indexOf(listener);
        if (index >= 0) this.listeners = this.listeners.filter((_, i) => i !== index);
        this.listening = this.listeners.length > 0;
      },
    };
  }

  /** Calls every listener with `event`, in subscription order; a failing listener does not stop the others. */
  emit(event: T): void {
    for (const listener of this.listeners) {
      try {
        // a listener typed to return nothing may still return a promise: its rejection is reported too
        const result = (listener as (event: T) => unknown)(event);
        if (isThenable(result)) result.then(undefined, (error: unknown) => this.failed(this.name, error));
      } catch (error) {
        this.failed(this.name, error);
      }
    }
  }
}
