import 'reflect-metadata';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimitExceededError, RateLimited, RetryExhaustedError, configureResilience } from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
  configureResilience(container, { clock, random: () => 0 });
});
afterEach(() => expect(clock.pendingTimers).toBe(0));
afterAll(() => configureResilience(container));

describe('a wait for capacity longer than the time left before the deadline', () => {
  it('ends the call with RetryExhaustedError reason "deadline", not an error naming maxWaitMs', async () => {
    class Service {
      @AdaptiveRetry({ deadlineMs: 500 })
      @RateLimited({ key: 'slow', requestsPerMinute: 60 })
      async call(): Promise<string> {
        return 'ok';
      }
    }
    const service = new Service();
    await service.call(); // the key's one request
    const error = await service.call().catch((e: unknown) => e); // the next frees in 1 s, after the 500 ms deadline
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as RetryExhaustedError).reason).toBe('deadline');
    expect((error as Error).message).toMatch(/after the call's deadline .*deadlineMs 500/);
    expect((error as Error).message).not.toMatch(/maxWaitMs/);
    expect((error as RetryExhaustedError).attempts).toBe(0);
    expect((error as RetryExhaustedError).cause).toBeUndefined();
  });

  it('still says maxWaitMs when that bound, not the deadline, refused', async () => {
    class Service {
      @AdaptiveRetry({ deadlineMs: 10_000 })
      @RateLimited({ key: 'bounded', requestsPerMinute: 60, maxWaitMs: 200 })
      async call(): Promise<string> {
        return 'ok';
      }
    }
    const service = new Service();
    await service.call();
    const error = await service.call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitExceededError);
    expect((error as RateLimitExceededError).bound).toBe('maxWaitMs');
  });
});
