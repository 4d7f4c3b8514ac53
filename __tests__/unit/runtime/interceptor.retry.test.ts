import 'reflect-metadata';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import {
  AdaptiveRetry,
  AttemptTimeoutError,
  RetryExhaustedError,
  configureResilience,
  currentCall,
} from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';

function rateLimitError(headers: Record<string, string>, body: object = { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } }) {
  return new OpenAI.RateLimitError(429, body, 'Rate limit', new Headers(headers));
}
function serverError(status = 500) {
  return OpenAI.APIError.generate(status, { error: { message: 'boom' } }, 'boom', new Headers());
}

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
  configureResilience(container, { clock, random: () => 0.5 });
});
afterEach(() => {
  expect(clock.pendingTimers).toBe(0);
});

/** Runs `promise` to completion on the fake clock, returning its outcome and the time it took. */
async function settle<T>(promise: Promise<T>, maxMs = 600_000): Promise<{ value?: T; error?: unknown; elapsed: number }> {
  const start = clock.now();
  let outcome: { value?: T; error?: unknown } | undefined;
  promise.then((value) => (outcome = { value }), (error: unknown) => (outcome = { error }));
  while (outcome === undefined && clock.now() - start < maxMs) await clock.advance(10);
  if (outcome === undefined) throw new Error('call did not settle');
  return { ...outcome, elapsed: clock.now() - start };
}

class Scripted {
  calls = 0;
  constructor(private readonly script: Array<() => unknown>) {}
  next(): unknown {
    const step = this.script[Math.min(this.calls, this.script.length - 1)];
    this.calls++;
    return step();
  }
}

