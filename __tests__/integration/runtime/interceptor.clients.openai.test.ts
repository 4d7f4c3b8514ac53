/**
 * The openai SDK (v6, `maxRetries: 0`) in decorated methods against the emulator over HTTP, without streams (the
 * streams are in `streams/stainless-stream.test.ts` and `streams/event-stream.test.ts`): chat completions and the
 * Responses API — a 429 retried after the server's wait, usage settled, the estimate close to what the provider
 * charges up front, and the limits learned from the headers through `observingFetch`.
 */
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import { AdaptiveRetry, RateLimited, TokenBudget, currentCall, estimateChatTokens, observingFetch } from '../../../index';
import { configureRecorded, emulators, longest, recordingFetch, retryGaps, viewOf } from './clients-support';

const start = emulators();
const chatRequest: ChatCompletionCreateParamsNonStreaming = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You answer in one short sentence.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
  max_completion_tokens: 12,
};
const responsesRequest: ResponseCreateParamsNonStreaming = { model: 'gpt-4o-mini', instructions: 'You answer in one short sentence.', input: 'What is the capital of France?', max_output_tokens: 12 };

/** A service as a user writes it, with the limits given or (undefined) learned from the headers. */
function service(client: OpenAI, limits: { requestsPerMinute?: number; tokensPerMinute?: number } = {}) {
  class Chat {
    @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 20, maxDelayMs: 10_000 })
    @RateLimited({ key: 'openai:gpt-4o-mini', requestsPerMinute: limits.requestsPerMinute })
    @TokenBudget({ key: 'openai:gpt-4o-mini', tokensPerMinute: limits.tokensPerMinute, estimate: (req: ChatCompletionCreateParamsNonStreaming) => estimateChatTokens(req) })
    async chat(req: ChatCompletionCreateParamsNonStreaming) {
      return client.chat.completions.create(req, { signal: currentCall()?.signal });
    }

    @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 20, maxDelayMs: 10_000 })
    @RateLimited({ key: 'openai:gpt-4o-mini', requestsPerMinute: limits.requestsPerMinute })
    @TokenBudget({ key: 'openai:gpt-4o-mini', tokensPerMinute: limits.tokensPerMinute, estimate: (req: ResponseCreateParamsNonStreaming) => estimateChatTokens(req) })
    async respond(req: ResponseCreateParamsNonStreaming) {
      return client.responses.create(req, { signal: currentCall()?.signal });
    }
  }
  return new Chat();
}

describe('openai SDK (no streams) in decorated methods', () => {
  it.each(['chat', 'respond'] as const)('%s: a 429 is retried after the server wait (retry-after-ms)', async (method) => {
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const recorded = configureRecorded();
    const { fetch, exchanges } = recordingFetch();
    // the limits are set far above the emulator's, so its 429 decides
    const chat = service(new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0, fetch }), { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 });
    for (let i = 0; i < 2; i++) await (method === 'chat' ? chat.chat(chatRequest) : chat.respond(responsesRequest));
    const gaps = retryGaps(exchanges);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].hintMs).toBeGreaterThan(500);
    expect(gaps[0].gapMs).toBeGreaterThanOrEqual(gaps[0].hintMs!);
    expect(recorded.rateLimited).toEqual([expect.objectContaining({ status: 429, key: 'openai:gpt-4o-mini' })]);
    expect(emulator.counters()).toMatchObject({ requests: 3, rateLimited: 1, succeeded: 2 });
  });

  it.each(['chat', 'respond'] as const)('%s: usage is settled; the estimate is what the provider charges up front', async (method) => {
    // the emulator counts prompt tokens with the library's tokenizer, as the estimate does
    const emulator = await start({ random: longest, countTokens: undefined });
    const recorded = configureRecorded();
    const chat = service(new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 }), { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 });
    const result = method === 'chat' ? await chat.chat(chatRequest) : await chat.respond(responsesRequest);
    const counters = emulator.counters();
    expect(result.usage?.total_tokens).toBe(counters.promptTokens + counters.completionTokens);
    expect(recorded.succeeded).toHaveLength(1);
    const [succeeded] = recorded.succeeded;
    expect(succeeded.actualTokens).toBe(result.usage?.total_tokens);
    expect(viewOf(recorded.store, 'openai:gpt-4o-mini')?.dayUsed).toBe(result.usage?.total_tokens);
    const charged = emulator.admissions()[0].tokens; // prompt + the 12-token cap
    expect(Math.abs(succeeded.estimatedTokens! - charged)).toBeLessThanOrEqual(4);
  });

  it('no limits configured: the limits are learned from the success headers through observingFetch', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 500, tokensPerMinute: 90_000 });
    const recorded = configureRecorded();
    const chat = service(new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0, fetch: observingFetch() }));
    await chat.chat(chatRequest);
    expect(viewOf(recorded.store, 'openai:gpt-4o-mini')).toMatchObject({ requestsPerMinute: 500, tokensPerMinute: 90_000 });
  });
});
