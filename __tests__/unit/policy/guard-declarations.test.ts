import 'reflect-metadata';
import { container } from 'tsyringe';
import { AdaptiveRetry, CircuitOpenError, PolicyConfigError, RateLimited, RetryExhaustedError, configureResilience } from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
  configureResilience(container, { clock, random: () => 0 });
});
afterAll(() => configureResilience(container));

const unavailable = (): Error => Object.assign(new Error('unavailable'), { status: 503 });

/** Settles a call on the fake clock (a new key starts with one request: later calls wait a few ms for theirs). */
async function settle(pending: Promise<unknown>): Promise<unknown> {
  let done = false;
  const outcome = pending.then(
    (value) => ((done = true), value),
    (error: unknown) => ((done = true), error),
  );
  while (!done) await clock.advance(1);
  return outcome;
}

function decorationError(define: () => unknown): unknown {
  try {
    define();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("a key's breaker and retry budget come from one place", () => {
  it('two methods declaring different breakers for the same fixed key fail at decoration, naming both', () => {
    class First {
      @AdaptiveRetry({ breaker: { failureRatio: 0.5 } })
      @RateLimited({ key: 'shared-breaker', requestsPerMinute: 600 })
      async a(): Promise<void> {}
    }
    const error = decorationError(() => {
      class Second {
        @AdaptiveRetry({ breaker: false })
        @RateLimited({ key: 'shared-breaker', requestsPerMinute: 600 })
        async b(): Promise<void> {}
      }
      return Second;
    });
    expect(First).toBeDefined();
    expect(error).toBeInstanceOf(PolicyConfigError);
    expect((error as PolicyConfigError).where).toBe('Second.b');
    expect((error as PolicyConfigError).option).toBe('breaker');
    expect((error as Error).message).toMatch(/First\.a.*"shared-breaker"/);
  });

  it('the same options declared twice, or different fields, are not a conflict; decorator order does not matter', () => {
    expect(
      decorationError(() => {
        class A {
          @AdaptiveRetry({ retryBudget: { ratio: 0.1 } })
          @RateLimited({ key: 'agree', requestsPerMinute: 600 })
          async a(): Promise<void> {}
        }
        class B {
          @RateLimited({ key: 'agree', requestsPerMinute: 600 })
          @AdaptiveRetry({ retryBudget: { ratio: 0.1 }, breaker: false })
          async b(): Promise<void> {}
        }
        return [A, B];
      }),
    ).toBeUndefined();
  });

  it("a method that declares nothing shares the declaring method's breaker: breaker: false on the key holds for both", async () => {
    class Service {
      @AdaptiveRetry({ maxRetries: 0 })
      @RateLimited({ key: 'one-breaker', requestsPerMinute: 600_000, burst: 10_000 })
      async plain(): Promise<string> {
        throw unavailable();
      }

      @AdaptiveRetry({ maxRetries: 0, breaker: false })
      @RateLimited({ key: 'one-breaker', requestsPerMinute: 600_000, burst: 10_000 })
      async tolerant(): Promise<string> {
        throw unavailable();
      }
    }
    const service = new Service();
    // 30 failures would open a default breaker (≥ 50 % of ≥ 10 attempts); the key's breaker is off
    for (let i = 0; i < 30; i++) expect(await settle(service.plain())).toBeInstanceOf(RetryExhaustedError);
    expect(await settle(service.tolerant())).toBeInstanceOf(RetryExhaustedError);
    expect(await settle(service.tolerant())).not.toBeInstanceOf(CircuitOpenError);
  });

  it("the key's named policy wins over inline declarations", async () => {
    configureResilience(container, { clock, random: () => 0, policies: { 'policy-breaker': { requestsPerMinute: 600_000, requestBurst: 10_000, breaker: false } } });
    class Service {
      @AdaptiveRetry({ maxRetries: 0, breaker: { minimumAttempts: 2, failureRatio: 0.5 } })
      @RateLimited('policy-breaker')
      async call(): Promise<string> {
        throw unavailable();
      }
    }
    const service = new Service();
    for (let i = 0; i < 10; i++) {
      expect(await settle(service.call())).not.toBeInstanceOf(CircuitOpenError);
    }
  });

  it('keys computed from arguments: a later method declaring different options fails at its first call', async () => {
    class Service {
      @AdaptiveRetry({ maxRetries: 0, breaker: { minimumAttempts: 5 } })
      @RateLimited({ key: (tenant: string) => `tenant:${tenant}`, requestsPerMinute: 600_000, burst: 10_000 })
      async first(tenant: string): Promise<string> {
        return tenant;
      }

      @AdaptiveRetry({ maxRetries: 0, breaker: { minimumAttempts: 50 } })
      @RateLimited({ key: (tenant: string) => `tenant:${tenant}`, requestsPerMinute: 600_000, burst: 10_000 })
      async second(tenant: string): Promise<string> {
        return tenant;
      }

      @AdaptiveRetry({ maxRetries: 0 })
      @RateLimited({ key: (tenant: string) => `tenant:${tenant}`, requestsPerMinute: 600_000, burst: 10_000 })
      async silent(tenant: string): Promise<string> {
        return tenant;
      }
    }
    const service = new Service();
    expect(await settle(service.first('acme'))).toBe('acme');
    expect(await settle(service.silent('acme'))).toBe('acme'); // declares nothing: no conflict
    const error = await settle(service.second('acme'));
    expect(error).toBeInstanceOf(PolicyConfigError);
    expect((error as Error).message).toMatch(/Service\.first.*"tenant:acme"/);
    expect(await settle(service.second('other'))).toBe('other'); // another key: its first declaration
  });
});
