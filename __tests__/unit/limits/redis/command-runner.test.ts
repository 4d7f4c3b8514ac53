import { withTimeout } from '../../../../src/limits/redis/command-runner';

// `withTimeout` uses the global timers; the fake clock here is Jest's. setImmediate stays real: it stands for
// the event loop's I/O phase, which the timeout waits for.
beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
afterEach(() => jest.useRealTimers());

/** A command whose answer the test controls. */
function command<T>(): { promise: Promise<T>; answer(value: T): void; fail(error: Error): void } {
  let answer!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    answer = resolve;
    fail = reject;
  });
  return { promise, answer, fail };
}

const ioPhase = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('withTimeout', () => {
  it('passes an answer through and clears its timer', async () => {
    const c = command<string>();
    const bounded = withTimeout(c.promise, 500);
    c.answer('OK');
    await expect(bounded).resolves.toBe('OK');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('passes a failure through and clears its timer', async () => {
    const c = command<string>();
    const bounded = withTimeout(c.promise, 500);
    c.fail(new Error('NOSCRIPT'));
    await expect(bounded).rejects.toThrow('NOSCRIPT');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects once the timeout has passed and the event loop has read its sockets', async () => {
    const c = command<string>();
    const bounded = withTimeout(c.promise, 500);
    let settled = false;
    const outcome = bounded.then(
      () => 'answered',
      (error: unknown) => (error as Error).message,
    );
    void outcome.then(() => (settled = true));
    jest.advanceTimersByTime(499);
    await ioPhase();
    expect(settled).toBe(false);
    jest.advanceTimersByTime(1);
    await ioPhase();
    await expect(outcome).resolves.toBe('Redis did not answer within commandTimeoutMs 500 ms');
    c.answer('late'); // ignored
  });

  it('an answer that arrived while the process stalled past the timeout wins over the timeout', async () => {
    const c = command<string>();
    const bounded = withTimeout(c.promise, 500);
    jest.advanceTimersByTime(2000); // the stall: the timer fires first…
    c.answer('OK'); // …the socket is read in the same turn, before the I/O phase
    await ioPhase();
    await expect(bounded).resolves.toBe('OK');
  });
});
