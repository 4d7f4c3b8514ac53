import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import {
  AdaptiveRetry,
  MemoryStore,
  RateLimited,
  RetryExhaustedError,
  TokenBudget,
  configureResilience,
  type BogusUsageEvent,
  type CooldownEvent,
  type LimitSpec,
} from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';

const YEAR_S = 31_536_000;
let clock: FakeClock;
let store: MemoryStore;
beforeEach(() => {
  clock = new FakeClock();
  store = new MemoryStore();
});
afterEach(() => expect(clock.pendingTimers).toBe(0));
afterAll(() => configureResilience(container));

function spec(key: string, rpm: number, tpm?: number): LimitSpec {
  return { key, requestsPerMinute: rpm, requestBurst: rpm / 60, tokensPerMinute: tpm, tokenBurst: (tpm ?? 0) / 60, tokensPerDay: undefined, learnRequests: false, learnTokens: tpm === undefined };
}

function rateLimited(retryAfterSeconds: number): Error {
  return new OpenAI.RateLimitError(429, { error: { message: 'slow down' } }, 'slow down', new Headers({ 'retry-after': String(retryAfterSeconds) }));
}

describe('a poisoned retry-after', () => {
  it('gives the call up at once and pauses the key only for maxCooldownMs (default 60 s), not a year', async () => {
    const cooldowns: CooldownEvent[] = [];
    configureResilience(container, { clock, random: () => 0, store }).events.onCooldown((e) => cooldowns.push(e));
    let calls = 0;
    class Service {
      @AdaptiveRetry({ maxRetries: 3 })
      @RateLimited({ key: 'poisoned', requestsPerMinute: 6000 })
      async call(): Promise<string> {
        if (++calls === 1) throw rateLimited(YEAR_S);
        return 'ok';
      }
    }
    const service = new Service();
    const error = await service.call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as RetryExhaustedError).reason).toBe('server-wait-exceeds-max-delay');
    expect(cooldowns.map((e) => [e.waitMs, e.requestedMs])).toEqual([[60_000, YEAR_S * 1000]]);
    expect(store.view(spec('poisoned', 6000), clock.now())!.cooldownUntil).toBe(clock.now() + 60_000);
    // the key serves again once the cap has passed
    const next = service.call();
    await clock.advance(59_000);
    expect(calls).toBe(1);
    await clock.advance(1_100);
    await expect(next).resolves.toBe('ok');
  });

  it('honours a smaller maxCooldownMs from the decorator and from a named policy', async () => {
    configureResilience(container, { clock, random: () => 0, store, policies: { named: { requestsPerMinute: 6000, maxCooldownMs: 2000 } } });
    let calls = 0;
    class Service {
      @AdaptiveRetry({ maxRetries: 0 })
      @RateLimited({ key: 'inline', requestsPerMinute: 6000, maxCooldownMs: 5000 })
      async inline(): Promise<string> {
        if (++calls === 1) throw rateLimited(YEAR_S);
        return 'ok';
      }

      @AdaptiveRetry({ maxRetries: 0 })
      @RateLimited('named')
      async named(): Promise<string> {
        if (++calls === 3) throw rateLimited(YEAR_S);
        return 'ok';
      }
    }
    const service = new Service();
    await expect(service.inline()).rejects.toBeInstanceOf(RetryExhaustedError);
    expect(store.view(spec('inline', 6000), clock.now())!.cooldownUntil).toBe(clock.now() + 5000);
    const inline = service.inline();
    await clock.advance(5100);
    await expect(inline).resolves.toBe('ok');
    await expect(service.named()).rejects.toBeInstanceOf(RetryExhaustedError);
    expect(store.view(spec('named', 6000), clock.now())!.cooldownUntil).toBe(clock.now() + 2000);
  });

  it('a hint below the cap is kept as the server sent it', async () => {
    configureResilience(container, { clock, random: () => 0, store });
    let calls = 0;
    class Service {
      @AdaptiveRetry({ maxRetries: 1 })
      @RateLimited({ key: 'normal', requestsPerMinute: 6000 })
      async call(): Promise<string> {
        if (++calls === 1) throw rateLimited(3);
        return 'ok';
      }
    }
    const pending = new Service().call();
    await clock.advance(10);
    expect(store.view(spec('normal', 6000), clock.now())!.cooldownUntil).toBe(clock.now() - 10 + 3000);
    await clock.advance(4000);
    await expect(pending).resolves.toBe('ok');
  });
});

describe('an absurd usage figure', () => {
  it('above the per-minute limit is ignored (the estimate stays charged) and reported: it cannot block the key', async () => {
    const bogus: BogusUsageEvent[] = [];
    configureResilience(container, { clock, store }).events.onBogusUsage((e) => bogus.push(e));
    let usage = 1e12;
    class Service {
      @RateLimited({ key: 'tpm', requestsPerMinute: 6000 })
      @TokenBudget({ key: 'tpm', tokensPerMinute: 1_000_000, burst: 1_000_000, estimate: () => 100, actual: () => usage })
      async call(): Promise<string> {
        return 'ok';
      }
    }
    const service = new Service();
    const first = service.call();
    await clock.advance(10); // a new key starts with no tokens
    await first;
    expect(bogus).toEqual([{ key: 'tpm', reported: 1e12, limit: 1_000_000 }]);
    // the estimate stays charged: the key serves the next call at once, not in 694 days (nor in a minute)
    expect(store.view(spec('tpm', 6000, 1_000_000), clock.now())!.dayUsed).toBe(100);
    usage = 50;
    const second = service.call();
    await clock.advance(10);
    await expect(second).resolves.toBe('ok');
  });

  it('above a daily budget (no per-minute token limit) is ignored and reported: it cannot spend the day', async () => {
    const bogus: BogusUsageEvent[] = [];
    configureResilience(container, { clock, store }).events.onBogusUsage((e) => bogus.push(e));
    let usage = 1e12;
    class Service {
      @RateLimited({ key: 'day-only', requestsPerMinute: 6000 })
      @TokenBudget({ key: 'day-only', tokensPerDay: 1_000_000, estimate: () => 100, actual: () => usage })
      async call(): Promise<string> {
        return 'ok';
      }
    }
    const service = new Service();
    const first = service.call();
    await clock.advance(10);
    await first;
    expect(bogus).toEqual([{ key: 'day-only', reported: 1e12, limit: 1_000_000 }]);
    usage = 50;
    const second = service.call();
    await clock.advance(10);
    await expect(second).resolves.toBe('ok'); // not 'daily token budget spent'
  });

  it('a usage that is not a finite number ≥ 0 keeps the estimate', async () => {
    const bogus: BogusUsageEvent[] = [];
    configureResilience(container, { clock, store }).events.onBogusUsage((e) => bogus.push(e));
    const figures = [Number.POSITIVE_INFINITY, Number.NaN, -5];
    let i = 0;
    class Service {
      @RateLimited({ key: 'nan', requestsPerMinute: 6000 })
      @TokenBudget({ key: 'nan', tokensPerMinute: 600_000, burst: 10_000, estimate: () => 100, actual: () => figures[i++] })
      async call(): Promise<string> {
        return 'ok';
      }
    }
    const service = new Service();
    for (let n = 0; n < 3; n++) {
      const pending = service.call();
      await clock.advance(20);
      await pending;
    }
    expect(bogus.map((e) => e.reported)).toEqual([Number.POSITIVE_INFINITY, Number.NaN, -5]);
    expect(store.view(spec('nan', 6000, 600_000), clock.now())!.dayUsed).toBe(300); // three estimates, unchanged
  });
});
