import 'reflect-metadata';
import fc from 'fast-check';
import { AdaptiveRetry, PolicyConfigError, RateLimited, TokenBudget } from '../../../index';

type AnyDecorator = (t: object, k: string, d: PropertyDescriptor) => void;

function decorate(decorator: AnyDecorator): unknown {
  class Fuzzed {
    async method(): Promise<void> {}
  }
  try {
    decorator(Fuzzed.prototype, 'method', Object.getOwnPropertyDescriptor(Fuzzed.prototype, 'method')!);
    return undefined;
  } catch (error) {
    return error;
  }
}

const invalidNumber = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -1, -0.5, '5', null, true, {}, [], () => 1),
  fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
);

describe('fuzzing policy options: every invalid value is a PolicyConfigError at decoration, naming the option', () => {
  const numericOptions: Array<[string, (v: unknown) => AnyDecorator]> = [
    ['maxRetries', (v) => AdaptiveRetry({ maxRetries: v } as never)],
    ['baseDelayMs', (v) => AdaptiveRetry({ baseDelayMs: v } as never)],
    ['maxDelayMs', (v) => AdaptiveRetry({ maxDelayMs: v } as never)],
    ['attemptTimeoutMs', (v) => AdaptiveRetry({ attemptTimeoutMs: v } as never)],
    ['deadlineMs', (v) => AdaptiveRetry({ deadlineMs: v } as never)],
    ['retryBudget.ratio', (v) => AdaptiveRetry({ retryBudget: { ratio: v } } as never)],
    ['breaker.coolOffMs', (v) => AdaptiveRetry({ breaker: { coolOffMs: v } } as never)],
    ['requestsPerMinute', (v) => RateLimited({ key: 'k', requestsPerMinute: v } as never)],
    ['burst', (v) => RateLimited({ key: 'k', burst: v } as never)],
    ['maxWaitMs', (v) => RateLimited({ key: 'k', maxWaitMs: v } as never)],
    ['maxQueue', (v) => RateLimited({ key: 'k', maxQueue: v } as never)],
    ['tokensPerMinute', (v) => TokenBudget({ key: 'k', estimate: () => 1, tokensPerMinute: v } as never)],
    ['tokensPerDay', (v) => TokenBudget({ key: 'k', estimate: () => 1, tokensPerDay: v } as never)],
  ];
  it.each(numericOptions)('%s', (option, make) => {
    fc.assert(
      fc.property(invalidNumber, (value) => {
        const error = decorate(make(value));
        expect(error).toBeInstanceOf(PolicyConfigError);
        expect((error as PolicyConfigError).option).toBe(option);
        expect((error as Error).message).toContain('Fuzzed.method');
      }),
      { numRuns: 60 },
    );
  });

  it('any unknown option name is refused', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }).filter((s) => !['maxRetries', 'baseDelayMs', 'maxDelayMs', 'jitter', 'attemptTimeoutMs', 'deadlineMs', 'retryOn', 'retryBudget', 'breaker', '__proto__', 'constructor'].includes(s)), (name) => {
        const error = decorate(AdaptiveRetry({ [name]: 1 }));
        expect(error).toBeInstanceOf(PolicyConfigError);
        expect((error as PolicyConfigError).option).toBe(name);
        expect((error as Error).message).toContain('Fuzzed.method');
      }),
      { numRuns: 100 },
    );
  });

  it.each(['toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'])('refuses %s (an Object.prototype name is not an option)', (name) => {
    const error = decorate(AdaptiveRetry({ [name]: 1 }));
    expect(error).toBeInstanceOf(PolicyConfigError);
    expect((error as PolicyConfigError).option).toBe(name);
  });

  it('valid options never throw', () => {
    fc.assert(
      fc.property(
        fc.record({ maxRetries: fc.nat(20), baseDelayMs: fc.integer({ min: 0, max: 5000 }), extra: fc.integer({ min: 0, max: 60_000 }) }),
        ({ maxRetries, baseDelayMs, extra }) => {
          expect(decorate(AdaptiveRetry({ maxRetries, baseDelayMs, maxDelayMs: baseDelayMs + extra + 1 }) as unknown as AnyDecorator)).toBeUndefined();
        },
      ),
      { numRuns: 100 },
    );
  });
});
