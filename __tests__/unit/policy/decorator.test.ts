import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PolicyConfigError, configureResilience } from '../../../index';
import { getPolicyMetadata } from '../../../src/policy/metadata';
import { FakeClock } from '../../../src/testing/fake-clock';
import * as legacy from '../../fixtures/legacy-decorators/services';
import * as standard from '../../fixtures/standard-decorators/services';

type Fixture = typeof legacy;

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
  configureResilience({ clock, random: () => 0.5 });
});
afterEach(() => {
  expect(clock.pendingTimers).toBe(0);
});

/** Runs a promise to completion on the fake clock; returns its value and the fake time it took. */
async function settle<T>(promise: Promise<T>): Promise<{ value: T; elapsed: number }> {
  const start = clock.now();
  let outcome: { value: T } | { error: unknown } | undefined;
  promise.then((value) => (outcome = { value }), (error: unknown) => (outcome = { error }));
  while (outcome === undefined && clock.now() - start < 60_000) await clock.advance(10);
  if (outcome === undefined) throw new Error('did not settle');
  if ('error' in outcome) throw outcome.error;
  return { value: outcome.value, elapsed: clock.now() - start };
}

function thrownBy(define: () => unknown): PolicyConfigError {
  try {
    define();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyConfigError);
    return error as PolicyConfigError;
  }
  throw new Error('the class definition did not throw');
}

it('the two fixtures are the same code (one compiled as standard decorators, one as legacy)', () => {
  const body = (dir: string) => {
    const text = readFileSync(join(__dirname, '../../fixtures', dir, 'services.ts'), 'utf8');
    return text.slice(text.indexOf('// #region services'));
  };
  expect(body('standard-decorators')).toBe(body('legacy-decorators'));
});

it('the standard fixture really is compiled as standard decorators (no reflect-metadata on the prototype)', () => {
  const key = Symbol.for('llm-resilience:policies');
  expect(Reflect.getOwnMetadata(key, legacy.Summarizer.prototype, 'summarize')).toBeDefined();
  expect(Reflect.getOwnMetadata(key, standard.Summarizer.prototype, 'summarize')).toBeUndefined();
});

describe.each([
  ['standard (TC39)', standard as unknown as Fixture, true],
  ['legacy (experimentalDecorators)', legacy, false],
])('%s decorators', (_mode, fixture, isStandard) => {
  it('record the same validated policies, read by (prototype, method name)', () => {
    const meta = getPolicyMetadata(fixture.Summarizer.prototype, 'summarize');
    expect(meta?.retry).toMatchObject({ maxRetries: 3, baseDelayMs: 100, jitter: 'none', maxDelayMs: 60_000 });
    expect(meta?.rateLimit).toMatchObject({ requestsPerMinute: 60, requiresPolicy: false });
    expect(meta?.tokenBudget).toMatchObject({ tokensPerMinute: 6000 });
    expect(meta?.tokenBudget?.estimate({ model: 'm', tokens: 42 })).toBe(42);
    expect(getPolicyMetadata(fixture.Summarizer, 'ping')?.retry).toMatchObject({ maxRetries: 1 });
  });

  it('retry a failing call through the runtime, on the key its function computes', async () => {
    const service = new fixture.Summarizer(2);
    const { value, elapsed } = await settle(service.summarize({ model: 'gpt', tokens: 10 }));
    expect(value).toBe('gpt: attempt 3 on fixture:gpt');
    expect(service.attempts).toBe(3);
    expect(elapsed).toBeGreaterThanOrEqual(100 + 200); // backoff 100 ms, then 200 ms (jitter 'none')
  });

  it('hold calls at the rate limit (60/min: the second call waits a second)', async () => {
    const service = new fixture.Summarizer();
    const started = clock.now();
    const done: number[] = [];
    const calls = [1, 2].map((n) => service.summarize({ model: `rate${n > 0 ? '' : n}`, tokens: 1 }).then(() => done.push(clock.now() - started)));
    await settle(Promise.all(calls));
    expect(done[0]).toBeLessThan(100);
    expect(done[1]).toBeGreaterThanOrEqual(900);
  });

  it('keep `this` and run static methods', async () => {
    expect((await settle(fixture.Summarizer.ping())).value).toBe('pong');
  });

  it('name the declaring class in errors at call time, also for a subclass instance', async () => {
    await expect(new fixture.SubSummarizer().unconfigured()).rejects.toThrow(/^Summarizer\.unconfigured: invalid option "policyName"/);
  });

  it('refuse an invalid option on a static method while the class is defined, naming Class.method', () => {
    const error = thrownBy(fixture.invalid.staticOption);
    expect(error.where).toBe('BadStatic.call');
    expect(error.option).toBe('requestsPerMinute');
    expect(error.value).toBe(0);
  });

  it('refuse an invalid option on an instance method while the class is defined', () => {
    const error = thrownBy(fixture.invalid.instanceOption);
    // Standard decorators see no class while it is being defined: the method is named, the stack shows the class.
    expect(error.where).toBe(isStandard ? 'call' : 'BadOptions.call');
    expect(error.option).toBe('maxRetries');
    expect(error.value).toBe(-1);
  });

  it('refuse the same decorator twice', () => {
    const error = thrownBy(fixture.invalid.twice);
    expect(error.where).toBe(isStandard ? 'call' : 'Twice.call');
    expect(error.option).toBe('@AdaptiveRetry');
  });

  it('refuse two different breakers for one fixed key', () => {
    const error = thrownBy(fixture.invalid.conflictingBreakers);
    expect(error.where).toBe(isStandard ? 'b' : 'Second.b');
    expect(error.option).toBe('breaker');
    expect(error.message).toContain('key "fixture:shared"');
  });

  it('refuse a field, naming what it is', () => {
    const error = thrownBy(fixture.invalid.field);
    expect(error.where).toBe(isStandard ? 'field' : 'OnField.field');
    expect(error.option).toBe('target');
    expect(error.value).toBe('field');
    expect(error.message).toContain('a method (decorators apply to methods only)');
  });
});
