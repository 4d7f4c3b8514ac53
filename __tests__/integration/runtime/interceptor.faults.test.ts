import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import {
  AdaptiveRetry,
  CircuitOpenError,
  RateLimited,
  RetryExhaustedError,
  TokenBudget,
  configureResilience,
  currentCall,
  estimateChatTokens,
  observingFetch,
} from '../../../index';
import { startEmulator, type EmulatorHandle } from '../../../src/testing';

type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
const QUOTA = { requestsPerMinute: 6000, tokensPerMinute: 400_000 };
const key = (req: ChatRequest) => `openai:${req.model}`;

function request(i: number): ChatRequest {
  return { model: 'gpt-4o-mini', max_completion_tokens: 30, messages: [{ role: 'user', content: `Summarise ticket ${i}: the export is late again.` }] };
}

describe('provider faults against the emulator, through the real openai SDK', () => {
  let emulator: EmulatorHandle;
  afterEach(() => emulator.close());

  it('5% 5xx/529 and 1% dropped connections over a 600-call batch: every call completes with maxRetries 5', async () => {
    emulator = await startEmulator({ ...QUOTA, latencyMs: [10, 30], faults: { serverError: 0.025, overloaded: 0.025, drop: 0.01 } });
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: emulator.url, maxRetries: 0, fetch: observingFetch() });
    configureResilience(container, { policies: { 'openai:gpt-4o-mini': QUOTA } });
    class Service {
      @AdaptiveRetry({ maxRetries: 5, baseDelayMs: 50 })
      @RateLimited({ key })
      @TokenBudget({ key, estimate: (req: ChatRequest) => estimateChatTokens(req) })
      async call(req: ChatRequest) {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }
    }
    const service = new Service();
    const outcomes = await Promise.allSettled(Array.from({ length: 600 }, (_, i) => service.call(request(i))));
    const c = emulator.counters();
    const failed = outcomes.filter((o) => o.status === 'rejected').length;
    expect(failed).toBe(0);
    expect(c.succeeded).toBe(600);
    expect(c.serverErrors + c.dropped).toBeGreaterThan(10); // the faults really happened
  }, 60_000);

  // The 30-second outage runs on the fake clock (unit/runtime/interceptor.outage.test.ts) and, with real timings,
  // in `npm run bench -- --only faults`. Here: the same behaviours over real HTTP at a 3-second scale, with a
  // 1-second cool-off, and bounds generous enough for a busy machine.
  it('a 3-second full outage over HTTP: calls fail fast with CircuitOpenError once the breaker opens, and recover after', async () => {
    const COOL_OFF_MS = 1000;
    emulator = await startEmulator({ ...QUOTA, latencyMs: [5, 15] });
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: emulator.url, maxRetries: 0 });
    configureResilience(container, { policies: { 'openai:gpt-4o-mini': QUOTA } });
    class Service {
      @AdaptiveRetry({ maxRetries: 2, baseDelayMs: 100, breaker: { coolOffMs: COOL_OFF_MS } }) // ≥ 10 attempts, 50 % failures
      @RateLimited({ key })
      async call(req: ChatRequest) {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }
    }
    const service = new Service();
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    for (let i = 0; i < 5; i++) await service.call(request(i));

    emulator.setOutage(true);
    const outageStart = performance.now();
    const sentBefore = emulator.counters().requests;
    const results: Array<{ kind: string; ms: number }> = [];
    const pending: Array<Promise<void>> = [];
    while (performance.now() - outageStart < 3000) {
      const t = performance.now();
      pending.push(
        service.call(request(0)).then(
          () => void results.push({ kind: 'ok', ms: performance.now() - t }),
          (e: unknown) => void results.push({ kind: e instanceof CircuitOpenError ? 'fast' : e instanceof RetryExhaustedError ? e.reason : String(e), ms: performance.now() - t }),
        ),
      );
      await sleep(100);
    }
    await Promise.all(pending);
    const sentDuringOutage = emulator.counters().requests - sentBefore;
    emulator.setOutage(false);
    const outageEnd = performance.now();
    let recoveredAfterMs = -1;
    while (performance.now() - outageEnd < 20_000) {
      const ok = await service.call(request(1)).then(() => true, () => false);
      if (ok) {
        recoveredAfterMs = performance.now() - outageEnd;
        break;
      }
      await sleep(50);
    }
    const after = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => service.call(request(i))));
    const fast = results.filter((r) => r.kind === 'fast');
    expect(results.filter((r) => r.kind === 'ok')).toHaveLength(0);
    expect(results.every((r) => ['fast', 'max-retries', 'circuit-open', 'retry-budget'].includes(r.kind))).toBe(true);
    expect(fast.length).toBeGreaterThan(0); // the breaker opened over real HTTP 503s from the SDK
    for (const r of fast) expect(r.ms).toBeLessThan(1000); // fails fast: no request, no backoff (≈ 1 ms)
    expect(sentDuringOutage).toBeLessThan(results.length * 3); // what the provider would get without the breaker
    expect(recoveredAfterMs).toBeGreaterThanOrEqual(0);
    expect(recoveredAfterMs).toBeLessThan(10 * COOL_OFF_MS); // within one cool-off (≈ 1 s), generously bounded
    expect(after.every((o) => o.status === 'fulfilled')).toBe(true);
  }, 60_000);
});
