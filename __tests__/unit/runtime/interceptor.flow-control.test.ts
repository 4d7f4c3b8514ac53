import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import {
  AdaptiveRetry,
  MemoryStore,
  RateLimited,
  TokenBudget,
  TokenBudgetExceededError,
  configureResilience,
  currentCall,
  type LimitSpec,
} from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';

let clock: FakeClock;
let store: MemoryStore;
beforeEach(() => {
  clock = new FakeClock();
  store = new MemoryStore();
  configureResilience(container, { clock, random: () => 0, store });
});
afterEach(() => expect(clock.pendingTimers).toBe(0));

const view = (key: string) => store.view({ key, requestsPerMinute: undefined, tokensPerMinute: undefined, learnRequests: true, learnTokens: true } as unknown as LimitSpec, clock.now());
function specFor(key: string, rpm?: number, tpm?: number): LimitSpec {
  return {
    key,
    requestsPerMinute: rpm,
    requestBurst: Math.max(1, (rpm ?? 0) / 60),
    tokensPerMinute: tpm,
    tokenBurst: (tpm ?? 0) / 60,
    tokensPerDay: undefined,
    learnRequests: rpm === undefined,
    learnTokens: tpm === undefined,
  };
}

describe('shared cooldown', () => {
  it("pauses every caller of the key until a 429's wait has passed, not only the failing call", async () => {
    const dispatched: Array<[string, number]> = [];
    let failed = false;
    class Service {
      @AdaptiveRetry({ maxRetries: 2 })
      @RateLimited({ key: 'shared', requestsPerMinute: 60_000 })
      async call(name: string): Promise<string> {
        dispatched.push([name, clock.now()]);
        if (name === 'a' && !failed) {
          failed = true;
          throw new OpenAI.RateLimitError(429, { error: { message: 'slow' } }, 'slow', new Headers({ 'retry-after-ms': '2000' }));
        }
        return name;
      }
    }
    const service = new Service();
    const t0 = clock.now();
    const a = service.call('a');
    await clock.advance(50); // a has failed; the key is paused until t0 + 2000
    const b = service.call('b');
    await clock.advance(3000);
    await expect(Promise.all([a, b])).resolves.toEqual(['a', 'b']);
    const at = Object.fromEntries(dispatched.map(([n, t], i) => [`${n}${i}`, t - t0]));
    expect(at.a0).toBe(0);
    expect(at.b1).toBeGreaterThanOrEqual(2000); // b never failed, yet waited for the key's cooldown
    expect(dispatched).toHaveLength(3);
  });
});

describe('tokens: estimate, reconcile, daily budget', () => {
  it('charges the estimate up front and settles the difference with the real usage', async () => {
    class Service {
      @TokenBudget({ key: 'tok', tokensPerMinute: 60_000, estimate: () => 500 })
      async call(used: number) {
        return { usage: { total_tokens: used } };
      }
    }
    const service = new Service();
    await Promise.all([service.call(500), clock.advance(1000)]); // a new key's first call goes at once; then full
    await service.call(120); // takes 500 of 1000, refunds 380
    const level = store.view(specFor('tok', undefined, 60_000), clock.now())!.tokens!;
    expect(level).toBeCloseTo(1000 - 120, 0);
  });

  it('uses actual(result) and currentCall().observeUsage when given', async () => {
    class Service {
      @TokenBudget({ key: 'custom', tokensPerMinute: 60_000, estimate: () => 100, actual: (r: { n: number }) => r.n })
      async viaActual() {
        return { n: 30 };
      }
      @TokenBudget({ key: 'reported', tokensPerMinute: 60_000, estimate: () => 100 })
      async viaContext() {
        currentCall()!.observeUsage(10);
        return 'no usage field';
      }
    }
    const service = new Service();
    await Promise.all([service.viaActual(), service.viaContext(), clock.advance(1000)]); // new keys, then full
    await Promise.all([service.viaActual(), service.viaContext()]);
    expect(store.view(specFor('custom', undefined, 60_000), clock.now())!.tokens).toBeCloseTo(1000 - 30, 0);
    expect(store.view(specFor('reported', undefined, 60_000), clock.now())!.tokens).toBeCloseTo(1000 - 10, 0);
  });

  it('fails fast once the daily budget is spent, without calling the method', async () => {
    let calls = 0;
    class Service {
      @TokenBudget({ key: 'day', estimate: () => 400, tokensPerDay: 1000 })
      async call() {
        calls++;
        return 'ok';
      }
    }
    const service = new Service();
    await service.call();
    await service.call();
    await expect(service.call()).rejects.toBeInstanceOf(TokenBudgetExceededError);
    expect(calls).toBe(2);
  });
});

