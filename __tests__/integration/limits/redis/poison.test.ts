import 'reflect-metadata';
import Redis from 'ioredis';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimited, TokenBudget, configureResilience, currentCall, observingFetch } from '../../../../index';
import { RetryExhaustedError, TokenBudgetExceededError } from '../../../../src/errors';
import { RedisStore } from '../../../../src/limits/redis/redis-store';
import { MIN_TTL_MS } from '../../../../src/limits/redis/scripts';
import { describeRedis, startRedis, type RedisServerHandle } from '../../../helpers/redis-server';
import { okBody, startScriptedServer } from '../../../helpers/scripted-server';

// Poisoned figures from a provider, through the real openai SDK and a real Redis: no hint, usage or estimate may
// pause a key for longer than the cooldown cap plus its refill time, and no Redis key may outlive that.

/** The rate-limit headers of a provider with 1,000 RPM and 100,000 TPM, idle. */
const LIMITS = {
  'x-ratelimit-limit-requests': '1000',
  'x-ratelimit-remaining-requests': '999',
  'x-ratelimit-limit-tokens': '100000',
  'x-ratelimit-remaining-tokens': '99000',
  'x-ratelimit-reset-requests': '60ms',
  'x-ratelimit-reset-tokens': '600ms',
};

const YEAR_S = 31_536_000;

describeRedis('poisoned hints and figures against a Redis-backed key', 'any', () => {
  let server: RedisServerHandle;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url, { lazyConnect: true });
    await client.connect();
  });

  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it('a retry-after of a year pauses the key for maxCooldownMs only; a learned limit refuses an impossible estimate; a usage of 1e12 is bounded; no key outlives the cap plus its refill', async () => {
    const provider = await startScriptedServer([
      { status: 429, headers: { 'retry-after': String(YEAR_S), ...LIMITS }, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } },
      { status: 200, headers: LIMITS, body: okBody('served', 30) },
      { status: 200, headers: LIMITS, body: okBody('absurd usage', 1e12) },
    ]);
    const prefix = `poison${process.pid}-${Date.now()}`;
    const store = new RedisStore({ client, prefix, logger: { warn: () => undefined, info: () => undefined } });
    try {
      configureResilience(container, { store });
      const openai = new OpenAI({ apiKey: 'test', baseURL: provider.url, maxRetries: 0, fetch: observingFetch() });
      const capMs = 1000;
      class Chat {
        // nothing configured: both limits are learned from the headers
        @AdaptiveRetry({ maxRetries: 3, maxDelayMs: 2000 })
        @RateLimited({ key: 'poisoned', maxCooldownMs: capMs })
        @TokenBudget({ key: 'poisoned', estimate: (tokens: number) => tokens })
        async ask(_tokens: number): Promise<string | null> {
          const completion = await openai.chat.completions.create(
            { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 10 },
            { signal: currentCall()?.signal },
          );
          return completion.choices[0].message.content;
        }
      }
      const chat = new Chat();

      // 1. a 429 asking for a year: the call gives up at once (past maxDelayMs); the key pauses for the cap only
      const hinted = performance.now();
      await expect(chat.ask(20)).rejects.toBeInstanceOf(RetryExhaustedError);
      expect(performance.now() - hinted).toBeLessThan(capMs);
      const cooldownTtl = await client.pttl(store.redisKey('poisoned'));
      expect(cooldownTtl).toBeLessThanOrEqual(Math.max(MIN_TTL_MS, capMs) + 1000);
      const next = performance.now();
      expect(await chat.ask(20)).toBe('served'); // served again after the cap
      const waited = performance.now() - next;
      expect(waited).toBeGreaterThanOrEqual(capMs - (next - hinted) - 50);
      expect(waited).toBeLessThan(capMs + 5000);
      expect((await store.view({ ...specOf('poisoned') }, Date.now()))?.tokensPerMinute).toBe(100_000); // learned

      // 2. an estimate above the learned 100k TPM can never be served: refused at once, the key not blocked
      const refused = performance.now();
      await expect(chat.ask(1e9)).rejects.toBeInstanceOf(TokenBudgetExceededError);
      expect(performance.now() - refused).toBeLessThan(1000);
      expect(provider.arrivals).toHaveLength(2); // never sent

      // 3. a usage of 1e12 tokens: bounded to one minute of the learned limit
      expect(await chat.ask(20)).toBe('absurd usage');
      const view = (await store.view(specOf('poisoned'), Date.now()))!;
      expect(view.tokens).toBeGreaterThanOrEqual(-100_000);
      expect(view.dayUsed).toBeLessThan(200_000);

      // no Redis key of the prefix lives beyond the cap plus the refill time (a minute of debt and the burst: 61 s)
      const refillMs = ((100_000 + 100_000 / 60) / 100_000) * 60_000;
      for (const key of await client.keys(`${prefix}:*`)) {
        const ttl = await client.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(Math.max(MIN_TTL_MS, capMs + refillMs) + 1000);
      }
    } finally {
      await store.close();
      await provider.close();
    }
  }, 30_000);
});

/** The spec the key plan builds for `poisoned` (nothing configured: both limits learned). */
function specOf(key: string) {
  return {
    key,
    requestsPerMinute: undefined,
    requestBurst: 1,
    tokensPerMinute: undefined,
    tokenBurst: 0,
    tokensPerDay: undefined,
    learnRequests: true,
    learnTokens: true,
  };
}