describe('@AdaptiveRetry', () => {
  it('retries a 429 after at least the retry-after-ms wait, plus positive jitter', async () => {
    const script = new Scripted([() => Promise.reject(rateLimitError({ 'retry-after-ms': '1500' })), () => Promise.resolve('ok')]);
    class Service {
      @AdaptiveRetry({ maxRetries: 3 })
      async call() { return script.next(); }
    }
    const { value, elapsed } = await settle(new Service().call());
    expect(value).toBe('ok');
    expect(script.calls).toBe(2);
    // hint 1500 + 0.5 * max(50, 1500/4) = 1687.5 → first tick of the 10 ms stepper after it
    expect(elapsed).toBeGreaterThanOrEqual(1687);
    expect(elapsed).toBeLessThan(1700);
  });

  it('rethrows a non-retryable SDK error unchanged after one attempt', async () => {
    const bad = new OpenAI.BadRequestError(400, { error: { message: 'bad' } }, 'bad', new Headers());
    const script = new Scripted([() => Promise.reject(bad)]);
    class Service {
      @AdaptiveRetry()
      async call() { return script.next(); }
    }
    const { error } = await settle(new Service().call());
    expect(error).toBe(bad);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(script.calls).toBe(1);
  });

  it('ends persistent 5xx in RetryExhaustedError with attempts = maxRetries + 1 and the last error as cause', async () => {
    const errors: unknown[] = [];
    const script = new Scripted([() => { const e = serverError(503); errors.push(e); return Promise.reject(e); }]);
    class Service {
      @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 100, jitter: 'none' })
      async call() { return script.next(); }
    }
    const { error, elapsed } = await settle(new Service().call());
    expect(error).toBeInstanceOf(RetryExhaustedError);
    const exhausted = error as RetryExhaustedError;
    expect(exhausted.attempts).toBe(4);
    expect(exhausted.reason).toBe('max-retries');
    expect(exhausted.cause).toBe(errors[3]);
    expect(exhausted.code).toBe('RETRY_EXHAUSTED');
    // no jitter: 100 + 200 + 400
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(720);
  });

  it('retries Anthropic 529 overloaded and connection errors', async () => {
    const overloaded = Anthropic.APIError.generate(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'Overloaded', new Headers());
    const script = new Scripted([
      () => Promise.reject(overloaded),
      () => Promise.reject(new OpenAI.APIConnectionError({ message: 'socket hang up' })),
      () => Promise.resolve(42),
    ]);
    class Service {
      @AdaptiveRetry({ baseDelayMs: 10 })
      async call() { return script.next(); }
    }
    expect((await settle(new Service().call())).value).toBe(42);
    expect(script.calls).toBe(3);
  });

  it('fails at once when the server asks for longer than maxDelayMs', async () => {
    const script = new Scripted([() => Promise.reject(rateLimitError({ 'retry-after': '60' }))]);
    class Service {
      @AdaptiveRetry({ maxDelayMs: 2000 })
      async call() { return script.next(); }
    }
    const { error, elapsed } = await settle(new Service().call());
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as RetryExhaustedError).reason).toBe('server-wait-exceeds-max-delay');
    expect((error as RetryExhaustedError).attempts).toBe(1);
    expect((error as Error).message).toContain('60000 ms');
    expect(elapsed).toBe(10); // one stepper tick: no sleep happened
    expect(script.calls).toBe(1);
  });

  it('does not retry a 429 whose body says the quota is exhausted', async () => {
    const quota = rateLimitError({ 'retry-after': '1' }, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } });
    const script = new Scripted([() => Promise.reject(quota)]);
    class Service {
      @AdaptiveRetry()
      async call() { return script.next(); }
    }
    expect((await settle(new Service().call())).error).toBe(quota);
    expect(script.calls).toBe(1);
  });

  it('stops when the next attempt would pass the deadline', async () => {
    const script = new Scripted([() => Promise.reject(serverError())]);
    class Service {
      @AdaptiveRetry({ baseDelayMs: 1000, jitter: 'none', deadlineMs: 2500 })
      async call() { return script.next(); }
    }
    const { error, elapsed } = await settle(new Service().call());
    expect((error as RetryExhaustedError).reason).toBe('deadline');
    expect((error as RetryExhaustedError).attempts).toBe(2); // 0 → fail, +1000 → fail, next +2000 would pass 2500
    expect(elapsed).toBeLessThanOrEqual(1010);
  });

  it('times out an attempt, aborts currentCall().signal, and retries it', async () => {
    const seen: AbortSignal[] = [];
    let calls = 0;
    class Service {
      @AdaptiveRetry({ attemptTimeoutMs: 500, baseDelayMs: 10, maxRetries: 1 })
      async call() {
        calls++;
        const signal = currentCall()!.signal;
        seen.push(signal);
        if (calls === 1) return new Promise(() => undefined); // hangs forever
        return 'second';
      }
    }
    const { value, elapsed } = await settle(new Service().call());
    expect(value).toBe('second');
    expect(seen[0].aborted).toBe(true);
    expect(seen[0].reason).toBeInstanceOf(AttemptTimeoutError);
    expect(seen[1].aborted).toBe(false);
    expect(elapsed).toBeGreaterThanOrEqual(500);
  });

  it('exposes key-less context with the attempt number inside the method', async () => {
    const attempts: number[] = [];
    const script = new Scripted([() => Promise.reject(serverError()), () => Promise.resolve('done')]);
    class Service {
      @AdaptiveRetry({ baseDelayMs: 1 })
      async call() {
        attempts.push(currentCall()!.attempt);
        return script.next();
      }
    }
    await settle(new Service().call());
    expect(attempts).toEqual([1, 2]);
    expect(currentCall()).toBeUndefined();
  });

  it('lets retryOn override the classification both ways', async () => {
    const script = new Scripted([() => Promise.reject(new Error('custom transient')), () => Promise.resolve('ok')]);
    class Service {
      @AdaptiveRetry({ baseDelayMs: 1, retryOn: (e) => (e instanceof Error && e.message.includes('transient') ? true : undefined) })
      async call() { return script.next(); }
      @AdaptiveRetry({ retryOn: () => false })
      async never() { return Promise.reject(serverError()); }
    }
    expect((await settle(new Service().call())).value).toBe('ok');
    const { error } = await settle(new Service().never());
    expect((error as { status?: number }).status).toBe(500);
  });

  describe('cancellation', () => {
    it('rejects within milliseconds when the caller aborts during a 10-second server-directed wait', async () => {
      const script = new Scripted([() => Promise.reject(rateLimitError({ 'retry-after': '10' })), () => Promise.resolve('late')]);
      class Service {
        @AdaptiveRetry()
        async call(_body: object, _options: { signal: AbortSignal }) { return script.next(); }
      }
      const controller = new AbortController();
      const promise = new Service().call({}, { signal: controller.signal });
      let outcome: unknown;
      promise.catch((e: unknown) => (outcome = e));
      await clock.advance(1000);
      expect(outcome).toBeUndefined();
      controller.abort(new Error('user cancelled'));
      await clock.advance(0);
      expect((outcome as Error).message).toBe('user cancelled');
      expect(script.calls).toBe(1);
    });

    it('rejects in flight at once with the signal reason and aborts the attempt signal', async () => {
      let inner: AbortSignal | undefined;
      class Service {
        @AdaptiveRetry()
        async call(_signal: AbortSignal) {
          inner = currentCall()!.signal;
          return new Promise(() => undefined);
        }
      }
      const controller = new AbortController();
      const promise = new Service().call(controller.signal);
      let outcome: unknown;
      promise.catch((e: unknown) => (outcome = e));
      await clock.advance(0);
      controller.abort('stop');
      await clock.advance(0);
      expect(outcome).toBe('stop');
      expect(inner!.aborted).toBe(true);
    });

    it('rejects at once when already aborted, without calling the method', async () => {
      let calls = 0;
      class Service {
        @AdaptiveRetry()
        async call(_signal: AbortSignal) { calls++; }
      }
      await expect(new Service().call(AbortSignal.abort('already'))).rejects.toBe('already');
      expect(calls).toBe(0);
    });
  });

  describe('method shapes', () => {
    it('handles a sync throw, a non-promise return and a non-Error rejection, each after one attempt', async () => {
      const attempts = { throwsSync: 0, plainValue: 0, rejectsString: 0 };
      class Service {
        @AdaptiveRetry({ baseDelayMs: 1 })
        throwsSync(): Promise<never> {
          attempts.throwsSync++;
          throw new TypeError('sync');
        }
        @AdaptiveRetry()
        plainValue(): Promise<number> {
          attempts.plainValue++;
          return 7 as unknown as Promise<number>;
        }
        @AdaptiveRetry()
        async rejectsString(): Promise<never> {
          attempts.rejectsString++;
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test: a rejection with a non-Error
          return Promise.reject('a string');
        }
      }
      const service = new Service();
      await expect(service.throwsSync()).rejects.toThrow(TypeError);
      await expect(service.plainValue()).resolves.toBe(7);
      await expect(service.rejectsString()).rejects.toBe('a string');
      expect(attempts).toEqual({ throwsSync: 1, plainValue: 1, rejectsString: 1 });
    });
  });
});
