/**
 * The SDK `Stream` of openai (`chat.completions.create({ stream: true })`, `responses.create({ stream: true })`)
 * and @anthropic-ai/sdk (`messages.create({ stream: true })`) returned by decorated methods, against the emulator
 * over HTTP, clients' own retries off: the caller gets the SDK's own object, whole; streams are held back only
 * until their first content (429s and drops before it are retried); usage is settled from the stream's chunks;
 * the caller's abort reaches an open stream; a drop after content is a `StreamInterruptedError`, never re-sent.
 */
import Anthropic from '@anthropic-ai/sdk';
import { Stream as AnthropicStream } from '@anthropic-ai/sdk/streaming';
import OpenAI from 'openai';
import { Stream as OpenAIStream } from 'openai/streaming';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { AdaptiveRetry, AttemptTimeoutError, RateLimited, StreamInterruptedError, TokenBudget, currentCall, estimateChatTokens, observingFetch } from '../../../../index';
import { configureRecorded, emulators, longest, since, viewOf, waitFor } from '../clients-support';

const start = emulators();
const KEY = 'openai:gpt-4o-mini';

/** Reads an openai chat stream: the text, the usage chunk, how many chunks. */
async function readChat(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ text: string; usage: ChatCompletionChunk['usage']; chunks: number }> {
  let text = '';
  let usage: ChatCompletionChunk['usage'];
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta.content ?? '';
    usage = chunk.usage ?? usage;
  }
  return { text, usage, chunks };
}

// 'hello' 5 + 3, + 3 = 11 prompt tokens (the emulator counts one token per character)
const chatRequest = (maxCompletionTokens?: number): ChatCompletionCreateParamsStreaming => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hello' }],
  ...(maxCompletionTokens === undefined ? {} : { max_completion_tokens: maxCompletionTokens }),
  stream: true,
  stream_options: { include_usage: true },
});

