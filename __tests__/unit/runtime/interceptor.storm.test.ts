import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, CircuitOpenError, RetryExhaustedError, configureResilience } from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';

const unavailable = () => OpenAI.APIError.generate(503, { error: { message: 'down' } }, 'down', new Headers());

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
  configureResilience(container, { clock, random: () => 0.5 });
});
afterEach(() => expect(clock.pendingTimers).toBe(0));

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  let result: { v: unknown } | undefined;
  promise.then((v) => (result = { v }), (e: unknown) => (result = { v: e }));
  for (let i = 0; i < 10_000 && result === undefined; i++) await clock.advance(10);
  return result!.v;
}

describe('retry budget', () => {
  it('fails fast with RetryExhaustedError(retry-budget) once retries exceed the saved budget, without the floor or successes to refill it', async () => {
    let sent = 0;
    class Service {
      @AdaptiveRetry({ maxRetries: 10, baseDelayMs: 1, jitter: 'none', breaker: false, retryBudget: { ratio: 0.2, minPerSecond: 0, maxBalance: 3 } })
      async call(): Promise<never> {
        sent++;
        throw unavailable();
      }
    }
    const error = await outcome(new Service().call());
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as RetryExhaustedError).reason).toBe('retry-budget');
    expect((error as RetryExhaustedError).attempts).toBe(4); // 1 + the 3 saved retries
    expect(sent).toBe(4);
    // the next call gets no retry at all
    const second = await outcome(new Service().call());
    expect((second as RetryExhaustedError).attempts).toBe(1);
    expect(sent).toBe(5);
  });

  it('can be configured through a named policy, and disabled', async () => {
    configureResilience(container, { clock, random: () => 0.5, policies: { 'Service.call': { retryBudget: false } } });
    let sent = 0;
    class Service {
      @AdaptiveRetry({ maxRetries: 30, baseDelayMs: 1, maxDelayMs: 1, breaker: false })
      async call(): Promise<never> {
        sent++;
        throw unavailable();
      }
    }
    const error = await outcome(new Service().call());
    expect((error as RetryExhaustedError).reason).toBe('max-retries');
    expect(sent).toBe(31);
  });
});

describe('overload breaker', () => {
  it('opens when most attempts fail, fails calls fast without sending, probes after the cool-off and closes on success', async () => {
    let sent = 0;
    let down = true;
    class Service {
      @AdaptiveRetry({ maxRetries: 0, retryBudget: false, breaker: { minimumAttempts: 5, failureRatio: 0.5, windowMs: 10_000, coolOffMs: 3000 } })
      async call(): Promise<string> {
        sent++;
        if (down) throw unavailable();
        return 'up';
      }
    }
    const service = new Service();
    for (let i = 0; i < 5; i++) expect(((await outcome(service.call())) as RetryExhaustedError).reason).toBe('max-retries');
    expect(sent).toBe(5);
    const fast = await outcome(service.call());
    expect(fast).toBeInstanceOf(CircuitOpenError);
    expect((fast as CircuitOpenError).retryAfterMs).toBeGreaterThan(2900);
    expect(sent).toBe(5); // nothing sent while open
    down = false;
    await clock.advance(3000);
    expect(await outcome(service.call())).toBe('up'); // the probe
    expect(await outcome(service.call())).toBe('up'); // closed again
    expect(sent).toBe(7);
  });

  it('stops a retrying call with RetryExhaustedError(circuit-open) when the breaker opens under it', async () => {
    class Service {
      @AdaptiveRetry({ maxRetries: 8, baseDelayMs: 10, jitter: 'none', retryBudget: false, breaker: { minimumAttempts: 3, failureRatio: 0.5, coolOffMs: 60_000 } })
      async call(): Promise<never> {
        throw unavailable();
      }
    }
    const error = await outcome(new Service().call());
    expect((error as RetryExhaustedError).reason).toBe('circuit-open');
    expect((error as RetryExhaustedError).attempts).toBe(3);
    expect(((error as RetryExhaustedError).cause as { status: number }).status).toBe(503);
  });

  it('does not count 4xx or 429 against the provider', async () => {
    let sent = 0;
    class Service {
      @AdaptiveRetry({ maxRetries: 0, breaker: { minimumAttempts: 3, failureRatio: 0.5 } })
      async call(status: 400 | 429): Promise<never> {
        sent++;
        if (status === 429) throw new OpenAI.RateLimitError(429, { error: { message: 'slow down' } }, 'slow down', new Headers());
        throw new OpenAI.BadRequestError(400, { error: { message: 'bad' } }, 'bad', new Headers());
      }
    }
    // 20 failures, half 429s (a quota, not an overload) and half 400s (the caller's fault): the breaker stays closed
    for (let i = 0; i < 20; i++) expect(await outcome(new Service().call(i % 2 === 0 ? 429 : 400))).not.toBeInstanceOf(CircuitOpenError);
    expect(sent).toBe(20);
  });
});

describe('breaker telemetry', () => {
  it('counts state changes in llm_breaker_transitions_total and logs them', async () => {
    const { Registry } = await import('prom-client');
    const registry = new Registry();
    const lines: string[] = [];
    const pino = (await import('pino')).default;
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    configureResilience(container, { clock, random: () => 0.5, metrics: { registry }, logger });
    let down = true;
    class Svc {
      @AdaptiveRetry({ maxRetries: 0, retryBudget: false, breaker: { minimumAttempts: 2, failureRatio: 0.5, coolOffMs: 1000 } })
      async call(): Promise<string> {
        if (down) throw unavailable();
        return 'ok';
      }
    }
    const service = new Svc();
    await outcome(service.call());
    await outcome(service.call()); // opens
    down = false;
    await clock.advance(1000);
    await outcome(service.call()); // probe (half-open) → closed
    const text = await registry.metrics();
    expect(text).toContain('llm_breaker_transitions_total{key="Svc.call",state="open"} 1');
    expect(text).toContain('llm_breaker_transitions_total{key="Svc.call",state="closed"} 1');
    expect(lines.some((l) => l.includes('"breaker":"open"'))).toBe(true);
  });
});

describe('retry budget and 429s', () => {
  it('does not spend the budget on rate-limited retries (flow control paced by the cooldown)', async () => {
    let sent = 0;
    class Service {
      @AdaptiveRetry({ maxRetries: 5, breaker: false, retryBudget: { ratio: 0.2, minPerSecond: 0, maxBalance: 1 } })
      async call(): Promise<string> {
        sent++;
        if (sent <= 4) throw new OpenAI.RateLimitError(429, { error: { message: 'slow' } }, 'slow', new Headers({ 'retry-after-ms': '100' }));
        return 'ok';
      }
    }
    expect(await outcome(new Service().call())).toBe('ok');
    expect(sent).toBe(5); // 4 rate-limited retries with a budget of 1
  });
});
