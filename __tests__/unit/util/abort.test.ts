import { getEventListeners } from 'node:events';
import { onAbort, sleep } from '../../../src/util/abort';
import { FakeClock } from '../../../src/testing/fake-clock';

describe('onAbort', () => {
  it('adds one listener per signal however many callbacks wait on it, and calls each once on abort', () => {
    const controller = new AbortController();
    const calls: number[] = [];
    for (let i = 0; i < 50; i++) onAbort(controller.signal, () => calls.push(i));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    controller.abort();
    expect(calls).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('removes the listener when the last callback unsubscribes, and an unsubscribed callback is not called', () => {
    const controller = new AbortController();
    let called = 0;
    const offA = onAbort(controller.signal, () => called++);
    const offB = onAbort(controller.signal, () => called++);
    offA();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    offB();
    offB(); // idempotent
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort();
    expect(called).toBe(0);
  });

  it('calls back in a microtask for an already aborted signal, without a listener', async () => {
    const signal = AbortSignal.abort();
    let called = false;
    onAbort(signal, () => (called = true));
    expect(called).toBe(false);
    await Promise.resolve();
    expect(called).toBe(true);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});

describe('sleep', () => {
  it('resolves after the given time on the clock, leaving no timer and no listener', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let done = false;
    void sleep(clock, 1000, controller.signal).then(() => (done = true));
    await clock.advance(999);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the signal reason as soon as it aborts, clearing the timer', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const slept = sleep(clock, 60_000, controller.signal);
    await clock.advance(10);
    controller.abort(new Error('stop'));
    await expect(slept).rejects.toThrow('stop');
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects at once with the reason of an already aborted signal, scheduling nothing', async () => {
    const clock = new FakeClock();
    await expect(sleep(clock, 1000, AbortSignal.abort('gone'))).rejects.toBe('gone');
    expect(clock.pendingTimers).toBe(0);
  });

  it('sleeps without a signal', async () => {
    const clock = new FakeClock();
    let done = false;
    void sleep(clock, 5, undefined).then(() => (done = true));
    await clock.advance(5);
    expect(done).toBe(true);
  });
});
