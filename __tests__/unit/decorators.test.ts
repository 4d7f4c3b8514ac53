import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import {
  AdaptiveRetry,
  PolicyConfigError,
  RateLimited,
  TokenBudget,
  configureResilience,
  getPolicyMetadata,
} from '../../index';
import { FakeClock } from '../../src/testing/fake-clock';

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
  configureResilience(container, { clock, random: () => 0.5 });
});

function decorateWith(decorator: (t: object, k: string, d: PropertyDescriptor) => void): void {
  class Target {
    async method(): Promise<void> {}
  }
  const descriptor = Object.getOwnPropertyDescriptor(Target.prototype, 'method')!;
  decorator(Target.prototype, 'method', descriptor);
}

type AnyDecorator = (t: object, k: string, d: PropertyDescriptor) => void;
const retry = (o: unknown) => AdaptiveRetry(o as never) as unknown as AnyDecorator;
const rate = (o: unknown) => RateLimited(o as never) as unknown as AnyDecorator;
const budget = (o: unknown) => TokenBudget(o as never) as unknown as AnyDecorator;
const estimate = () => 1;

describe('option validation at decoration time', () => {
  const cases: Array<[string, AnyDecorator, string, string]> = [
    ['negative maxRetries', retry({ maxRetries: -1 }), 'maxRetries', '-1'],
    ['fractional maxRetries', retry({ maxRetries: 1.5 }), 'maxRetries', '1.5'],
    ['NaN baseDelayMs', retry({ baseDelayMs: NaN }), 'baseDelayMs', 'NaN'],
    ['infinite maxDelayMs', retry({ maxDelayMs: Infinity }), 'maxDelayMs', 'Infinity'],
    ['maxDelayMs below base', retry({ baseDelayMs: 500, maxDelayMs: 100 }), 'maxDelayMs', '100'],
    ['unknown jitter', retry({ jitter: 'random' }), 'jitter', '"random"'],
    ['zero attemptTimeoutMs', retry({ attemptTimeoutMs: 0 }), 'attemptTimeoutMs', '0'],
    ['string deadlineMs', retry({ deadlineMs: '1000' }), 'deadlineMs', '"1000"'],
    ['retryOn not a function', retry({ retryOn: true }), 'retryOn', 'true'],
    ['unknown retry option', retry({ maxRetry: 3 }), 'maxRetry', '3'],
    ['missing key', rate({ requestsPerMinute: 10 }), 'key', 'undefined'],
    ['empty key', rate({ key: '', requestsPerMinute: 10 }), 'key', '""'],
    ['zero requestsPerMinute', rate({ key: 'k', requestsPerMinute: 0 }), 'requestsPerMinute', '0'],
    ['negative burst', rate({ key: 'k', requestsPerMinute: 10, burst: -5 }), 'burst', '-5'],
    ['unknown onLimit', rate({ key: 'k', onLimit: 'drop' }), 'onLimit', '"drop"'],
    ['negative maxWaitMs', rate({ key: 'k', maxWaitMs: -1 }), 'maxWaitMs', '-1'],
    ['fractional maxQueue', rate({ key: 'k', maxQueue: 2.5 }), 'maxQueue', '2.5'],
    ['empty policy name', rate(''), 'policyName', '""'],
    ['missing estimate', budget({ key: 'k', tokensPerMinute: 100 }), 'estimate', 'undefined'],
    ['NaN tokensPerMinute', budget({ key: 'k', tokensPerMinute: NaN, estimate }), 'tokensPerMinute', 'NaN'],
    ['negative tokensPerDay', budget({ key: 'k', tokensPerDay: -1, estimate }), 'tokensPerDay', '-1'],
    ['actual not a function', budget({ key: 'k', estimate, actual: 3 }), 'actual', '3'],
    ['options not an object', retry(5), 'options', '5'],
  ];
  it.each(cases)('%s → PolicyConfigError naming class, method, option and value', (_name, decorator, option, shown) => {
    let error: unknown;
    try {
      decorateWith(decorator);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyConfigError);
    const message = (error as Error).message;
    expect(message).toContain('Target.method');
    expect(message).toContain(`"${option}"`);
    expect(message).toContain(`= ${shown}`);
    expect((error as PolicyConfigError).option).toBe(option);
  });

  it('rejects the same decorator applied twice', () => {
    expect(() => {
      class Twice {
        @AdaptiveRetry()
        @AdaptiveRetry()
        async m(): Promise<void> {}
      }
      return Twice;
    }).toThrow(/Twice\.m: invalid option "@AdaptiveRetry" = "applied twice"/);
  });

  it('rejects invalid named policies when configured', () => {
    expect(() => configureResilience(container, { policies: { 'openai:gpt': { requestsPerMinute: -3 } } })).toThrow(
      /policies\["openai:gpt"\]: invalid option "requestsPerMinute" = -3/,
    );
  });

  it('fails a call whose named policy is not configured, naming the method and policy', async () => {
    class Service {
      @RateLimited('openai:unknown-model')
      async call(): Promise<string> {
        return 'never';
      }
    }
    await expect(new Service().call()).rejects.toThrow(/Service\.call: invalid option "policyName" = "openai:unknown-model"/);
  });
});

