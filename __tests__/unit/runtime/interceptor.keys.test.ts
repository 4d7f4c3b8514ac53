import 'reflect-metadata';
import { container } from 'tsyringe';
import { MemoryStore, RateLimited, TokenBudget, configureResilience, currentCall, type LimitSpec } from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';

afterAll(() => configureResilience(container));

/** A spec to read a key's state with (the store answers per key; the spec only says which limits to report). */
function probe(key: string, overrides: Partial<LimitSpec> = {}): LimitSpec {
  return { key, requestsPerMinute: undefined, requestBurst: 1, tokensPerMinute: undefined, tokenBurst: 0, tokensPerDay: undefined, learnRequests: true, learnTokens: true, ...overrides };
}

describe('per-key semantics: a rate key and a separate budget key', () => {
  it('the rate key is charged the request and the budget key the tokens, never both', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    configureResilience(container, { clock, store });
    class Service {
      @RateLimited({ key: 'r', requestsPerMinute: 600, burst: 10 })
      @TokenBudget({ key: 'b', tokensPerMinute: 60_000, burst: 1000, estimate: () => 300, actual: () => 300 })
      async call(): Promise<string> {
        return 'ok';
      }
    }
    const pending = new Service().call();
    while (clock.pendingTimers > 0) await clock.advance(50); // a new key starts with no tokens: 300 tokens take 0.3 s
    await expect(pending).resolves.toBe('ok');
    const now = clock.now();
    const both = { requestsPerMinute: 600, requestBurst: 10, tokensPerMinute: 60_000, tokenBurst: 1000 };
    const rate = store.view(probe('r', both), now)!;
    const budget = store.view(probe('b', both), now)!;
    // tokens: all 300 went to the budget key
    expect(budget.dayUsed).toBe(300);
    expect(rate.dayUsed).toBe(0);
    // requests: both keys started with one request at the same time and refilled alike; only the rate key's was taken
    expect(budget.requests! - rate.requests!).toBeCloseTo(1, 9);
  });

  it('rate-limit headers reach every key: the rate key learns requests, the budget key learns tokens', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    configureResilience(container, { clock, store });
    class Service {
      @RateLimited({ key: 'learn-r' })
      @TokenBudget({ key: 'learn-b', estimate: () => 10 })
      async call(): Promise<string> {
        currentCall()!.observeHeaders({
          'x-ratelimit-limit-requests': '500',
          'x-ratelimit-remaining-requests': '499',
          'x-ratelimit-limit-tokens': '200000',
          'x-ratelimit-remaining-tokens': '199990',
        });
        return 'ok';
      }
    }
    await new Service().call();
    const now = clock.now();
    const rate = store.view(probe('learn-r'), now)!;
    const budget = store.view(probe('learn-b'), now)!;
    expect(rate.requestsPerMinute).toBe(500);
    expect(budget.tokensPerMinute).toBe(200_000);
    // and neither learned the other's resource: still the conservative start (requests) and not limited (tokens)
    expect(rate.tokensPerMinute).toBeUndefined();
    expect(budget.requestsPerMinute).toBe(60);
  });

  it('capacity events report requests under the rate key and tokens under the budget key', async () => {
    const runtime = configureResilience(container, { clock: new FakeClock(), store: new MemoryStore() });
    const seen: Array<[string, string]> = [];
    runtime.events.onCapacity((e) => seen.push([e.key, e.resource]));
    class Service {
      @RateLimited({ key: 'cap-r', requestsPerMinute: 600 })
      @TokenBudget({ key: 'cap-b', tokensPerMinute: 60_000, estimate: () => 10 })
      async call(): Promise<string> {
        currentCall()!.observeHeaders({ 'x-ratelimit-remaining-requests': '499', 'x-ratelimit-remaining-tokens': '199990' });
        return 'ok';
      }
    }
    await new Service().call();
    expect(seen).toEqual([
      ['cap-r', 'requests'],
      ['cap-b', 'tokens'],
    ]);
  });
});