describe('openai chat.completions.create({ stream: true }) in a decorated method', () => {
  it('8 streams estimated at ~2,000 tokens but using ~27, under 12,000 TPM: all reach the caller whole, in seconds, and usage is settled', async () => {
    // the emulator answers 16 tokens when no cap is sent: 11 + 16 = 27 tokens each
    const emulator = await start({ random: longest, requestsPerMinute: 6000, tokensPerMinute: 1_000_000 });
    const recorded = configureRecorded();
    const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
    class Chat {
      @AdaptiveRetry({ maxRetries: 2, baseDelayMs: 50 })
      @TokenBudget({ key: KEY, tokensPerMinute: 12_000, estimate: (req: ChatCompletionCreateParamsStreaming) => estimateChatTokens(req, { defaultMaxTokens: 2000 }) })
      async stream(req: ChatCompletionCreateParamsStreaming) {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }
    }
    const chat = new Chat();
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const stream = await chat.stream(chatRequest());
        expect(stream).toBeInstanceOf(OpenAIStream); // the SDK's own object
        return readChat(stream);
      }),
    );
    const elapsed = since(started);
    for (const { text, usage } of results) {
      expect(text.split(' ')).toHaveLength(16);
      expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 16, total_tokens: 27 });
    }
    // today's main took 51 s and rejected 2 of 8; with usage settled at each stream's end: about 1 s (generous bound)
    expect(elapsed).toBeLessThan(15_000);
    const estimate = estimateChatTokens(chatRequest(), { defaultMaxTokens: 2000 });
    expect(estimate).toBeGreaterThan(2000);
    expect(recorded.succeeded.map((e) => e.estimatedTokens)).toEqual(Array(8).fill(estimate));
    expect(recorded.streamEnds).toHaveLength(8);
    for (const end of recorded.streamEnds) expect(end).toMatchObject({ key: KEY, outcome: 'completed', actualTokens: 27, estimatedTokens: estimate });
    expect(viewOf(recorded.store, KEY)?.dayUsed).toBe(8 * 27);
    expect(emulator.counters()).toMatchObject({ requests: 8, succeeded: 8, streams: 8, rateLimited: 0 });
  });

  it('3 concurrent streams against a 60 RPM slice: the 429s before the first chunk are retried, every stream arrives whole', async () => {
    // one request per second: two of the three are refused at first, with retry-after-ms
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000, tokensPerMinute: 1_000_000 });
    const recorded = configureRecorded();
    const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
    class Chat {
      @AdaptiveRetry({ maxRetries: 5, baseDelayMs: 50, maxDelayMs: 10_000 })
      async stream(req: ChatCompletionCreateParamsStreaming) {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }
    }
    const chat = new Chat();
    const results = await Promise.all(Array.from({ length: 3 }, async () => readChat(await chat.stream(chatRequest(8)))));
    for (const { text, usage } of results) {
      expect(text.split(' ')).toHaveLength(8);
      expect(usage).toMatchObject({ completion_tokens: 8, total_tokens: 19 });
    }
    const counters = emulator.counters();
    expect(counters.rateLimited).toBeGreaterThanOrEqual(1); // 2 when the three arrive within the second (the count at the quota's edge is not asserted)
    expect(recorded.rateLimited).toHaveLength(counters.rateLimited);
    expect(recorded.retries).toHaveLength(counters.rateLimited);
    expect(counters).toMatchObject({ requests: 3 + counters.rateLimited, succeeded: 3, streams: 3, dropped: 0 });
    expect(recorded.streamEnds.map((e) => e.outcome)).toEqual(['completed', 'completed', 'completed']);
  });

  it('a connection dropped after the headers, before any content, is retried; the caller never sees it', async () => {
    const emulator = await start({ random: longest, streaming: { dropAfterChunks: 0 } });
    const recorded = configureRecorded();
    recorded.runtime.events.onRetry(() => emulator.setStreaming(undefined));
    const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
    class Chat {
      @AdaptiveRetry({ maxRetries: 2, baseDelayMs: 20 })
      async stream(req: ChatCompletionCreateParamsStreaming) {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }
    }
    const { text, usage } = await readChat(await new Chat().stream(chatRequest(6)));
    expect(text.split(' ')).toHaveLength(6);
    expect(usage?.total_tokens).toBe(17);
    expect(recorded.retries).toHaveLength(1);
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'completed', attempt: 2, chunks: 9 })]);
    expect(emulator.counters()).toMatchObject({ requests: 2, dropped: 1, succeeded: 1, streams: 2 });
  });

  it('a drop after content reached the caller surfaces as StreamInterruptedError and is never re-sent; the estimate stays charged', async () => {
    const emulator = await start({ random: longest, streaming: { dropAfterChunks: 3 } });
    const recorded = configureRecorded();
    const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
    class Chat {
      @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 20 })
      @TokenBudget({ key: KEY, tokensPerMinute: 600_000, estimate: (req: ChatCompletionCreateParamsStreaming) => estimateChatTokens(req) })
      async stream(req: ChatCompletionCreateParamsStreaming) {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }
    }
    const stream = await new Chat().stream(chatRequest(10));
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).key).toBe(KEY);
    expect((error as StreamInterruptedError).chunks).toBeGreaterThanOrEqual(3);
    expect(text.split(' ')).toHaveLength(3);
    await waitFor(() => emulator.counters().dropped === 1);
    expect(emulator.counters()).toMatchObject({ requests: 1, streams: 1, dropped: 1 });
    expect(recorded.retries).toEqual([]);
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'interrupted', actualTokens: undefined })]);
    // 'hello' (11 by the tokenizer's count, here the real BPE) + 10: the estimate stays charged
    expect(viewOf(recorded.store, KEY)?.dayUsed).toBe(estimateChatTokens(chatRequest(10)));
  });

  it.each([
    { name: 'without attemptTimeoutMs', retry: {} },
    { name: 'with attemptTimeoutMs', retry: { attemptTimeoutMs: 60_000 } },
  ])("the caller's abort 150 ms into an open stream stops it within milliseconds ($name)", async ({ retry }) => {
    // a 100-token answer at one token per 40 ms: 4 s to its end
    const emulator = await start({ random: longest, streaming: { chunkDelayMs: 40 } });
    const recorded = configureRecorded();
    const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
    class Chat {
      @AdaptiveRetry({ maxRetries: 2, ...retry })
      async stream(req: ChatCompletionCreateParamsStreaming, _options: { signal: AbortSignal }) {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }
    }
    const controller = new AbortController();
    const stream = await new Chat().stream(chatRequest(100), { signal: controller.signal });
    const openedAt = performance.now();
    let abortedAt = 0;
    const timer = setTimeout(() => {
      abortedAt = performance.now();
      controller.abort(new Error('the user left'));
    }, 150);
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    clearTimeout(timer);
    const stoppedAfter = performance.now() - abortedAt;
    expect(abortedAt).toBeGreaterThan(0);
    expect((error as Error).message).toBe('the user left'); // the caller's own reason
    expect(stoppedAfter).toBeLessThan(500); // ≈ 1 ms; the stream had ~3.8 s to run
    expect(performance.now() - openedAt).toBeLessThan(2000);
    expect(text.length).toBeGreaterThan(0);
    expect(text.split(' ').length).toBeLessThan(50);
    await waitFor(() => emulator.counters().aborted === 1);
    expect(emulator.counters()).toMatchObject({ requests: 1, aborted: 1, succeeded: 0 });
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'aborted' })]);
  });

  it('firstChunkTimeoutMs aborts a silent stream and sends again; idleTimeoutMs ends a stream that goes silent after content', async () => {
    // the first stream's first token would take 10 s: aborted at 300 ms, the second attempt streams at once
    const emulator = await start({ random: longest, streaming: { firstChunkDelayMs: 10_000 } });
    const recorded = configureRecorded();
    recorded.runtime.events.onRetry(() => emulator.setStreaming(undefined));
    const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
    class Chat {
      @AdaptiveRetry({ maxRetries: 2, baseDelayMs: 20, firstChunkTimeoutMs: 300, idleTimeoutMs: 300 })
      async stream(req: ChatCompletionCreateParamsStreaming) {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }
    }
    const started = performance.now();
    const { text } = await readChat(await new Chat().stream(chatRequest(6)));
    expect(text.split(' ')).toHaveLength(6);
    expect(since(started)).toBeLessThan(5000);
    expect(recorded.retries).toEqual([expect.objectContaining({ attempt: 1, reason: 'attempt-timeout' })]);
    await waitFor(() => emulator.counters().aborted === 1);
    expect(emulator.counters()).toMatchObject({ requests: 2, aborted: 1, succeeded: 1 });

    // a token every 2 s: the gap after the first one is over idleTimeoutMs
    emulator.setStreaming({ chunkDelayMs: 2000 });
    let streamed = '';
    const error = await (async () => {
      for await (const chunk of await new Chat().stream(chatRequest(6))) streamed += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).cause).toBeInstanceOf(AttemptTimeoutError);
    expect(((error as StreamInterruptedError).cause as AttemptTimeoutError).phase).toBe('idle');
    expect(streamed.split(' ')).toHaveLength(1);
    await waitFor(() => emulator.counters().aborted === 2);
    expect(emulator.counters().requests).toBe(3); // never sent again
  });

  it('without include_usage a completed stream keeps its estimate charged, and the process warns once', async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    // the warning is once per process (per test file under jest): no other test here streams without include_usage
    const emitWarning = jest.spyOn(process, 'emitWarning');
    try {
      const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
      class Chat {
        @TokenBudget({ key: KEY, tokensPerMinute: 600_000, estimate: (req: ChatCompletionCreateParamsStreaming) => estimateChatTokens(req) })
        async stream(req: ChatCompletionCreateParamsStreaming) {
          return client.chat.completions.create(req, { signal: currentCall()?.signal });
        }
      }
      const request = { ...chatRequest(5), stream_options: undefined };
      for (let i = 0; i < 2; i++) expect((await readChat(await new Chat().stream(request))).usage).toBeUndefined();
      expect(recorded.streamEnds.map((e) => [e.outcome, e.actualTokens])).toEqual([
        ['completed', undefined],
        ['completed', undefined],
      ]);
      expect(viewOf(recorded.store, KEY)?.dayUsed).toBe(2 * estimateChatTokens(request));
      expect(emitWarning.mock.calls.filter(([, options]) => (options)?.code === 'LLM_RESILIENCE_STREAM_USAGE')).toHaveLength(1);
    } finally {
      emitWarning.mockRestore();
    }
  });

  it('tee() and toReadableStream() of the returned Stream go through the runtime too (usage settled once)', async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
    class Chat {
      @TokenBudget({ key: KEY, tokensPerMinute: 600_000, estimate: (req: ChatCompletionCreateParamsStreaming) => estimateChatTokens(req) })
      async stream(req: ChatCompletionCreateParamsStreaming) {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }
    }
    const [left, right] = (await new Chat().stream(chatRequest(5))).tee();
    const [a, b] = await Promise.all([readChat(left), readChat(right)]);
    expect(a).toEqual(b);
    expect(a.text.split(' ')).toHaveLength(5);
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'completed', actualTokens: 16 })]);

    const readable = (await new Chat().stream(chatRequest(4))).toReadableStream();
    const restored = OpenAIStream.fromReadableStream<ChatCompletionChunk>(readable, new AbortController());
    expect((await readChat(restored)).usage?.total_tokens).toBe(15);
    expect(recorded.streamEnds[1]).toMatchObject({ outcome: 'completed', actualTokens: 15 });
    expect(viewOf(recorded.store, KEY)?.dayUsed).toBe(16 + 15);
  });
});