describe('metadata', () => {
  it('stores all three policies with reflect-metadata, validated and defaulted', () => {
    class Service {
      @AdaptiveRetry({ maxRetries: 2 })
      @RateLimited({ key: 'k', requestsPerMinute: 60 })
      @TokenBudget({ key: 'k', tokensPerMinute: 6000, estimate: () => 10 })
      async call(): Promise<void> {}
    }
    const meta = getPolicyMetadata(Service.prototype, 'call')!;
    expect(meta.retry).toMatchObject({ maxRetries: 2, baseDelayMs: 1000, maxDelayMs: 60000, jitter: 'full' });
    expect(meta.rateLimit).toMatchObject({ key: 'k', requestsPerMinute: 60 });
    expect(meta.tokenBudget).toMatchObject({ key: 'k', tokensPerMinute: 6000 });
  });
});

describe('decorator order', () => {
  const fail429 = () =>
    new OpenAI.RateLimitError(429, { error: { message: 'slow' } }, 'slow', new Headers({ 'retry-after-ms': '300' }));

  async function run(service: { call(n: number): Promise<string> }, dispatches: number[]): Promise<string[]> {
    const results: string[] = [];
    const all = Promise.all([1, 2, 3].map((n) => service.call(n).then((r) => results.push(r))));
    await clock.advance(20_000);
    await all;
    expect(dispatches.length).toBe(4);
    return results;
  }

  it('gives the same behaviour whichever order the decorators are applied in', async () => {
    const dispatchesA: number[] = [];
    let failedA = false;
    class RetryOutside {
      @AdaptiveRetry({ maxRetries: 2 })
      @RateLimited({ key: 'order', requestsPerMinute: 60 })
      @TokenBudget({ key: 'order', tokensPerMinute: 600, estimate: () => 10 })
      async call(n: number): Promise<string> {
        dispatchesA.push(clock.now());
        if (n === 1 && !failedA) {
          failedA = true;
          throw fail429();
        }
        return `r${n}`;
      }
    }
    const start = clock.now();
    const resultsA = await run(new RetryOutside(), dispatchesA);

    configureResilience(container, { clock, random: () => 0.5 });
    const dispatchesB: number[] = [];
    let failedB = false;
    class RetryInside {
      @TokenBudget({ key: 'order', tokensPerMinute: 600, estimate: () => 10 })
      @RateLimited({ key: 'order', requestsPerMinute: 60 })
      @AdaptiveRetry({ maxRetries: 2 })
      async call(n: number): Promise<string> {
        dispatchesB.push(clock.now());
        if (n === 1 && !failedB) {
          failedB = true;
          throw fail429();
        }
        return `r${n}`;
      }
    }
    const startB = clock.now();
    const resultsB = await run(new RetryInside(), dispatchesB);

    expect(resultsB).toEqual(resultsA);
    expect(dispatchesB.map((t) => t - startB)).toEqual(dispatchesA.map((t) => t - start));
    // The retry passed through the limiter again: 4 requests at 1/s (burst 1), and the 429's cooldown held the key.
    const offsets = dispatchesA.map((t) => t - start);
    for (let i = 1; i < offsets.length; i++) expect(offsets[i]! - offsets[i - 1]!).toBeGreaterThanOrEqual(300);
  });
});

describe('architecture', () => {
  it('the runtime (src/) never imports a decorator', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    walk(join(__dirname, '../../src'));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((f) => /from ['"][./]*\/decorators/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('reconfiguration', () => {
  it('calling configureResilience again replaces the configuration for later calls of already-decorated methods', async () => {
    configureResilience(container, { clock, policies: { reconf: { requestsPerMinute: 60, onLimit: 'reject' } } });
    class Service {
      @RateLimited('reconf')
      async call(): Promise<string> {
        return 'ok';
      }
    }
    const service = new Service();
    await service.call(); // the one request a new key starts with
    await expect(service.call()).rejects.toThrow(/Rate limit for "reconf" exceeded/);
    // new limits, new store: the same method now runs under them
    configureResilience(container, { clock, policies: { reconf: { requestsPerMinute: 60_000, requestBurst: 1000 } } });
    await expect(service.call()).resolves.toBe('ok');
    // and a configuration that drops the policy makes the call fail with the missing-policy error
    configureResilience(container, { clock });
    await expect(service.call()).rejects.toThrow(/invalid option "policyName" = "reconf"/);
  });
});
