/**
 * `events.onBreakerChange` through decorated methods, on the fake clock: every transition of a key's overload
 * breaker is published once — open, half-open when the cool-off has passed and a probe is admitted, then closed
 * on the probe's success or open again on its failure — and never the same state twice in a row. The log line
 * and the transitions counter follow the events.
 */
import 'reflect-metadata';
import OpenAI from 'openai';
import { Registry } from 'prom-client';
import { container } from 'tsyringe';
import { AdaptiveRetry, CircuitOpenError, configureResilience, type BreakerState, type ResilienceRuntime } from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';
import { captureLogger, type LogRecord } from '../../helpers/capture-logger';
import { samples } from '../../helpers/prometheus';

const COOL_OFF_MS = 1000;
const KEY = 'Svc.call';

const unavailable = () => OpenAI.APIError.generate(503, { error: { message: 'down' } }, 'down', new Headers());

let clock: FakeClock;
let runtime: ResilienceRuntime;
let registry: Registry;
let records: () => LogRecord[];
let states: BreakerState[];
beforeEach(() => {
  clock = new FakeClock();
  registry = new Registry();
  const capture = captureLogger('info');
  records = capture.records;
  runtime = configureResilience(container, { clock, random: () => 0.5, metrics: { registry }, logger: capture.logger });
  states = [];
  runtime.events.onBreakerChange((e) => {
    expect(e.key).toBe(KEY);
    states.push(e.state);
  });
});
afterEach(() => expect(clock.pendingTimers).toBe(0)); // no timer outlives its call
afterAll(() => configureResilience(container));

/** The provider stand-in: fails while `down`; each answer takes `latencyMs` of fake time; notes the published states each attempt saw. */
class Provider {
  down = true;
  latencyMs = 0;
  /** The breaker states published when each attempt reached the provider. */
  readonly seen: BreakerState[][] = [];
  answer(): Promise<string> {
    this.seen.push([...states]);
    const { down } = this;
    return new Promise((resolve, reject) => {
      const settle = () => {
        if (down) reject(unavailable());
        else resolve('up');
      };
      if (this.latencyMs === 0) settle();
      else clock.setTimeout(settle, this.latencyMs);
    });
  }
}

function service(provider: Provider) {
  class Svc {
    @AdaptiveRetry({ maxRetries: 0, retryBudget: false, breaker: { minimumAttempts: 2, failureRatio: 0.5, coolOffMs: COOL_OFF_MS } })
    async call(): Promise<string> {
      return provider.answer();
    }
  }
  return new Svc();
}

/** Runs a call to its end on the fake clock; its value, or what it threw. */
async function outcome(promise: Promise<unknown>): Promise<unknown> {
  let result: { v: unknown } | undefined;
  promise.then((v) => (result = { v }), (e: unknown) => (result = { v: e }));
  for (let i = 0; i < 10_000 && result === undefined; i++) await clock.advance(10);
  return result!.v;
}

function expectNoStateTwiceInARow(published: readonly BreakerState[]): void {
  for (let i = 1; i < published.length; i++) expect([i, published[i]]).not.toEqual([i, published[i - 1]]);
}