describe('openai responses.create({ stream: true }) in a decorated method', () => {
  it('reaches the caller whole; usage from response.completed is settled', async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
    const request = { model: 'gpt-4o-mini', input: 'hello', max_output_tokens: 7, stream: true as const };
    class Responses {
      @AdaptiveRetry({ maxRetries: 2 })
      @TokenBudget({ key: KEY, tokensPerMinute: 600_000, estimate: (req: typeof request) => estimateChatTokens(req) })
      async stream(req: typeof request) {
        return client.responses.create(req, { signal: currentCall()?.signal });
      }
    }
    const stream = await new Responses().stream(request);
    expect(stream).toBeInstanceOf(OpenAIStream);
    const types: string[] = [];
    let text = '';
    let total: number | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') total = event.response.usage?.total_tokens;
    }
    expect(types[0]).toBe('response.created'); // held back until the first delta, then replayed in order
    expect(types.at(-1)).toBe('response.completed');
    expect(text.split(' ')).toHaveLength(7);
    expect(total).toBe(18);
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ key: KEY, outcome: 'completed', actualTokens: 18 })]);
    expect(viewOf(recorded.store, KEY)?.dayUsed).toBe(18);
  });

  it('a 429 before the stream opens is retried after the server wait', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const recorded = configureRecorded();
    const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
    const request = { model: 'gpt-4o-mini', input: 'hello', max_output_tokens: 3, stream: true as const };
    class Responses {
      @AdaptiveRetry({ maxRetries: 3, maxDelayMs: 10_000 })
      async stream(req: typeof request) {
        return client.responses.create(req, { signal: currentCall()?.signal });
      }
    }
    const service = new Responses();
    const texts = await Promise.all(
      [1, 2].map(async () => {
        let text = '';
        for await (const event of await service.stream(request)) if (event.type === 'response.output_text.delta') text += event.delta;
        return text;
      }),
    );
    for (const text of texts) expect(text.split(' ')).toHaveLength(3);
    expect(recorded.rateLimited.length).toBeGreaterThanOrEqual(1);
    expect(recorded.rateLimited[0]?.retryAfterMs).toBeGreaterThan(0);
    expect(emulator.counters().perEndpoint.responses).toMatchObject({ succeeded: 2, streams: 2 });
  });
});

