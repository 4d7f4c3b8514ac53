import 'reflect-metadata';
import { container } from 'tsyringe';
import { MemoryStore, RateLimited, configureResilience, currentCall, type ProviderLimitEvent } from '../../../index';
import { ProviderLimits } from '../../../src/runtime/provider-limits';
import { specInForce } from '../../../src/runtime/plan';
import { parseRateLimitHeaders } from '../../../src/providers/rate-limit-headers';
import type { LimitSpec } from '../../../src/limits/store';
import { FakeClock } from '../../../src/testing/fake-clock';

afterAll(() => configureResilience(container));

const configured: LimitSpec = { key: 'k', requestsPerMinute: 6000, requestBurst: 100, tokensPerMinute: 1_000_000, tokenBurst: 16_667, tokensPerDay: undefined, learnRequests: false, learnTokens: false };

describe('ProviderLimits', () => {
  it("keeps the provider's per-minute limits of configured resources and reports when a limit in force changes", () => {
    const limits = new ProviderLimits();
    const generation = limits.generation;
    expect(limits.observe([configured], { requests: { limit: 120, perMinute: true }, tokens: { limit: 2_000_000, perMinute: true } })).toEqual([
      { key: 'k', resource: 'requests', configured: 6000, inForce: 120 },
    ]);
    expect(limits.get('k')).toEqual({ requests: 120, tokens: 2_000_000 });
    expect(limits.generation).toBeGreaterThan(generation);
    // the same report again changes nothing
    const same = limits.generation;
    expect(limits.observe([configured], { requests: { limit: 120, perMinute: true } })).toEqual([]);
    expect(limits.generation).toBe(same);
    // a report without a limit keeps what was reported; a limit at or above the configured one restores it
    expect(limits.observe([configured], { requests: { remaining: 3 } })).toEqual([]);
    expect(limits.observe([configured], { requests: { limit: 6000, perMinute: true } })).toEqual([{ key: 'k', resource: 'requests', configured: 6000, inForce: 6000 }]);
    expect(limits.get('k')).toEqual({ requests: 6000, tokens: 2_000_000 });
  });

  it('ignores limits that are not per minute (an IETF RateLimit-Policy counts its own window), zero, and unconfigured resources', () => {
    const limits = new ProviderLimits();
    expect(limits.observe([configured], { requests: { limit: 10 } })).toEqual([]);
    expect(limits.observe([configured], { requests: { limit: 0, perMinute: true } })).toEqual([]);
    expect(limits.observe([{ ...configured, requestsPerMinute: undefined, learnRequests: true }], { requests: { limit: 10, perMinute: true } })).toEqual([]);
    expect(limits.get('k')).toBeUndefined();
  });

  it("never lowers a token limit to Anthropic's tokens-limit (its most restrictive token limit, often the output one)", () => {
    const limits = new ProviderLimits();
    const snapshot = parseRateLimitHeaders(
      { 'anthropic-ratelimit-tokens-limit': '8000', 'anthropic-ratelimit-tokens-remaining': '8000', 'anthropic-ratelimit-requests-limit': '50', 'anthropic-ratelimit-requests-remaining': '49' },
      0,
    );
    expect(limits.observe([{ ...configured, requestsPerMinute: 100, tokensPerMinute: 80_000 }], snapshot!)).toEqual([
      { key: 'k', resource: 'requests', configured: 100, inForce: 50 },
    ]);
    expect(specInForce({ ...configured, tokensPerMinute: 80_000 }, limits).tokensPerMinute).toBe(80_000);
  });

  it("lowers a token limit to Anthropic's input and output limits summed", () => {
    const limits = new ProviderLimits();
    const snapshot = parseRateLimitHeaders(
      {
        'anthropic-ratelimit-requests-remaining': '49',
        'anthropic-ratelimit-input-tokens-limit': '40000',
        'anthropic-ratelimit-input-tokens-remaining': '40000',
        'anthropic-ratelimit-output-tokens-limit': '8000',
        'anthropic-ratelimit-output-tokens-remaining': '8000',
      },
      0,
    );
    expect(limits.observe([{ ...configured, tokensPerMinute: 80_000 }], snapshot!)).toEqual([{ key: 'k', resource: 'tokens', configured: 80_000, inForce: 48_000 }]);
    expect(specInForce({ ...configured, tokensPerMinute: 80_000 }, limits).tokensPerMinute).toBe(48_000);
  });

  it('two policies on one key configured differently each get the lower of their own and the provider\'s, without undoing each other', () => {
    const limits = new ProviderLimits();
    const low = { ...configured, requestsPerMinute: 300, requestBurst: 5 };
    expect(limits.observe([configured], { requests: { limit: 600, perMinute: true } })).toEqual([{ key: 'k', resource: 'requests', configured: 6000, inForce: 600 }]);
    const generation = limits.generation;
    // the lower policy is already under the provider's limit: nothing changes, nothing is undone
    expect(limits.observe([low], { requests: { limit: 600, perMinute: true } })).toEqual([]);
    expect(limits.observe([configured], { requests: { limit: 600, perMinute: true } })).toEqual([]);
    expect(limits.generation).toBe(generation);
    expect(specInForce(low, limits)).toBe(low);
    expect(specInForce(configured, limits)).toMatchObject({ requestsPerMinute: 600, requestBurst: 10, tokensPerMinute: 1_000_000, tokenBurst: 16_667 });
  });

  it('a spec in force is lowered again from its configured spec (a waiting call is re-specced, never compounded)', () => {
    const limits = new ProviderLimits();
    limits.observe([configured], { requests: { limit: 600, perMinute: true } });
    const first = specInForce(configured, limits);
    limits.observe([configured], { requests: { limit: 1200, perMinute: true } });
    expect(specInForce(first, limits)).toMatchObject({ requestsPerMinute: 1200, requestBurst: 20 });
    limits.observe([configured], { requests: { limit: 9000, perMinute: true } });
    expect(specInForce(first, limits)).toBe(configured);
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

describe('calls already waiting when the provider reports a lower limit', () => {
  it("are granted at the provider's limit, not the one they queued with", async () => {
    const clock = new FakeClock();
    const runtime = configureResilience(container, { clock, store: new MemoryStore() });
    const events: ProviderLimitEvent[] = [];
    runtime.events.onProviderLimit((e) => events.push(e));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sent: number[] = [];
    class Chat {
      @RateLimited({ key: 'queued-tier', requestsPerMinute: 600 }) // 10 per second configured; the tier is 60 RPM
      async ask(first: boolean): Promise<string> {
        sent.push(clock.now());
        const call = currentCall()!; // the default call context is read before the method's first await
        if (first) await gate;
        call.observeHeaders({ 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '50' });
        return 'ok';
      }
    }
    const chat = new Chat();
    const first = chat.ask(true);
    const rest = Promise.all(Array.from({ length: 20 }, () => chat.ask(false)));
    await clock.advance(0);
    const queuedAt = sent.length; // the burst went at once; the others wait at the configured rate
    expect(queuedAt).toBeLessThan(21);
    release();
    await first;
    const releasedAt = clock.now();
    for (let i = 0; i < 400 && sent.length < 21; i++) await clock.advance(100);
    await rest;
    expect(events).toEqual([{ key: 'queued-tier', resource: 'requests', configured: 600, inForce: 60 }]);
    // 60 RPM: about one per second for the calls still queued (at the configured 10 per second they would all be
    // sent within about 2 s)
    expect(sent.at(-1)! - releasedAt).toBeGreaterThanOrEqual((21 - queuedAt - 2) * 1000);
    expect(clock.pendingTimers).toBe(0);
  });
});