describe("the provider's view wins", () => {
  it('reads rate-limit headers from a .withResponse() result and adopts a lower remaining', async () => {
    class Service {
      @RateLimited({ key: 'hdr', requestsPerMinute: 6000 })
      async call() {
        const response = new Response('{}', { headers: { 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-limit-requests': '6000' } });
        return { data: {}, response };
      }
    }
    const service = new Service();
    store.acquire([{ spec: specFor('hdr', 6000), requests: 0, tokens: 0 }], clock.now());
    await clock.advance(1000);
    expect(store.view(specFor('hdr', 6000), clock.now())!.requests).toBeCloseTo(100);
    await service.call();
    // the bucket held 100 requests; the provider says 3 remain
    expect(store.view(specFor('hdr', 6000), clock.now())!.requests).toBeCloseTo(3);
  });

  it('learns limits from headers reported through currentCall().observeHeaders', async () => {
    class Service {
      @RateLimited({ key: (model: string) => `learn:${model}` })
      async call(_model: string) {
        currentCall()!.observeHeaders({ 'x-ratelimit-limit-requests': '1200', 'x-ratelimit-remaining-requests': '1199', 'x-ratelimit-limit-tokens': '90000', 'x-ratelimit-remaining-tokens': '89000' });
        return 'ok';
      }
    }
    await new Service().call('m1');
    expect(view('learn:m1')).toMatchObject({ requestsPerMinute: 1200, tokensPerMinute: 90_000 });
    expect(view('learn:m2')).toBeUndefined(); // limits are per key (per model)
  });
});

describe('cancellation while queued', () => {
  it('rejects a queued call at once with the reason and never runs it', async () => {
    let calls = 0;
    class Service {
      @RateLimited({ key: 'q', requestsPerMinute: 60 })
      async call(_signal?: AbortSignal) {
        calls++;
        return 'ok';
      }
    }
    const service = new Service();
    await service.call();
    const controller = new AbortController();
    const queued = service.call(controller.signal);
    let outcome: unknown;
    queued.catch((e: unknown) => (outcome = e));
    await clock.advance(100);
    controller.abort('changed my mind');
    await clock.advance(0);
    expect(outcome).toBe('changed my mind');
    await clock.advance(5000);
    expect(calls).toBe(1);
  });
});

describe('odd method shapes and capacity', () => {
  class Shapes {
    sent = 0;
    @AdaptiveRetry({ maxRetries: 0 })
    @RateLimited({ key: 'shapes', requestsPerMinute: 60 })
    @TokenBudget({ key: 'shapes', tokensPerMinute: 6000, estimate: () => 50 })
    call(shape: 'sync-throw' | 'value' | 'promise'): Promise<string> {
      if (shape === 'sync-throw') throw new TypeError('bad input, nothing sent');
      this.sent++;
      return (shape === 'value' ? 'plain' : Promise.resolve('ok')) as Promise<string>;
    }
  }
  const levels = () => store.view(specFor('shapes', 60, 6000), clock.now())!;

  it('gives back the request and tokens of a method that throws synchronously (nothing was sent)', async () => {
    const service = new Shapes();
    const failed = service.call('sync-throw').catch((e: unknown) => e);
    await clock.advance(0); // a new key grants its first call whole: 1 request and its 50 tokens
    expect(await failed).toBeInstanceOf(TypeError);
    expect(levels().requests).toBeCloseTo(1, 6); // given back (without it: 0)
    expect(levels().tokens).toBeCloseTo(50, 6);
    expect(levels().dayUsed).toBe(0);
    // so the next call goes at once, instead of waiting a second for the request bucket
    let done = false;
    const next = service.call('promise').then(() => (done = true));
    await clock.advance(0);
    expect(done).toBe(true);
    await next;
    expect(service.sent).toBe(1);
  });

  it('keeps the take of a method that returned (a plain value counts as sent)', async () => {
    const service = new Shapes();
    const plain = service.call('value');
    await clock.advance(0);
    await expect(plain).resolves.toBe('plain');
    expect(levels().requests).toBeCloseTo(0, 6);
    expect(levels().tokens).toBeCloseTo(0, 6);
    expect(levels().dayUsed).toBe(50);
  });
});
