/**
 * The SDKs' event-emitter streams returned by decorated methods — Anthropic `messages.stream()`, openai
 * `chat.completions.stream()` and `responses.stream()` — against the emulator over HTTP, clients' own retries off:
 * a 429 or 529 before the response arrives is retried (the caller gets one stream, that never failed), every way
 * of reading it (`for await`, `on('text')`, `finalMessage()`) sees the whole answer, usage is settled from its
 * events, the caller's abort reaches it, and a drop after content is never re-sent.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ChatCompletionStreamParams } from 'openai/lib/ChatCompletionStream';
import { AdaptiveRetry, RateLimited, TokenBudget, currentCall, estimateChatTokens, observingFetch } from '../../../../index';
import { configureRecorded, emulators, longest, recordingFetch, retryGaps, viewOf, waitFor, type Recorded } from '../clients-support';

const start = emulators();
// system 'be brief' 8 + 3, 'hello' 5 + 3, + 3 = 22 input tokens
const params = { model: 'claude-emulator-1', max_tokens: 6, system: 'be brief', messages: [{ role: 'user' as const, content: 'hello' }] };
type Params = typeof params;
// 'hello' 5 + 3, + 3 = 11 input tokens, 6 output
const chatParams: ChatCompletionStreamParams = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hello' }],
  max_completion_tokens: 6,
  stream_options: { include_usage: true },
};

/** The order of the call's success and its stream's end, as the runtime published them. */
function eventOrder(recorded: Recorded): string[] {
  const order: string[] = [];
  recorded.runtime.events.onSucceeded(() => order.push('succeeded'));
  recorded.runtime.events.onStreamEnd(() => order.push('streamEnd'));
  return order;
}

/** A Claude service as a user writes it: `messages.stream()` returned from the decorated method. */
function claude(client: Anthropic, retry = {}) {
  class Claude {
    @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 20, maxDelayMs: 10_000, ...retry })
    @TokenBudget({ key: 'anthropic', tokensPerMinute: 400_000, estimate: (req: Params) => estimateChatTokens(req) })
    async stream(req: Params, _options?: { signal?: AbortSignal }) {
      return client.messages.stream(req, { signal: currentCall()?.signal });
    }
  }
  return new Claude();
}

