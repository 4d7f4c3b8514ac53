/**
 * @google/genai's `models.generateContentStream()` (an async generator) returned by decorated methods, against the
 * emulator's Gemini endpoint over HTTP (the SDK retries nothing unless told to): the caller gets an async generator,
 * whole; a 429 `RESOURCE_EXHAUSTED` is retried after its `RetryInfo` delay; `usageMetadata` is settled; the
 * caller's abort reaches the stream; a drop after content is a `StreamInterruptedError`, never re-sent.
 */
import { GoogleGenAI, type GenerateContentParameters, type GenerateContentResponse } from '@google/genai';
import { AdaptiveRetry, StreamInterruptedError, TokenBudget, currentCall, estimateChatTokens, observingFetch } from '../../../../index';
import type { EmulatorHandle } from '../../../../src/testing/emulator';
import { configureRecorded, emulators, longest, recordingFetch, retryGaps, viewOf, waitFor } from '../clients-support';

const start = emulators();
type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * `httpOptions.fetch` is given: @google/genai takes a custom fetch there (observingFetch fits it). Without one the
 * SDK looks up undici's global dispatcher on `globalThis`, which jest's sandbox lacks.
 */
const gemini = (emulator: EmulatorHandle, fetch: Fetch = observingFetch()): GoogleGenAI => new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: emulator.origin, fetch } });
// systemInstruction 'be brief' 8 + 3, 'hello' 5 + 3, + 3 = 22 prompt tokens
const request = (maxOutputTokens = 6): GenerateContentParameters => ({ model: 'gemini-2.5-flash', contents: 'hello', config: { systemInstruction: 'be brief', maxOutputTokens } });

/** A service as a user writes it: `generateContentStream` returned from the decorated method, its abortSignal linked. */
function service(client: GoogleGenAI, retry = {}) {
  class Gemini {
    @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 20, maxDelayMs: 10_000, ...retry })
    @TokenBudget({ key: 'gemini', tokensPerMinute: 600_000, estimate: (req: GenerateContentParameters) => estimateChatTokens(req) })
    async stream(req: GenerateContentParameters, _options?: { signal?: AbortSignal }) {
      return client.models.generateContentStream({ ...req, config: { ...req.config, abortSignal: currentCall()?.signal } });
    }
  }
  return new Gemini();
}

/** Reads a Gemini stream: the text, the last usageMetadata, what it threw. */
async function read(stream: AsyncIterable<GenerateContentResponse>): Promise<{ text: string; total: number | undefined; thrown: unknown }> {
  let text = '';
  let total: number | undefined;
  try {
    for await (const chunk of stream) {
      text += chunk.text ?? '';
      total = chunk.usageMetadata?.totalTokenCount ?? total;
    }
  } catch (error) {
    return { text, total, thrown: error };
  }
  return { text, total, thrown: undefined };
}

describe('@google/genai generateContentStream in a decorated method', () => {
  it('the caller gets an async generator, whole; usageMetadata is settled', async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    const stream = await service(gemini(emulator)).stream(request());
    expect(Object.prototype.toString.call(stream)).toBe('[object AsyncGenerator]');
    const { text, total, thrown } = await read(stream);
    expect(thrown).toBeUndefined();
    expect(text.split(' ')).toHaveLength(6);
    expect(total).toBe(28);
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ key: 'gemini', outcome: 'completed', actualTokens: 28 })]);
    expect(viewOf(recorded.store, 'gemini')?.dayUsed).toBe(28);
  });

  it('a 429 RESOURCE_EXHAUSTED is retried after its RetryInfo delay (Gemini sends no wait headers)', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const recorded = configureRecorded();
    const { fetch, exchanges } = recordingFetch();
    const chat = service(gemini(emulator, observingFetch(fetch)));
    for (let i = 0; i < 2; i++) expect((await read(await chat.stream(request()))).text.split(' ')).toHaveLength(6);
    expect(recorded.rateLimited).toEqual([expect.objectContaining({ status: 429 })]);
    const gaps = retryGaps(exchanges);
    expect(gaps).toHaveLength(1);
    expect(exchanges[1].headers.get('retry-after')).toBeNull();
    expect(gaps[0].hintMs).toBeGreaterThan(0); // read from the body's RetryInfo
    expect(recorded.rateLimited[0].retryAfterMs).toBe(Math.ceil(gaps[0].hintMs!));
    expect(gaps[0].gapMs).toBeGreaterThanOrEqual(gaps[0].hintMs!);
    expect(emulator.counters()).toMatchObject({ requests: 3, rateLimited: 1, succeeded: 2, streams: 2 });
  });

  it('a 503 before any content is retried; the caller never sees it', async () => {
    const emulator = await start({ random: longest, faults: { unavailable: 1 } });
    const recorded = configureRecorded();
    recorded.runtime.events.onRetry(() => emulator.setFaults(undefined));
    const { text } = await read(await service(gemini(emulator)).stream(request()));
    expect(text.split(' ')).toHaveLength(6);
    expect(recorded.retries).toEqual([expect.objectContaining({ status: 503 })]);
    expect(emulator.counters()).toMatchObject({ requests: 2, serverErrors: 1, succeeded: 1 });
  });

  it.each([
    { name: 'without attemptTimeoutMs', retry: {} },
    { name: 'with attemptTimeoutMs', retry: { attemptTimeoutMs: 60_000 } },
  ])("the caller's abort 150 ms into an open stream stops it within milliseconds ($name)", async ({ retry }) => {
    const emulator = await start({ random: longest, streaming: { chunkDelayMs: 40 } });
    const recorded = configureRecorded();
    const controller = new AbortController();
    const stream = await service(gemini(emulator), retry).stream(request(100), { signal: controller.signal });
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
    const emulator = await start({ random: longest, streaming: { dropAfterChunks: 2 } });
    const recorded = configureRecorded();
    const { text, thrown } = await read(await service(gemini(emulator)).stream(request()));
    expect(thrown).toBeInstanceOf(StreamInterruptedError);
    expect(text.split(' ')).toHaveLength(2);
    await waitFor(() => emulator.counters().dropped === 1);
    expect(emulator.counters()).toMatchObject({ requests: 1, dropped: 1 });
    expect(recorded.retries).toEqual([]);
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'interrupted', actualTokens: undefined })]);
    expect(viewOf(recorded.store, 'gemini')?.dayUsed).toBe(estimateChatTokens(request()));
  });
});
