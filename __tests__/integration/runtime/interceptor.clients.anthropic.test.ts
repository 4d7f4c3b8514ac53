/**
 * @anthropic-ai/sdk (`maxRetries: 0`) in decorated methods against the emulator's Messages endpoint over HTTP,
 * without streams (those are in `streams/stainless-stream.test.ts` and `streams/event-stream.test.ts`): a 429
 * retried after `retry-after`, a 529 overloaded retried, usage settled (`input_tokens + output_tokens`), the estimate
 * (`system`, `messages`, `max_tokens`) close to what the provider charges up front, and the limits learned from
 * the `anthropic-ratelimit-*` headers through `observingFetch`.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { AdaptiveRetry, RateLimited, TokenBudget, currentCall, estimateChatTokens, observingFetch } from '../../../index';
import { configureRecorded, emulators, longest, recordingFetch, retryGaps, viewOf } from './clients-support';

const start = emulators();
const KEY = 'anthropic:claude';
const params: MessageCreateParamsNonStreaming = {
  model: 'claude-emulator-1',
  max_tokens: 12,
  system: 'You answer in one short sentence.',
  messages: [{ role: 'user', content: 'What is the capital of France?' }],
};

function service(client: Anthropic, limits: { requestsPerMinute?: number; tokensPerMinute?: number } = {}) {
  class Claude {
    @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 20, maxDelayMs: 10_000 })
    @RateLimited({ key: KEY, requestsPerMinute: limits.requestsPerMinute })
    @TokenBudget({ key: KEY, tokensPerMinute: limits.tokensPerMinute, estimate: (req: MessageCreateParamsNonStreaming) => estimateChatTokens(req) })
    async ask(req: MessageCreateParamsNonStreaming) {
      return client.messages.create(req, { signal: currentCall()?.signal });
    }
  }
  return new Claude();
}

const LIMITS = { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 };

describe('@anthropic-ai/sdk messages.create (no streams) in decorated methods', () => {
  it('a 429 is retried after the server wait (retry-after, whole seconds)', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const recorded = configureRecorded();
    const { fetch, exchanges } = recordingFetch();
    const claude = service(new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0, fetch }), LIMITS);
    for (let i = 0; i < 2; i++) await claude.ask(params);
    const gaps = retryGaps(exchanges);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].hintMs).toBeGreaterThanOrEqual(1000);
    expect(gaps[0].gapMs).toBeGreaterThanOrEqual(gaps[0].hintMs!);
    expect(recorded.rateLimited).toEqual([expect.objectContaining({ status: 429, key: KEY })]);
    expect(emulator.counters()).toMatchObject({ requests: 3, rateLimited: 1, succeeded: 2 });
  });

  it('a 529 overloaded is retried', async () => {
    const emulator = await start({ random: longest, faults: { overloaded: 1 } });
    const recorded = configureRecorded();
    recorded.runtime.events.onRetry(() => emulator.setFaults(undefined));
    const message = await service(new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 }), LIMITS).ask(params);
    expect(message.usage.output_tokens).toBe(12);
    expect(recorded.retries).toEqual([expect.objectContaining({ status: 529 })]);
    expect(emulator.counters()).toMatchObject({ requests: 2, serverErrors: 1, succeeded: 1 });
  });

  it('usage is settled; the estimate (system, messages, max_tokens) is what the provider charges up front', async () => {
    // the emulator counts prompt tokens with the library's counter (characters / 4 for Claude), as the estimate does
    const emulator = await start({ random: longest, countTokens: undefined });
    const recorded = configureRecorded();
    const message = await service(new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 }), LIMITS).ask(params);
    const counters = emulator.counters();
    const total = message.usage.input_tokens + message.usage.output_tokens;
    expect(total).toBe(counters.promptTokens + counters.completionTokens);
    expect(recorded.succeeded).toEqual([expect.objectContaining({ actualTokens: total })]);
    expect(viewOf(recorded.store, KEY)?.dayUsed).toBe(total);
    const charged = emulator.admissions()[0].tokens; // input + max_tokens
    expect(Math.abs(recorded.succeeded[0].estimatedTokens! - charged)).toBeLessThanOrEqual(4);
  });

  it('no limits configured: learned from the anthropic-ratelimit-* headers through observingFetch', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 50, tokensPerMinute: 40_000 });
    const recorded = configureRecorded();
    await service(new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0, fetch: observingFetch() })).ask(params);
    // the emulator's one budget, as Anthropic's input-tokens (it sends no output-tokens): input + output summed
    expect(viewOf(recorded.store, KEY)).toMatchObject({ requestsPerMinute: 50, tokensPerMinute: 40_000 });
  });
});