describe('Anthropic messages.stream() in a decorated method', () => {
  it('for await, on("text") and finalMessage() each see the whole answer; usage is settled', async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    const service = claude(new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 }));

    let iterated = '';
    for await (const event of await service.stream(params)) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') iterated += event.delta.text;
    }
    const listened = await service.stream(params);
    let heard = '';
    listened.on('text', (delta) => (heard += delta));
    const final = await listened.finalMessage();
    const finalText = final.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

    expect(iterated.split(' ')).toHaveLength(6);
    expect(heard).toBe(iterated);
    expect(finalText).toBe(iterated);
    expect(final.usage).toMatchObject({ input_tokens: 22, output_tokens: 6 });
    expect(recorded.streamEnds).toEqual([
      expect.objectContaining({ key: 'anthropic', outcome: 'completed', actualTokens: 28 }),
      expect.objectContaining({ key: 'anthropic', outcome: 'completed', actualTokens: 28 }),
    ]);
    expect(viewOf(recorded.store, 'anthropic')?.dayUsed).toBe(56);
  });

  it('a 429 before the response is retried after the server wait (retry-after); the caller gets one stream that never failed', async () => {
    // 60 RPM in 1-second slices: the second stream is refused with retry-after: 1
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const recorded = configureRecorded();
    const { fetch, exchanges } = recordingFetch();
    const service = claude(new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0, fetch }));
    await (await service.stream(params)).finalMessage();
    const stream = await service.stream(params);
    const errors: unknown[] = [];
    stream.on('error', (e) => errors.push(e));
    const final = await stream.finalMessage();
    expect(final.usage.output_tokens).toBe(6);
    expect(errors).toEqual([]);
    expect(recorded.rateLimited).toEqual([expect.objectContaining({ status: 429 })]);
    const gaps = retryGaps(exchanges);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].hintMs).toBeGreaterThanOrEqual(1000);
    expect(gaps[0].gapMs).toBeGreaterThanOrEqual(gaps[0].hintMs!);
    expect(emulator.counters()).toMatchObject({ requests: 3, rateLimited: 1, succeeded: 2 });
  });

  it('a 529 overloaded before the response is retried', async () => {
    const emulator = await start({ random: longest, faults: { overloaded: 1 } });
    const recorded = configureRecorded();
    recorded.runtime.events.onRetry(() => emulator.setFaults(undefined));
    const service = claude(new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 }));
    const final = await (await service.stream(params)).finalMessage();
    expect(final.usage.output_tokens).toBe(6);
    expect(recorded.retries).toEqual([expect.objectContaining({ status: 529 })]);
    expect(emulator.counters()).toMatchObject({ requests: 2, serverErrors: 1, succeeded: 1 });
  });

  it.each([
    { name: 'without attemptTimeoutMs', retry: {} },
    { name: 'with attemptTimeoutMs', retry: { attemptTimeoutMs: 60_000 } },
  ])("the caller's abort 150 ms into an open stream stops it within milliseconds ($name)", async ({ retry }) => {
    const emulator = await start({ random: longest, streaming: { chunkDelayMs: 40 } });
    const recorded = configureRecorded();
    const service = claude(new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 }), retry);
    const controller = new AbortController();
    const stream = await service.stream({ ...params, max_tokens: 100 }, { signal: controller.signal });
    let abortedAt = 0;
    const timer = setTimeout(() => {
      abortedAt = performance.now();
      controller.abort(new Error('the user left'));
    }, 150);
    const error = await stream.finalMessage().catch((e: unknown) => e);
    clearTimeout(timer);
    expect(abortedAt).toBeGreaterThan(0);
    expect(performance.now() - abortedAt).toBeLessThan(500); // the answer had ~3.8 s to run
    expect(error).toBeInstanceOf(Anthropic.APIUserAbortError);
    await waitFor(() => emulator.counters().aborted === 1);
    expect(emulator.counters()).toMatchObject({ requests: 1, aborted: 1, succeeded: 0 });
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'aborted' })]);
  });

  it('a drop after content is never re-sent: the SDK reports it as it would, the estimate stays charged', async () => {
    const emulator = await start({ random: longest, streaming: { dropAfterChunks: 2 } });
    const recorded = configureRecorded();
    const service = claude(new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 }));
    const stream = await service.stream(params);
    let heard = '';
    stream.on('text', (delta) => (heard += delta));
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(heard.split(' ')).toHaveLength(2);
    await waitFor(() => recorded.streamEnds.length === 1);
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'interrupted', actualTokens: undefined })]);
    expect(recorded.retries).toEqual([]);
    expect(emulator.counters()).toMatchObject({ requests: 1, dropped: 1 });
    expect(viewOf(recorded.store, 'anthropic')?.dayUsed).toBe(estimateChatTokens(params));
  });
});