describe('Anthropic messages.create({ stream: true }) in a decorated method', () => {
  const params = { model: 'claude-emulator-1', max_tokens: 6, system: 'be brief', messages: [{ role: 'user' as const, content: 'hello' }], stream: true as const };

  it('reaches the caller whole; usage from message_start and message_delta is settled', async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    const client = new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 });
    class Claude {
      @AdaptiveRetry({ maxRetries: 2 })
      @TokenBudget({ key: 'anthropic', tokensPerMinute: 400_000, estimate: (req: typeof params) => estimateChatTokens(req) })
      async stream(req: typeof params) {
        return client.messages.create(req, { signal: currentCall()?.signal });
      }
    }
    const stream = await new Claude().stream(params);
    expect(stream).toBeInstanceOf(AnthropicStream); // the SDK's own object
    let text = '';
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(text.split(' ')).toHaveLength(6);
    // system 'be brief' 8 + 3, 'hello' 5 + 3, + 3 = 22 input tokens, 6 output
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ key: 'anthropic', outcome: 'completed', actualTokens: 28 })]);
    expect(viewOf(recorded.store, 'anthropic')?.dayUsed).toBe(28);
  });

  it('a 529 overloaded before the stream opens is retried', async () => {
    const emulator = await start({ random: longest, faults: { overloaded: 1 } });
    const recorded = configureRecorded();
    recorded.runtime.events.onRetry(() => emulator.setFaults(undefined));
    const client = new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 });
    class Claude {
      @AdaptiveRetry({ maxRetries: 2, baseDelayMs: 20 })
      async stream(req: typeof params) {
        return client.messages.create(req, { signal: currentCall()?.signal });
      }
    }
    let text = '';
    for await (const event of await new Claude().stream(params)) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text.split(' ')).toHaveLength(6);
    expect(recorded.retries).toEqual([expect.objectContaining({ status: 529 })]);
    expect(emulator.counters()).toMatchObject({ requests: 2, serverErrors: 1, succeeded: 1 });
  });
});

