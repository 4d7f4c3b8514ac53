/**
 * LangChain's `.stream()` (`@langchain/openai` `ChatOpenAI`, an `IterableReadableStream`) returned by decorated
 * methods, against the emulator over HTTP, LangChain's retries off: the caller gets a stream of the same class,
 * whole; a 429 before the first chunk is retried after the server's wait; `usage_metadata` is settled; the caller's
 * abort reaches the stream; a drop after content is a `StreamInterruptedError`, never re-sent.
 */
import type { AIMessageChunk } from '@langchain/core/messages';
import { IterableReadableStream } from '@langchain/core/utils/stream';
import { ChatOpenAI } from '@langchain/openai';
import { AdaptiveRetry, RateLimited, StreamInterruptedError, TokenBudget, currentCall, estimateChatTokens, observingFetch } from '../../../../index';
import type { EmulatorHandle } from '../../../../src/testing/emulator';
import { configureRecorded, emulators, longest, recordingFetch, retryGaps, viewOf, waitFor } from '../clients-support';

const start = emulators();

function chatModel(emulator: EmulatorHandle, options: { useResponsesApi?: boolean; maxTokens?: number; fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response> } = {}): ChatOpenAI {
  return new ChatOpenAI({
    model: 'gpt-4o-mini',
    apiKey: 'test',
    configuration: { baseURL: emulator.url, fetch: options.fetch },
    maxRetries: 0,
    maxTokens: options.maxTokens ?? 6,
    streamUsage: true,
    useResponsesApi: options.useResponsesApi ?? false,
  });
}

/** A chat service as a user writes it: `model.stream()` returned from the decorated method. */
function service(model: ChatOpenAI, retry = {}) {
  class Chat {
    @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 20, maxDelayMs: 10_000, ...retry })
    // 'hello' as one user message + the completion cap: what LangChain sends
    @TokenBudget({ key: 'langchain', tokensPerMinute: 600_000, estimate: (prompt: string) => estimateChatTokens({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], max_tokens: model.maxTokens }) })
    async stream(prompt: string, _options?: { signal?: AbortSignal }) {
      return model.stream(prompt, { signal: currentCall()?.signal });
    }
  }
  return new Chat();
}

/** Reads a LangChain stream: the text, the last usage_metadata, what it threw. */
async function read(stream: AsyncIterable<AIMessageChunk>): Promise<{ text: string; usage: AIMessageChunk['usage_metadata']; thrown: unknown }> {
  let text = '';
  let usage: AIMessageChunk['usage_metadata'];
  try {
    for await (const chunk of stream) {
      text += chunk.text;
      usage = chunk.usage_metadata ?? usage;
    }
  } catch (error) {
    return { text, usage, thrown: error };
  }
  return { text, usage, thrown: undefined };
}

describe.each([
  { name: 'chat completions', useResponsesApi: false },
  { name: 'the Responses API', useResponsesApi: true },
])('LangChain ChatOpenAI.stream() ($name) in a decorated method', ({ useResponsesApi }) => {
  it('the caller gets an IterableReadableStream, whole; usage_metadata is settled', async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    const stream = await service(chatModel(emulator, { useResponsesApi })).stream('hello');
    expect(stream).toBeInstanceOf(IterableReadableStream);
    const { text, usage, thrown } = await read(stream);
    expect(thrown).toBeUndefined();
    expect(text.split(' ')).toHaveLength(6);
    // 'hello' 5 + 3, + 3 = 11 input tokens
    expect(usage).toMatchObject({ input_tokens: 11, output_tokens: 6, total_tokens: 17 });
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ key: 'langchain', outcome: 'completed', actualTokens: 17 })]);
    expect(viewOf(recorded.store, 'langchain')?.dayUsed).toBe(17);
  });

  it('a 429 before the first chunk is retried after the server wait', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const recorded = configureRecorded();
    const { fetch, exchanges } = recordingFetch();
    const chat = service(chatModel(emulator, { useResponsesApi, fetch }));
    for (let i = 0; i < 2; i++) expect((await read(await chat.stream('hello'))).text.split(' ')).toHaveLength(6);
    expect(recorded.rateLimited).toHaveLength(1);
    const gaps = retryGaps(exchanges);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].hintMs).toBeGreaterThan(0);
    expect(gaps[0].gapMs).toBeGreaterThanOrEqual(gaps[0].hintMs!);
    expect(emulator.counters()).toMatchObject({ requests: 3, rateLimited: 1, succeeded: 2, streams: 2 });
  });
});

describe('LangChain ChatOpenAI.stream(): ends', () => {
  it.each([
    { name: 'without attemptTimeoutMs', retry: {} },
    { name: 'with attemptTimeoutMs', retry: { attemptTimeoutMs: 60_000 } },
  ])("the caller's abort 150 ms into an open stream stops it within milliseconds ($name)", async ({ retry }) => {
    const emulator = await start({ random: longest, streaming: { chunkDelayMs: 40 } });
    const recorded = configureRecorded();
    const controller = new AbortController();
    const stream = await service(chatModel(emulator, { maxTokens: 100 }), retry).stream('hello', { signal: controller.signal });
    let abortedAt = 0;
    const timer = setTimeout(() => {
      abortedAt = performance.now();
      controller.abort(new Error('the user left'));
    }, 150);
    const { text, thrown } = await read(stream);
    clearTimeout(timer);
    expect(abortedAt).toBeGreaterThan(0);
    expect(performance.now() - abortedAt).toBeLessThan(500); // the answer had ~3.8 s to run
    expect((thrown as Error).message).toBe('the user left');
    expect(text.split(' ').length).toBeLessThan(50);
    await waitFor(() => emulator.counters().aborted === 1);
    expect(emulator.counters()).toMatchObject({ requests: 1, aborted: 1, succeeded: 0 });
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'aborted' })]);
  });

  it('a drop after content surfaces as StreamInterruptedError and is never re-sent; the estimate stays charged', async () => {
    const emulator = await start({ random: longest, streaming: { dropAfterChunks: 3 } });
    const recorded = configureRecorded();
    const model = chatModel(emulator);
    const { text, thrown } = await read(await service(model).stream('hello'));
    expect(thrown).toBeInstanceOf(StreamInterruptedError);
    expect(text.split(' ')).toHaveLength(3);
    await waitFor(() => emulator.counters().dropped === 1);
    expect(emulator.counters()).toMatchObject({ requests: 1, dropped: 1 });
    expect(recorded.retries).toEqual([]);
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'interrupted', actualTokens: undefined })]);
    expect(viewOf(recorded.store, 'langchain')?.dayUsed).toBe(estimateChatTokens({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], max_tokens: 6 }));
  });
});

describe('LangChain ChatOpenAI.stream(): limits learned through observingFetch', () => {
  it('no limits configured: learned from the stream response headers (configuration.fetch)', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 500, tokensPerMinute: 90_000 });
    const recorded = configureRecorded();
    const model = chatModel(emulator, { fetch: observingFetch() });
    class Chat {
      @RateLimited({ key: 'learned' })
      @TokenBudget({ key: 'learned', estimate: (prompt: string) => estimateChatTokens({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], max_tokens: 6 }) })
      async stream(prompt: string) {
        return model.stream(prompt, { signal: currentCall()?.signal });
      }
    }
    expect((await read(await new Chat().stream('hello'))).text.split(' ')).toHaveLength(6);
    expect(viewOf(recorded.store, 'learned')).toMatchObject({ requestsPerMinute: 500, tokensPerMinute: 90_000 });
  });
});
