import 'reflect-metadata';
import { container } from 'tsyringe';
import { MemoryStore, RateLimited, configureResilience, currentCall, type ProviderLimitEvent } from '../../../index';
import { ProviderLimits } from '../../../src/runtime/provider-limits';
import type { LimitSpec } from '../../../src/limits/store';
import { FakeClock } from '../../../src/testing/fake-clock';

afterAll(() => configureResilience(container));

const configured: LimitSpec = { key: 'k', requestsPerMinute: 6000, requestBurst: 100, tokensPerMinute: 1_000_000, tokenBurst: 16_667, tokensPerDay: undefined, learnRequests: false, learnTokens: false };

describe('ProviderLimits', () => {
  it('keeps the per-minute limits a provider reports below the configured ones, and drops them when it reports more', () => {
    const limits = new ProviderLimits();
    const generation = limits.generation;
    expect(limits.observe([configured], { requests: { limit: 120, perMinute: true }, tokens: { limit: 2_000_000, perMinute: true } })).toEqual([
      { key: 'k', resource: 'requests', configured: 6000, reported: 120 },
    ]);
    expect(limits.get('k')).toEqual({ requests: 120, tokens: undefined });
    expect(limits.generation).toBeGreaterThan(generation);
    // the same report again changes nothing
    const same = limits.generation;
    expect(limits.observe([configured], { requests: { limit: 120, perMinute: true } })).toEqual([]);
    expect(limits.generation).toBe(same);
    // a report without a limit keeps what was learned; a limit at or above the configured one releases it
    expect(limits.observe([configured], { requests: { remaining: 3 } })).toEqual([]);
    expect(limits.observe([configured], { requests: { limit: 6000, perMinute: true } })).toEqual([{ key: 'k', resource: 'requests', configured: 6000, reported: 6000 }]);
    expect(limits.get('k')).toBeUndefined();
  });

  it('ignores limits that are not per minute (an IETF RateLimit-Policy counts its own window) and unconfigured resources', () => {
    const limits = new ProviderLimits();
    expect(limits.observe([configured], { requests: { limit: 10 } })).toEqual([]);
    expect(limits.observe([{ ...configured, requestsPerMinute: undefined, learnRequests: true }], { requests: { limit: 10, perMinute: true } })).toEqual([]);
    expect(limits.get('k')).toBeUndefined();
  });
});

describe('a configured limit above what the provider reports', () => {
  it("is lowered to the provider's for the next calls, with its burst, and published", async () => {
    const clock = new FakeClock();
    const runtime = configureResilience(container, { clock, store: new MemoryStore() });
    const events: ProviderLimitEvent[] = [];
    runtime.events.onProviderLimit((e) => events.push(e));
    const sent: number[] = [];
    class Chat {
      @RateLimited({ key: 'tier', requestsPerMinute: 6000 }) // the account's tier is 120 RPM
      async ask(): Promise<string> {
        sent.push(clock.now());
        currentCall()!.observeHeaders({ 'x-ratelimit-limit-requests': '120', 'x-ratelimit-remaining-requests': '100' });
        return 'ok';
      }
    }
    const chat = new Chat();
    await chat.ask(); // a new key's first request, whose response reports the tier
    expect(events).toEqual([{ key: 'tier', resource: 'requests', configured: 6000, inForce: 120 }]);
    const pending = Promise.all(Array.from({ length: 6 }, () => chat.ask()));
    for (let i = 0; i < 40; i++) await clock.advance(100);
    await pending;
    // at 120 RPM (2 per second, a burst of 2) the six calls take about 2.5 s; at 6000 RPM they would go at once
    expect(sent.at(-1)! - sent[1]).toBeGreaterThanOrEqual(2000);
    expect(clock.pendingTimers).toBe(0);
  });
});