describe('SDK Streams: limits learned from the stream responses through observingFetch', () => {
  it('openai and Anthropic create({ stream: true }) with no limits configured: learned from the headers', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 500, tokensPerMinute: 90_000 });
    const recorded = configureRecorded();
    const openai = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0, fetch: observingFetch() });
    const anthropic = new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0, fetch: observingFetch() });
    const params = { model: 'claude-emulator-1', max_tokens: 6, messages: [{ role: 'user' as const, content: 'hello' }], stream: true as const };
    class Streams {
      @RateLimited({ key: 'openai' })
      @TokenBudget({ key: 'openai', estimate: (req: ChatCompletionCreateParamsStreaming) => estimateChatTokens(req) })
      async chat(req: ChatCompletionCreateParamsStreaming) {
        return openai.chat.completions.create(req, { signal: currentCall()?.signal });
      }

      @RateLimited({ key: 'anthropic' })
      @TokenBudget({ key: 'anthropic', estimate: (req: typeof params) => estimateChatTokens(req) })
      async claude(req: typeof params) {
        return anthropic.messages.create(req, { signal: currentCall()?.signal });
      }
    }
    const streams = new Streams();
    expect((await readChat(await streams.chat(chatRequest(4)))).text.split(' ')).toHaveLength(4);
    for await (const event of await streams.claude(params)) expect(event.type).toBeDefined();
    expect(viewOf(recorded.store, 'openai')).toMatchObject({ requestsPerMinute: 500, tokensPerMinute: 90_000 });
    // the emulator's one budget, as Anthropic's input-tokens (it sends no output-tokens): input + output summed
    expect(viewOf(recorded.store, 'anthropic')).toMatchObject({ requestsPerMinute: 500, tokensPerMinute: 90_000 });
  });
});