describe('an event stream the method waited on, or that stalls, before the runtime sees it', () => {
  it("a stream the method read to its end before returning it is handed over at once, sent once, its final message's usage settled after the call's success", async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    const order = eventOrder(recorded);
    const client = new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 });
    class Claude {
      @AdaptiveRetry({ maxRetries: 2, firstChunkTimeoutMs: 300 })
      @TokenBudget({ key: 'anthropic', tokensPerMinute: 400_000, estimate: (req: Params) => estimateChatTokens(req) })
      async stream(req: Params) {
        const stream = client.messages.stream(req, { signal: currentCall()?.signal });
        await stream.finalMessage(); // its events went by before the runtime could listen
        return stream;
      }
    }
    const stream = await new Claude().stream(params);
    const usage = (await stream.finalMessage()).usage;
    expect(usage.output_tokens).toBe(6);
    await waitFor(() => recorded.streamEnds.length === 1);
    // its events went by unseen: the usage is the final message's (input + output), as if it had been read here
    const actual = usage.input_tokens + usage.output_tokens;
    expect(actual).not.toBe(estimateChatTokens(params));
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'completed', actualTokens: actual })]);
    expect(order).toEqual(['succeeded', 'streamEnd']);
    expect(recorded.retries).toEqual([]);
    expect(emulator.counters()).toMatchObject({ requests: 1, succeeded: 1 });
    expect(viewOf(recorded.store, 'anthropic')?.dayUsed).toBe(actual);
  });

  it("openai chat.completions.stream() read to its end before it is returned: the final completion's usage is settled after the call's success", async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    const order = eventOrder(recorded);
    const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
    class Chat {
      @AdaptiveRetry({ maxRetries: 2, firstChunkTimeoutMs: 300 })
      @TokenBudget({ key: 'openai', tokensPerMinute: 600_000, estimate: (req: { model: string }) => estimateChatTokens(req) })
      async chat(req: ChatCompletionStreamParams) {
        const stream = client.chat.completions.stream(req, { signal: currentCall()?.signal });
        await stream.finalChatCompletion();
        return stream;
      }
    }
    const final = await (await new Chat().chat(chatParams)).finalChatCompletion();
    expect(final.choices[0]?.message.content?.split(' ')).toHaveLength(6);
    const actual = final.usage?.total_tokens;
    expect(actual).toBe(17);
    expect(actual).not.toBe(estimateChatTokens(chatParams));
    await waitFor(() => recorded.streamEnds.length === 1);
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ key: 'openai', outcome: 'completed', actualTokens: actual })]);
    expect(order).toEqual(['succeeded', 'streamEnd']);
    expect(emulator.counters()).toMatchObject({ requests: 1, succeeded: 1 });
    expect(viewOf(recorded.store, 'openai')?.dayUsed).toBe(actual);
  });

  it("openai responses.stream() read to its end before it is returned: the final response's usage is settled", async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
    const request = { model: 'gpt-4o-mini', input: 'hello', max_output_tokens: 6 };
    class Responder {
      @TokenBudget({ key: 'openai', tokensPerMinute: 600_000, estimate: (req: { model: string }) => estimateChatTokens(req) })
      async respond(req: typeof request) {
        const stream = client.responses.stream(req, { signal: currentCall()?.signal });
        await stream.finalResponse();
        return stream;
      }
    }
    const actual = (await (await new Responder().respond(request)).finalResponse()).usage?.total_tokens;
    expect(actual).toBe(17);
    await waitFor(() => recorded.streamEnds.length === 1);
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'completed', actualTokens: actual })]);
    expect(viewOf(recorded.store, 'openai')?.dayUsed).toBe(actual);
  });

  it('read to its end before it is returned without include_usage: the estimate stays charged, and the process warns once', async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    // the warning is once per process (per test file under jest): this is the first test here to stream without include_usage
    const emitWarning = jest.spyOn(process, 'emitWarning');
    try {
      const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
      class Chat {
        @TokenBudget({ key: 'openai', tokensPerMinute: 600_000, estimate: (req: { model: string }) => estimateChatTokens(req) })
        async chat(req: ChatCompletionStreamParams) {
          const stream = client.chat.completions.stream(req, { signal: currentCall()?.signal });
          await stream.finalChatCompletion();
          return stream;
        }
      }
      const request = { ...chatParams, stream_options: undefined };
      expect((await (await new Chat().chat(request)).finalChatCompletion()).usage).toBeUndefined();
      await waitFor(() => recorded.streamEnds.length === 1);
      expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'completed', actualTokens: undefined })]);
      expect(viewOf(recorded.store, 'openai')?.dayUsed).toBe(estimateChatTokens(request));
      expect(emitWarning.mock.calls.filter(([, options]) => options?.code === 'LLM_RESILIENCE_STREAM_USAGE')).toHaveLength(1);
    } finally {
      emitWarning.mockRestore();
    }
  });

  it("a stream returned after its first event went by: once it ends, the final result's usage is settled, for Anthropic and openai", async () => {
    const emulator = await start({ random: longest, streaming: { chunkDelayMs: 20 } });
    const recorded = configureRecorded();
    const anthropic = new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 });
    const openai = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
    class Services {
      @TokenBudget({ key: 'anthropic', tokensPerMinute: 400_000, estimate: (req: Params) => estimateChatTokens(req) })
      async claude(req: Params) {
        const stream = anthropic.messages.stream(req, { signal: currentCall()?.signal });
        await new Promise<void>((resolve) => stream.once('text', () => resolve()));
        return stream;
      }

      @TokenBudget({ key: 'openai', tokensPerMinute: 600_000, estimate: (req: { model: string }) => estimateChatTokens(req) })
      async chat(req: ChatCompletionStreamParams) {
        const stream = openai.chat.completions.stream(req, { signal: currentCall()?.signal });
        await new Promise<void>((resolve) => stream.once('content', () => resolve()));
        return stream;
      }
    }
    const services = new Services();
    const claude = await services.claude(params);
    expect(claude.ended).toBe(false);
    const message = await claude.finalMessage();
    const chat = await services.chat(chatParams);
    expect(chat.ended).toBe(false);
    const completion = await chat.finalChatCompletion();
    await waitFor(() => recorded.streamEnds.length === 2);
    const claudeTokens = message.usage.input_tokens + message.usage.output_tokens;
    expect(recorded.streamEnds).toEqual([
      expect.objectContaining({ key: 'anthropic', outcome: 'completed', actualTokens: claudeTokens }),
      expect.objectContaining({ key: 'openai', outcome: 'completed', actualTokens: completion.usage?.total_tokens }),
    ]);
    // some chunks were seen, not all
    for (const end of recorded.streamEnds) expect(end.chunks).toBeGreaterThan(0);
    expect(viewOf(recorded.store, 'anthropic')?.dayUsed).toBe(claudeTokens);
    expect(viewOf(recorded.store, 'openai')?.dayUsed).toBe(17);
  });

  it('a stream that failed before the method returned it ends "interrupted" after the call\'s success, its estimate kept, no unhandled rejection', async () => {
    const emulator = await start({ random: longest, streaming: { dropAfterChunks: 2 } });
    const recorded = configureRecorded();
    const order = eventOrder(recorded);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const client = new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 });
      class Claude {
        @TokenBudget({ key: 'anthropic', tokensPerMinute: 400_000, estimate: (req: Params) => estimateChatTokens(req) })
        async stream(req: Params) {
          const stream = client.messages.stream(req, { signal: currentCall()?.signal });
          await stream.done().catch(() => undefined);
          return stream;
        }
      }
      const stream = await new Claude().stream(params);
      expect(stream.errored).toBe(true);
      await waitFor(() => recorded.streamEnds.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 100)); // an unhandled rejection is reported after a turn
      expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'interrupted', actualTokens: undefined })]);
      expect(order).toEqual(['succeeded', 'streamEnd']);
      expect(unhandled).toEqual([]);
      expect(viewOf(recorded.store, 'anthropic')?.dayUsed).toBe(estimateChatTokens(params));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a stall between the response headers and the first event is stopped by idleTimeoutMs', async () => {
    const emulator = await start({ random: longest, streaming: { firstChunkDelayMs: 3000, chunkDelayMs: 10 } });
    const recorded = configureRecorded();
    const service = claude(new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 }), { firstChunkTimeoutMs: 200, idleTimeoutMs: 200 });
    const stream = await service.stream(params);
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    await waitFor(() => recorded.streamEnds.length === 1);
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'interrupted' })]);
    expect(recorded.streamEnds[0].reason).toMatch(/200 ms/);
  });

  it('a timeout of the runtime on a stream the caller only listens to (no error listener) raises no unhandled rejection', async () => {
    const emulator = await start({ random: longest, streaming: { firstChunkDelayMs: 10, chunkDelayMs: 400 } });
    const recorded = configureRecorded();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const service = claude(new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 }), { idleTimeoutMs: 100 });
      const stream = await service.stream(params);
      let heard = '';
      stream.on('text', (delta) => (heard += delta));
      await waitFor(() => recorded.streamEnds.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 100)); // an unhandled rejection is reported after a turn
      expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'interrupted' })]);
      expect(heard.split(' ').length).toBeLessThan(6);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('openai chat.completions.stream() and responses.stream() in a decorated method', () => {
  const responseParams = { model: 'gpt-4o-mini', input: 'hello', max_output_tokens: 6 };

  function service(client: OpenAI) {
    class Chat {
      @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 20, maxDelayMs: 10_000 })
      @TokenBudget({ key: 'openai', tokensPerMinute: 600_000, estimate: (req: { model: string }) => estimateChatTokens(req) })
      async chat(req: ChatCompletionStreamParams) {
        return client.chat.completions.stream(req, { signal: currentCall()?.signal });
      }

      @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 20, maxDelayMs: 10_000 })
      @TokenBudget({ key: 'openai', tokensPerMinute: 600_000, estimate: (req: { model: string }) => estimateChatTokens(req) })
      async respond(req: typeof responseParams) {
        return client.responses.stream(req, { signal: currentCall()?.signal });
      }
    }
    return new Chat();
  }

  it('chat.completions.stream(): for await and on("content") see the whole answer; the include_usage chunk is settled', async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    const chat = service(new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 }));
    let iterated = '';
    for await (const chunk of await chat.chat(chatParams)) iterated += chunk.choices[0]?.delta.content ?? '';
    const listened = await chat.chat(chatParams);
    let heard = '';
    listened.on('content', (delta) => (heard += delta));
    const final = await listened.finalChatCompletion();
    expect(iterated.split(' ')).toHaveLength(6);
    expect(heard).toBe(iterated);
    expect(final.choices[0]?.message.content).toBe(iterated);
    expect(final.usage?.total_tokens).toBe(17);
    expect(recorded.streamEnds.map((e) => [e.outcome, e.actualTokens])).toEqual([
      ['completed', 17],
      ['completed', 17],
    ]);
    expect(viewOf(recorded.store, 'openai')?.dayUsed).toBe(34);
  });

  it('responses.stream(): the whole text and the usage of response.completed; a 429 before it is retried after the server wait', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const recorded = configureRecorded();
    const { fetch, exchanges } = recordingFetch();
    const chat = service(new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0, fetch }));
    const texts: string[] = [];
    for (let i = 0; i < 2; i++) {
      const stream = await chat.respond(responseParams);
      let text = '';
      stream.on('response.output_text.delta', (event) => (text += event.delta));
      const final = await stream.finalResponse();
      expect(final.usage?.total_tokens).toBe(17);
      texts.push(text);
    }
    for (const text of texts) expect(text.split(' ')).toHaveLength(6);
    expect(recorded.rateLimited).toHaveLength(1);
    const gaps = retryGaps(exchanges);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].hintMs).toBeGreaterThan(0);
    expect(gaps[0].gapMs).toBeGreaterThanOrEqual(gaps[0].hintMs!);
    expect(recorded.streamEnds.map((e) => [e.outcome, e.actualTokens])).toEqual([
      ['completed', 17],
      ['completed', 17],
    ]);
    expect(emulator.counters().perEndpoint.responses).toMatchObject({ requests: 3, rateLimited: 1, succeeded: 2 });
  });

  it('a `break` out of the stream is the caller leaving: the stream ends "abandoned", not "interrupted", for openai and Anthropic', async () => {
    const emulator = await start({ random: longest, streaming: { chunkDelayMs: 20 } });
    const recorded = configureRecorded();
    for await (const _event of await service(new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 })).chat(chatParams)) break;
    for await (const _event of await claude(new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 })).stream(params)) break;
    await waitFor(() => recorded.streamEnds.length === 2);
    expect(recorded.streamEnds.map((e) => e.outcome)).toEqual(['abandoned', 'abandoned']);
  });
});

