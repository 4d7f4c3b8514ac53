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
} from '../../index';
import { startEmulator, type EmulatorHandle } from '../../src/testing';

type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
const QUOTA = { requestsPerMinute: 6000, tokensPerMinute: 400_000 };
const key = (req: ChatRequest) => `openai:${req.model}`;

function request(i: number): ChatRequest {
  return { model: 'gpt-4o-mini', max_tokens: 30, messages: [{ role: 'user', content: `Summarise ticket ${i}: the export is late again.` }] };
}

/** Prints a figure line that the README's reliability table quotes. */
function figure(name: string, values: Record<string, number | string>): void {
  console.log(`figure ${name}: ${Object.entries(values).map(([k, v]) => `${k}=${v}`).join(' ')}`);
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
    const started = performance.now();
    const outcomes = await Promise.allSettled(Array.from({ length: 600 }, (_, i) => service.call(request(i))));
    const seconds = (performance.now() - started) / 1000;
    const c = emulator.counters();
    const failed = outcomes.filter((o) => o.status === 'rejected').length;
    figure('provider-faults', { calls: 600, completed: 600 - failed, failed, sent: c.requests, serverErrors: c.serverErrors, dropped: c.dropped, rateLimited: c.rateLimited, seconds: seconds.toFixed(1) });
    expect(failed).toBe(0);
    expect(c.succeeded).toBe(600);
    expect(c.serverErrors + c.dropped).toBeGreaterThan(10); // the faults really happened
  }, 60_000);
});
