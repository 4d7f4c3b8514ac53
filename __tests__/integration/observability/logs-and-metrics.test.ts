import 'reflect-metadata';
import OpenAI from 'openai';
import pino from 'pino';
import { Registry } from 'prom-client';
import { container } from 'tsyringe';
import {
  AdaptiveRetry,
  RateLimited,
  RetryExhaustedError,
  TokenBudget,
  TokenBudgetExceededError,
  configureResilience,
  currentCall,
  estimateChatTokens,
  observingFetch,
  type LowCapacityEvent,
} from '../../../index';
import { startEmulator, type EmulatorHandle } from '../../../src/testing';
import { samples } from '../../helpers/prometheus';

type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
type LogRecord = Record<string, unknown> & { level: number; msg: string };

const API_KEY = 'sk-secret-123';
const PROMPT = 'PROMPT-SECRET-TEXT: the launch code is 0000';
const MODEL = 'gpt-4o-mini';
const KEY = `openai:${MODEL}`;
/** The provider's quota (refills 10 requests a second). */
const QUOTA = { requestsPerMinute: 600, tokensPerMinute: 2_000_000 };
/** What another service on the same quota leaves for ours: under 10% of the minute quota. */
const LEFT = 15;
/** Decorated calls sent at once after that: more than what is left, so the provider answers some with 429. */
const BURST = 30;

/**
 * Takes the shared quota directly, as another service of the same organisation would: down to `LEFT`
 * remaining, and keeps it there until `until` (epoch ms).
 */
async function otherConsumer(url: string, until: number): Promise<number> {
  const body = JSON.stringify({ model: MODEL, max_completion_tokens: 5, messages: [{ role: 'user', content: 'other' }] });
  const send = async (): Promise<number> => {
    const response = await fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    return Number(response.headers.get('x-ratelimit-remaining-requests'));
  };
  let remaining = await send();
  while (remaining > LEFT || Date.now() < until) {
    if (remaining <= LEFT) await new Promise((resolve) => setTimeout(resolve, 100)); // one request refills
    const results = await Promise.all(Array.from({ length: Math.max(1, Math.min(100, remaining - LEFT)) }, send));
    remaining = Math.min(...results);
  }
  return remaining;
}

function request(i: number, maxTokens = 20): ChatRequest {
  return { model: MODEL, max_completion_tokens: maxTokens, messages: [{ role: 'user', content: `${PROMPT} #${i}` }] };
}


