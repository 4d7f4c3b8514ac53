import 'reflect-metadata';
import OpenAI from 'openai';
import { Registry } from 'prom-client';
import { container } from 'tsyringe';
import {
  AdaptiveRetry,
  RateLimited,
  TokenBudget,
  TokenBudgetExceededError,
  configureResilience,
  type CooldownEvent,
  type LowCapacityEvent,
  type RetryEvent,
  type SucceededEvent,
} from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';
import { captureLogger } from '../../helpers/capture-logger';
import { samples } from '../../helpers/prometheus';

afterAll(() => configureResilience(container));

const headers = (remaining: number) => ({
  'x-ratelimit-limit-requests': '100',
  'x-ratelimit-remaining-requests': String(remaining),
  'x-ratelimit-limit-tokens': '1000000',
  'x-ratelimit-remaining-tokens': '999000',
});

interface Req { model: string; prompt: string; max_tokens: number }

/** A service whose first three attempts are 429s with `retry-after-ms: 200`. */
function flakyService() {
  let calls = 0;
  class Service {
    @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 100 })
    @RateLimited({ key: (req: Req) => `openai:${req.model}` })
    @TokenBudget({ key: (req: Req) => `openai:${req.model}`, estimate: (req: Req) => req.max_tokens + 10 })
    async complete(_req: Req) {
      calls++;
      if (calls <= 3) throw new OpenAI.RateLimitError(429, { error: { message: 'slow down' } }, 'slow down', new Headers({ ...headers(3 - calls), 'retry-after-ms': '200' }));
      return { data: { usage: { total_tokens: 42 } }, response: { headers: new Headers(headers(0)) } };
    }
  }
  return new Service();
}

async function drive(clock: FakeClock, pending: Promise<unknown>): Promise<void> {
  let done = false;
  void pending.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) await clock.advance(50);
  await pending;
}

describe('events through decorated methods (fake clock)', () => {
  it('carries model, attempt, tokens, status, reason and the server hint into the log lines and metrics of a real call flow', async () => {
    const clock = new FakeClock();
    const { logger, records } = captureLogger();
    const registry = new Registry();
    const events: LowCapacityEvent[] = [];
    configureResilience(container, {
      clock,
      random: () => 0,
      logger,
      metrics: { registry },
      onLowCapacity: (e) => events.push(e),
      policies: { 'openai:gpt-4o-mini': { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 } },
    });
    const service = flakyService();
    await drive(clock, service.complete({ model: 'gpt-4o-mini', prompt: 'classified prompt text', max_tokens: 90 }));
    await expect(service.complete({ model: 'gpt-4o-mini', prompt: 'x', max_tokens: 2_000_000 })).rejects.toBeInstanceOf(TokenBudgetExceededError);

    const lines = records();
    const retries = lines.filter((r) => r.msg === 'llm call failed; retrying');
    expect(retries).toHaveLength(3);
    expect(retries[0]).toMatchObject({ key: 'openai:gpt-4o-mini', model: 'gpt-4o-mini', attempt: 1, status: 429, reason: 'rate-limited', retryAfterMs: 200, estimatedTokens: 100, remainingRequests: 2, remainingTokens: 999_000 });
    expect(retries[0].delayMs).toBeGreaterThanOrEqual(200);
    const cooldowns = lines.filter((r) => r.msg === 'provider rate limit: key paused');
    expect(cooldowns[0]).toMatchObject({ key: 'openai:gpt-4o-mini', model: 'gpt-4o-mini', attempt: 1, status: 429, waitMs: 200, source: 'retry-after-ms' });
    expect(lines.find((r) => r.msg === 'llm call rejected by limiter')).toMatchObject({ key: 'openai:gpt-4o-mini', model: 'gpt-4o-mini', estimatedTokens: 2_000_010, reason: 'larger than tokensPerMinute' });
    expect(lines.find((r) => r.msg === 'llm call succeeded')).toMatchObject({ attempt: 4, estimatedTokens: 100, actualTokens: 42, remainingRequests: 0 });
    expect(JSON.stringify(lines)).not.toContain('classified prompt text');
    expect(events).toEqual([{ key: 'openai:gpt-4o-mini', resource: 'requests', remaining: 0, limit: 100, ratio: 0 }]);

    const s = samples(await registry.metrics());
    expect(s.get('llm_rate_limited_total{key="openai:gpt-4o-mini"}')).toBe(3);
    expect(s.get('llm_retries_total{key="openai:gpt-4o-mini",reason="rate-limited"}')).toBe(3);
    expect(s.get('llm_calls_total{key="openai:gpt-4o-mini",outcome="success"}')).toBe(1);
    expect(s.get('llm_calls_total{key="openai:gpt-4o-mini",outcome="rejected"}')).toBe(1);
    expect(s.get('llm_tokens_total{key="openai:gpt-4o-mini",kind="actual"}')).toBe(42);
    expect(s.get('llm_inflight{key="openai:gpt-4o-mini"}')).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('users subscribe their own sink (e.g. OpenTelemetry): typed events, each subscription disposable', async () => {
    const clock = new FakeClock();
    const runtime = configureResilience(container, {
      clock,
      random: () => 0,
      policies: { 'openai:gpt-4o-mini': { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 } },
    });
    const retries: RetryEvent[] = [];
    const cooldowns: CooldownEvent[] = [];
    const successes: SucceededEvent[] = [];
    const subscriptions = [
      runtime.events.onRetry((e) => retries.push(e)),
      runtime.events.onCooldown((e) => cooldowns.push(e)),
      runtime.events.onSucceeded((e) => successes.push(e)),
    ];
    const service = flakyService();
    await drive(clock, service.complete({ model: 'gpt-4o-mini', prompt: 'secret prompt', max_tokens: 90 }));
    expect(retries.map((e) => [e.attempt, e.status, e.reason, e.retryAfterMs])).toEqual([
      [1, 429, 'rate-limited', 200],
      [2, 429, 'rate-limited', 200],
      [3, 429, 'rate-limited', 200],
    ]);
    for (const e of retries) expect(e.delayMs).toBeGreaterThanOrEqual(200);
    expect(cooldowns.map((e) => [e.key, e.waitMs, e.source])).toEqual(Array(3).fill(['openai:gpt-4o-mini', 200, 'retry-after-ms']));
    expect(successes).toEqual([{ key: 'openai:gpt-4o-mini', model: 'gpt-4o-mini', attempt: 4, estimatedTokens: 100, actualTokens: 42 }]);
    expect(JSON.stringify([retries, cooldowns, successes])).not.toContain('secret prompt');
    for (const s of subscriptions) s.dispose();
    await drive(clock, flakyService().complete({ model: 'gpt-4o-mini', prompt: 'again', max_tokens: 90 }));
    expect(retries).toHaveLength(3);
    expect(successes).toHaveLength(1);
  });
});
