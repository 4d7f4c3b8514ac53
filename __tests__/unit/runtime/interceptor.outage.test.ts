/**
 * A 30-second full provider outage, on the fake clock: the decorated method stands in for the provider and
 * fails with a 503 (the openai SDK's error) while the outage lasts. One call starts every 100 ms. The default
 * overload breaker (≥ 10 attempts in 10 s, ≥ 50 % overload failures, 5 s cool-off) must make calls fail fast once
 * it opens, let only a probe per cool-off reach the provider, and close within one cool-off after the outage.
 * (The same scenario over real HTTP, with real timings, is the `faults` part of `npm run bench`.)
 */
import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, CircuitOpenError, RateLimited, RetryExhaustedError, configureResilience } from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';

const QUOTA = { requestsPerMinute: 6000, tokensPerMinute: 400_000 };
const OUTAGE_MS = 30_000;
const EVERY_MS = 100;
const COOL_OFF_MS = 5000; // the breaker's default

const unavailable = () => OpenAI.APIError.generate(503, { error: { message: 'Service Unavailable' } }, 'Service Unavailable', new Headers());

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
  configureResilience(container, { clock, random: () => 0.5, policies: { 'openai:gpt-4o-mini': QUOTA } });
});
afterEach(() => expect(clock.pendingTimers).toBe(0)); // no timer outlives its call

/** What the provider stand-in saw: the times attempts reached it. */
class Provider {
  down = false;
  readonly attempts: number[] = [];
  constructor(private readonly clock: FakeClock) {}
  answer(): Promise<string> {
    this.attempts.push(this.clock.now());
    return this.down ? Promise.reject(unavailable()) : Promise.resolve('ok');
  }
}

interface Outcome {
  kind: string;
  ms: number;
}

/** Starts `call` now and records how it ended and after how much fake time. */
function track(call: () => Promise<unknown>, into: Outcome[]): Promise<void> {
  const started = clock.now();
  return call().then(
    () => void into.push({ kind: 'ok', ms: clock.now() - started }),
    (e: unknown) =>
      void into.push({
        kind: e instanceof CircuitOpenError ? 'fast' : e instanceof RetryExhaustedError ? e.reason : String(e),
        ms: clock.now() - started,
      }),
  );
}

describe('a 30-second full provider outage (fake clock)', () => {
  it('fails calls fast once the breaker opens, sends one probe per cool-off, and recovers within one cool-off', async () => {
    const provider = new Provider(clock);
    class Service {
      @AdaptiveRetry({ maxRetries: 2, baseDelayMs: 100 }) // default breaker and retry budget
      @RateLimited({ key: () => 'openai:gpt-4o-mini' })
      async call(): Promise<string> {
        return provider.answer();
      }
    }
    const service = new Service();
    for (let i = 0; i < 20; i++) {
      const done = service.call();
      await clock.advance(EVERY_MS);
      expect(await done).toBe('ok');
    }

    provider.down = true;
    const outageStart = clock.now();
    const sentBefore = provider.attempts.length;
    const results: Outcome[] = [];
    const pending: Array<Promise<void>> = [];
    while (clock.now() - outageStart < OUTAGE_MS) {
      pending.push(track(() => service.call(), results));
      await clock.advance(EVERY_MS);
    }
    while (results.length < pending.length) await clock.advance(10); // the last calls' retries end (the outage is still on)
    await Promise.all(pending);
    const outageAttempts = provider.attempts.slice(sentBefore);
    const sentDuringOutage = outageAttempts.length;

    provider.down = false;
    const outageEnd = clock.now();
    let recoveredAfterMs = -1;
    while (clock.now() - outageEnd < 10_000) {
      const attempt: Outcome[] = [];
      const done = track(() => service.call(), attempt);
      await clock.advance(0);
      await done;
      if (attempt[0].kind === 'ok') {
        recoveredAfterMs = clock.now() - outageEnd;
        break;
      }
      await clock.advance(EVERY_MS);
    }
    const after: Outcome[] = [];
    const afterCalls = Array.from({ length: 20 }, () => track(() => service.call(), after));
    await clock.advance(1000);
    await Promise.all(afterCalls);

    const fast = results.filter((r) => r.kind === 'fast');
    // Today: 300 calls, 285 failed fast (0 ms), 25 attempts reached the provider (20 in the first 900 ms opened
    // the breaker: the 20 earlier successes were in its window; then probes at 5.9, 10.9, 15.9, 20.9 and 25.9 s),
    // against 900 without the breaker; recovered 900 ms after the outage (the next probe); then 20/20.
    expect(results).toHaveLength(OUTAGE_MS / EVERY_MS);
    expect(results.filter((r) => r.kind === 'ok')).toHaveLength(0);
    expect(fast.length).toBeGreaterThan(results.length * 0.8);
    for (const r of fast) expect(r.ms).toBeLessThan(50);
    expect(sentDuringOutage).toBeLessThan(60); // ~10 to open + one probe per cool-off; without the breaker ~900
    // once open, what still reaches the provider is one probe per cool-off: attempts at least a cool-off apart
    const opened = outageAttempts.findIndex((t, i) => i > 0 && t - outageAttempts[i - 1] >= COOL_OFF_MS);
    expect(opened).toBeGreaterThan(0);
    const probes = outageAttempts.slice(opened);
    expect(probes.length).toBeLessThanOrEqual(Math.ceil(OUTAGE_MS / COOL_OFF_MS));
    for (let i = 1; i < probes.length; i++) expect(probes[i] - probes[i - 1]).toBeGreaterThanOrEqual(COOL_OFF_MS);
    expect(recoveredAfterMs).toBeGreaterThanOrEqual(0);
    expect(recoveredAfterMs).toBeLessThan(6000); // within one cool-off
    expect(after.every((r) => r.kind === 'ok')).toBe(true);
    expect(after).toHaveLength(20);
  });
});