describe('observability against the emulator (real openai SDK, all three decorators, a quota that runs low)', () => {
  let emulator: EmulatorHandle;
  beforeEach(async () => {
    emulator = await startEmulator({ models: { [MODEL]: QUOTA }, sliceMs: 0, latencyMs: [1, 4] });
  });
  afterEach(async () => {
    await emulator.close();
    configureResilience(container);
  });

  it('logs every decision with its context and no secret or content, exposes every series, counts the 429s the emulator sent, and raises the low-capacity alert', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const registry = new Registry();
    const alerts: LowCapacityEvent[] = [];
    configureResilience(container, {
      logger,
      metrics: { registry },
      onLowCapacity: (event) => alerts.push(event),
      // The provider's quota, with a burst allowance: the first burst does not know that another service has
      // taken most of the minute, so the provider answers part of it with 429s; the rest is paced by the headers.
      policies: { [KEY]: { ...QUOTA, requestBurst: BURST } },
    });
    const client = new OpenAI({ apiKey: API_KEY, baseURL: emulator.url, maxRetries: 0, fetch: observingFetch() });
    class Chat {
      // The 429s below are deliberate: no retry budget, so every call of the burst gets through.
      @AdaptiveRetry({ maxRetries: 8, baseDelayMs: 50, maxDelayMs: 5000, retryBudget: false })
      @RateLimited({ key: (req: ChatRequest) => `openai:${req.model}` })
      @TokenBudget({ key: (req: ChatRequest) => `openai:${req.model}`, estimate: (req: ChatRequest) => estimateChatTokens(req) })
      async complete(req: ChatRequest) {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }

      @AdaptiveRetry({ maxRetries: 1, baseDelayMs: 20 })
      @RateLimited({ key: (req: ChatRequest) => `openai:${req.model}` })
      @TokenBudget({ key: (req: ChatRequest) => `openai:${req.model}`, estimate: (req: ChatRequest) => estimateChatTokens(req) })
      async completeOnce(req: ChatRequest) {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }
    }
    const chat = new Chat();

    // 0. one success, so the provider's figures are known from here on
    const keyCreated = Date.now();
    const warmUp = await chat.complete(request(0));
    // 1. exhaustion: every attempt answered 500
    emulator.setFaults({ serverError: 1 });
    const exhausted = await chat.completeOnce(request(-1)).catch((e: unknown) => e);
    expect(exhausted).toBeInstanceOf(RetryExhaustedError);
    emulator.setFaults(undefined);
    // 2. failure: a non-retryable 429 (insufficient_quota)
    emulator.setInsufficientQuota(true);
    const failed = await chat.complete(request(-2)).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.RateLimitError);
    emulator.setInsufficientQuota(false);
    // 3. rejection: a call that can never fit the token budget
    const rejected = await chat.complete(request(-3, 2_000_000)).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(TokenBudgetExceededError);
    // 4. another service takes most of the shared minute quota. Meanwhile the local bucket of the key (a new
    // key starts nearly empty) fills up to the burst allowance, so the whole burst below goes out at once
    // whatever the speed of the machine.
    const fullAt = keyCreated + (BURST / QUOTA.requestsPerMinute) * 60_000 + 200;
    expect(await otherConsumer(emulator.url, fullAt)).toBeLessThanOrEqual(LEFT);
    // 5. a burst past what is left: waits, 429s, cooldowns, retries, successes; capacity stays low
    const burst = await Promise.all(Array.from({ length: BURST }, (_, i) => chat.complete(request(i + 1))));
    const completions = [warmUp, ...burst];

    const counters = emulator.counters();
    const records = lines.map((line) => JSON.parse(line) as LogRecord);
    const text = lines.join('');

    // --- no secrets, no content
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain('PROMPT-SECRET');
    expect(text).not.toContain('launch code');
    expect(text).not.toMatch(/Bearer|"messages"|"content"|"choices"/);
    for (const completion of completions) {
      const content = completion.choices[0].message.content!;
      if (content.length >= 12) expect(text).not.toContain(content);
    }

    // --- one line per decision, with the context
    const byMsg = (msg: string) => records.filter((r) => r.msg === msg);
    const remaining = { remainingRequests: expect.any(Number), remainingTokens: expect.any(Number) };
    const retries = byMsg('llm call failed; retrying');
    expect(retries.length).toBeGreaterThan(0);
    const retry429 = retries.find((r) => r.status === 429)!;
    expect(retry429).toMatchObject({
      level: 40,
      key: KEY,
      model: MODEL,
      attempt: expect.any(Number),
      delayMs: expect.any(Number),
      status: 429,
      reason: 'rate-limited',
      retryAfterMs: expect.any(Number),
      estimatedTokens: expect.any(Number),
      ...remaining,
    });
    expect(retry429.delayMs as number).toBeGreaterThanOrEqual(retry429.retryAfterMs as number);
    expect(byMsg('provider rate limit: key paused')[0]).toMatchObject({
      key: KEY,
      model: MODEL,
      attempt: expect.any(Number),
      status: 429,
      reason: 'rate-limited',
      waitMs: expect.any(Number),
      retryAfterMs: expect.any(Number),
      estimatedTokens: expect.any(Number),
      ...remaining,
    });
    const waits = byMsg('waited for capacity');
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.find((r) => r.remainingRequests !== undefined)).toMatchObject({
      level: 30,
      key: KEY,
      model: MODEL,
      attempt: expect.any(Number),
      waitMs: expect.any(Number),
      estimatedTokens: expect.any(Number),
      ...remaining,
    });
    expect(byMsg('llm call rejected by limiter')).toEqual([
      expect.objectContaining({ key: KEY, model: MODEL, attempt: 1, estimatedTokens: expect.any(Number), reason: 'larger than tokensPerMinute' }),
    ]);
    const failures = byMsg('llm call failed');
    expect(failures).toEqual([
      expect.objectContaining({ key: KEY, model: MODEL, attempt: 2, status: 500, reason: 'server-error', stop: 'max-retries', estimatedTokens: expect.any(Number) }),
      expect.objectContaining({ key: KEY, model: MODEL, attempt: 1, status: 429, reason: 'quota-exhausted', stop: 'not-retryable' }),
    ]);
    const successes = byMsg('llm call succeeded');
    expect(successes).toHaveLength(BURST + 1);
    expect(successes.every((r) => r.level === 20 && typeof r.actualTokens === 'number' && typeof r.estimatedTokens === 'number')).toBe(true);

    // --- the alert
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    expect(alerts[0]).toMatchObject({ key: KEY, resource: 'requests', limit: QUOTA.requestsPerMinute });
    expect(alerts[0].ratio).toBeLessThan(0.1);
    expect(alerts[0].ratio).toBeCloseTo(alerts[0].remaining / alerts[0].limit, 10);
    expect(byMsg('provider capacity low: shrink prompts, slow down or ask for more quota')[0]).toMatchObject({
      level: 40,
      key: KEY,
      resource: 'requests',
      ratio: alerts[0].ratio,
    });

    // --- the metrics
    const exposition = await registry.metrics();
    const s = samples(exposition);
    const series = [
      'llm_calls_total',
      'llm_retries_total',
      'llm_rate_limited_total',
      'llm_limiter_wait_seconds_bucket',
      'llm_limiter_wait_seconds_sum',
      'llm_limiter_wait_seconds_count',
      'llm_tokens_total',
      'llm_ratelimit_remaining',
      'llm_ratelimit_remaining_ratio',
      'llm_inflight',
    ];
    for (const name of series) expect([...s.keys()].some((k) => k.startsWith(`${name}{`) && k.includes(`key="${KEY}"`))).toBe(true);
    for (const name of s.keys()) expect(name).toContain(`key="${KEY}"`);
    const get = (name: string) => s.get(name.replace('$KEY', KEY));
    expect(counters.rateLimited).toBeGreaterThan(1);
    expect(get('llm_rate_limited_total{key="$KEY"}')).toBe(counters.rateLimited);
    expect(get('llm_calls_total{key="$KEY",outcome="success"}')).toBe(BURST + 1);
    expect(get('llm_calls_total{key="$KEY",outcome="failure"}')).toBe(2);
    expect(get('llm_calls_total{key="$KEY",outcome="rejected"}')).toBe(1);
    expect(get('llm_retries_total{key="$KEY",reason="rate-limited"}')).toBe(retries.filter((r) => r.reason === 'rate-limited').length);
    expect(get('llm_retries_total{key="$KEY",reason="server-error"}')).toBe(1);
    expect(get('llm_limiter_wait_seconds_count{key="$KEY"}')).toBe(waits.length);
    expect(get('llm_tokens_total{key="$KEY",kind="actual"}')).toBe(completions.reduce((sum, c) => sum + c.usage!.total_tokens, 0));
    expect(get('llm_tokens_total{key="$KEY",kind="estimated"}')).toBeGreaterThan(0);
    expect(get('llm_ratelimit_remaining{key="$KEY",resource="requests"}')).toBeLessThan(QUOTA.requestsPerMinute * 0.1);
    expect(get('llm_ratelimit_remaining{key="$KEY",resource="tokens"}')).toBeGreaterThan(0);
    expect(get('llm_ratelimit_remaining_ratio{key="$KEY",resource="requests"}')).toBeLessThan(0.1);
    expect(get('llm_ratelimit_remaining_ratio{key="$KEY",resource="tokens"}')).toBeGreaterThan(0.5); // tokens were plenty
    expect(get('llm_inflight{key="$KEY"}')).toBe(0);
  }, 20_000);
});
