import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import {
  AdaptiveRetry,
  RateLimited,
  RateLimitExceededError,
  TokenBudget,
  TokenBudgetExceededError,
  configureResilience,
  currentCall,
  estimateChatTokens,
  observingFetch,
} from '../../../index';
import { startEmulator, type EmulatorHandle } from '../../../src/testing';

type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

const QUOTA = { requestsPerMinute: 6000, tokensPerMinute: 240_000 };
const CALLS = 600;

function tickets(n: number): ChatRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    model: 'gpt-4o-mini',
    max_completion_tokens: 50,
    messages: [
      { role: 'system', content: 'Summarise the support ticket in one sentence.' },
      { role: 'user', content: `Ticket #${i}: my invoice ${i * 7} shows a duplicate charge for order ${i * 13}; please refund it.` },
    ],
  }));
}

/** What a run produced, measured from the emulator's own counters. */
async function runBatch(emulator: EmulatorHandle, call: (req: ChatRequest) => Promise<unknown>) {
  const started = performance.now();
  const outcomes = await Promise.allSettled(tickets(CALLS).map((req) => call(req)));
  const wallSeconds = (performance.now() - started) / 1000;
  const counters = emulator.counters();
  const charged = counters.promptTokens + counters.completionTokens;
  const idealSeconds = Math.max(counters.succeeded / QUOTA.requestsPerMinute, charged / QUOTA.tokensPerMinute) * 60;
  const failed = outcomes.filter((o) => o.status === 'rejected');
  return { completed: outcomes.length - failed.length, failed, counters, wallSeconds, idealSeconds, ratio: wallSeconds / idealSeconds };
}

let client: OpenAI;

/** The service under test: all three decorators; limits come from the configuration of each test. */
class Summarizer {
  @AdaptiveRetry({ maxRetries: 5, baseDelayMs: 100 })
  @RateLimited({ key: (req: ChatRequest) => `openai:${req.model}` })
  @TokenBudget({ key: (req: ChatRequest) => `openai:${req.model}`, estimate: (req: ChatRequest) => estimateChatTokens(req) })
  async summarize(req: ChatRequest) {
    return client.chat.completions.create(req, { signal: currentCall()?.signal });
  }
}

describe('flow control through the real openai SDK against the emulator (600 calls, quota-bound)', () => {
  let emulator: EmulatorHandle;
  beforeEach(async () => {
    emulator = await startEmulator({ ...QUOTA, sliceMs: 1000, latencyMs: [20, 40] });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: emulator.url, maxRetries: 0 });
  });
  afterEach(() => emulator.close());

  // 429s at the quota's edge and wall / ideal move with machine load: `npm run bench -- --only goodput` prints them
  // (rows "llm-resilience (named policy)" and "llm-resilience (learned from headers)", the same batch and quota).
  it('configured limits (named policy): 600/600 complete, nothing lost', async () => {
    configureResilience(container, { policies: { 'openai:gpt-4o-mini': QUOTA } });
    const service = new Summarizer();
    const result = await runBatch(emulator, (req) => service.summarize(req));
    expect(result.failed).toEqual([]);
    expect(result.completed).toBe(CALLS);
    expect(result.counters.succeeded).toBe(CALLS);
  }, 60_000);

  it('no limits configured (learned from headers): 600/600 complete, nothing lost', async () => {
    configureResilience(container);
    // observingFetch shows success headers to the runtime: that is where the limits are learned from
    client = new OpenAI({ apiKey: 'sk-test', baseURL: emulator.url, maxRetries: 0, fetch: observingFetch() });
    const service = new Summarizer();
    const result = await runBatch(emulator, (req) => service.summarize(req));
    expect(result.failed).toEqual([]);
    expect(result.counters.succeeded).toBe(CALLS);
  }, 60_000);

  it('rejects an oversized request at once with TokenBudgetExceededError, without sending it', async () => {
    configureResilience(container, { policies: { 'openai:gpt-4o-mini': { requestsPerMinute: 600, tokensPerMinute: 1000 } } });
    class Summarizer {
      @RateLimited('openai:gpt-4o-mini')
      @TokenBudget({ key: 'openai:gpt-4o-mini', estimate: (req: ChatRequest) => estimateChatTokens(req) })
      async summarize(req: ChatRequest) {
        return client.chat.completions.create(req);
      }
    }
    const started = performance.now();
    const error = await new Summarizer().summarize({ ...tickets(1)[0], max_completion_tokens: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenBudgetExceededError);
    expect((error as TokenBudgetExceededError).capacity).toBe(1000);
    expect((error as TokenBudgetExceededError).requested).toBeGreaterThan(5000);
    // at once: ≈ 0.1 ms once the tokenizer is loaded, ≈ 150 ms when this test runs alone and loads it; a queued
    // call would wait for capacity that never comes
    expect(performance.now() - started).toBeLessThan(1000);
    expect(emulator.counters().requests).toBe(0);
  });

  it("onLimit 'reject' refuses what does not fit now, with retryAfterMs; maxQueue bounds the queue", async () => {
    configureResilience(container);
    class Service {
      @RateLimited({ key: 'strict', requestsPerMinute: 60, onLimit: 'reject' })
      async strict(req: ChatRequest) {
        return client.chat.completions.create(req);
      }
      @RateLimited({ key: 'short-queue', requestsPerMinute: 600, maxQueue: 5 })
      async queued(req: ChatRequest) {
        return client.chat.completions.create(req);
      }
    }
    const service = new Service();
    const [req] = tickets(1);
    const strict = await Promise.allSettled([service.strict(req), service.strict(req), service.strict(req)]);
    expect(strict.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = strict.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as RateLimitExceededError);
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expect(r).toBeInstanceOf(RateLimitExceededError);
      expect(r.retryAfterMs).toBeGreaterThan(500); // ≈ 1,000 ms (60/min) less the real time since the first call's take
      expect(r.retryAfterMs).toBeLessThanOrEqual(1000);
    }
    // 10/s, a new key starts with one request: 1 passes, 5 queue, the other 14 are refused at once
    const queued = await Promise.allSettled(Array.from({ length: 20 }, () => service.queued(req)));
    expect(queued.filter((o) => o.status === 'fulfilled')).toHaveLength(6);
    const full = queued.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(full).toHaveLength(14);
    expect((full[0].reason as Error).message).toContain('maxQueue 5');
    expect(emulator.counters().rateLimited).toBe(0);
  });
});
