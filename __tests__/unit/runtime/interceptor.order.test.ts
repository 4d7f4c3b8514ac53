import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimited, TokenBudget, configureResilience } from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
  configureResilience(container, { clock, random: () => 0.5 });
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
    for (let i = 1; i < offsets.length; i++) expect(offsets[i] - offsets[i - 1]).toBeGreaterThanOrEqual(300);
  });
});