describe('onBreakerChange (fake clock)', () => {
  it('publishes open, then half-open when the probe is admitted, open on its failure, half-open again, closed on its success', async () => {
    const provider = new Provider();
    const svc = service(provider);

    await outcome(svc.call());
    await outcome(svc.call()); // 2 of 2 attempts failed: open
    expect(states).toEqual(['open']);
    expect(await outcome(svc.call())).toBeInstanceOf(CircuitOpenError); // the cool-off: nothing published
    expect(states).toEqual(['open']);

    await clock.advance(COOL_OFF_MS);
    expect(await outcome(svc.call())).not.toBeInstanceOf(CircuitOpenError); // the probe, failing
    expect(provider.seen.at(-1)).toEqual(['open', 'half-open']); // published once, before the probe went out
    expect(states).toEqual(['open', 'half-open', 'open']);
    expect(await outcome(svc.call())).toBeInstanceOf(CircuitOpenError);

    provider.down = false;
    await clock.advance(COOL_OFF_MS);
    expect(await outcome(svc.call())).toBe('up'); // the probe, succeeding
    expect(provider.seen.at(-1)).toEqual(['open', 'half-open', 'open', 'half-open']);
    expect(await outcome(svc.call())).toBe('up');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);

    const breakerLines = records().filter((r) => r.breaker !== undefined).map((r) => [r.level, r.breaker]);
    expect(breakerLines).toEqual([[40, 'open'], [30, 'half-open'], [40, 'open'], [30, 'half-open'], [30, 'closed']]);
    const metrics = samples(await registry.metrics());
    expect(metrics.get(`llm_breaker_transitions_total{key="${KEY}",state="open"}`)).toBe(2);
    expect(metrics.get(`llm_breaker_transitions_total{key="${KEY}",state="half-open"}`)).toBe(2);
    expect(metrics.get(`llm_breaker_transitions_total{key="${KEY}",state="closed"}`)).toBe(1);
  });

  it('a long outage with a call every 100 ms: one half-open per probe, open and half-open alternating, never a state twice in a row', async () => {
    const provider = new Provider();
    const svc = service(provider);
    const pending: Array<Promise<unknown>> = [];
    const outageMs = 6 * COOL_OFF_MS + 500;
    for (let t = 0; t < outageMs; t += 100) {
      pending.push(svc.call().catch((e: unknown) => e));
      await clock.advance(100);
    }
    await Promise.all(pending);
    const probes = provider.seen.length - 2; // the first two attempts opened the breaker
    expect(probes).toBe(6); // one per cool-off
    expect(states).toEqual(['open', ...Array.from({ length: probes }, () => ['half-open', 'open'] as const).flat()]);
    expectNoStateTwiceInARow(states);
  });

  it('a probe overtaken by an attempt sent before the breaker opened: the breaker changes once, published once', async () => {
    const provider = new Provider();
    const svc = service(provider);
    provider.latencyMs = 3 * COOL_OFF_MS;
    const slow = svc.call().catch((e: unknown) => e); // out for 3 cool-offs: it fails while the probe is out
    await clock.advance(0);
    provider.latencyMs = 0;
    await outcome(svc.call());
    await outcome(svc.call()); // 2 of 2 recorded attempts failed: open
    expect(states).toEqual(['open']);

    await clock.advance(2 * COOL_OFF_MS);
    provider.latencyMs = 2 * COOL_OFF_MS;
    const probe = svc.call().catch((e: unknown) => e); // half-open; its failure comes after the slow attempt's
    await clock.advance(0);
    expect(states).toEqual(['open', 'half-open']);
    expect(await outcome(svc.call())).toBeInstanceOf(CircuitOpenError); // one probe at a time
    await clock.advance(COOL_OFF_MS); // the slow attempt fails: half-open → open
    expect(states).toEqual(['open', 'half-open', 'open']);
    await clock.advance(COOL_OFF_MS); // the probe fails: already open, no second 'open'
    expect(await slow).not.toBeInstanceOf(CircuitOpenError);
    expect(await probe).not.toBeInstanceOf(CircuitOpenError);
    expect(provider.seen).toHaveLength(4);
    expect(states).toEqual(['open', 'half-open', 'open']);
    expectNoStateTwiceInARow(states);
  });

  it('a probe slower than the cool-off that fails opens the breaker for a whole cool-off from its failure', async () => {
    const provider = new Provider();
    const svc = service(provider);
    await outcome(svc.call());
    await outcome(svc.call()); // open
    await clock.advance(COOL_OFF_MS);
    provider.latencyMs = 3 * COOL_OFF_MS; // a probe that times out long after the cool-off
    expect(await outcome(svc.call())).not.toBeInstanceOf(CircuitOpenError);
    expect(states).toEqual(['open', 'half-open', 'open']);
    // right after the slow probe failed the key is open, not ready for another probe at once
    expect(await outcome(svc.call())).toBeInstanceOf(CircuitOpenError);
    expect(provider.seen).toHaveLength(3);
  });
});
