import 'reflect-metadata';
import { container } from 'tsyringe';
import { AdaptiveRetry, PolicyConfigError, RateLimited, TokenBudget, configureResilience } from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';

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

  it('a legacy decorator written on a class or an accessor names the class and what it was put on', () => {
    class Billing {
      private amount = 1;
      get total(): number {
        return this.amount;
      }
    }
    const legacy = RateLimited({ key: 'k', requestsPerMinute: 60 }) as unknown as (target: object, name?: string, descriptor?: PropertyDescriptor) => void;
    expect(() => legacy(Billing)).toThrow('Billing: invalid option "target" = "class"; expected a method');
    const getter = Object.getOwnPropertyDescriptor(Billing.prototype, 'total');
    expect(() => legacy(Billing.prototype, 'total', getter)).toThrow('Billing.total: invalid option "target" = "getter"');
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