describe('SDK event streams: limits learned from the stream responses through observingFetch', () => {
  it('Anthropic messages.stream() and openai chat.completions.stream() with no limits configured: learned from the headers', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 500, tokensPerMinute: 90_000 });
    const recorded = configureRecorded();
    const openai = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0, fetch: observingFetch() });
    const anthropic = new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0, fetch: observingFetch() });
    const chatParams: ChatCompletionStreamParams = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], max_completion_tokens: 4 };
    class Streams {
      @RateLimited({ key: 'openai' })
      @TokenBudget({ key: 'openai', estimate: (req: ChatCompletionStreamParams) => estimateChatTokens(req) })
      async chat(req: ChatCompletionStreamParams) {
        return openai.chat.completions.stream(req, { signal: currentCall()?.signal });
      }

      @RateLimited({ key: 'anthropic' })
      @TokenBudget({ key: 'anthropic', estimate: (req: Params) => estimateChatTokens(req) })
      async claude(req: Params) {
        return anthropic.messages.stream(req, { signal: currentCall()?.signal });
      }
    }
    const streams = new Streams();
    expect((await (await streams.chat(chatParams)).finalChatCompletion()).choices[0]?.message.content?.split(' ')).toHaveLength(4);
    expect((await (await streams.claude(params)).finalMessage()).usage.output_tokens).toBe(6);
    expect(viewOf(recorded.store, 'openai')).toMatchObject({ requestsPerMinute: 500, tokensPerMinute: 90_000 });
    // the emulator's one budget, as Anthropic's input-tokens (it sends no output-tokens): input + output summed
    expect(viewOf(recorded.store, 'anthropic')).toMatchObject({ requestsPerMinute: 500, tokensPerMinute: 90_000 });
  });
});
