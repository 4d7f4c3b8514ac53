/**
 * The Gemini endpoints (`:generateContent`, `:streamGenerateContent?alt=sse`) through the real `@google/genai`
 * (`httpOptions.baseUrl`, no retry options: no retries) and raw HTTP: candidates and usageMetadata, a 429
 * `RESOURCE_EXHAUSTED` whose body carries `RetryInfo` and `QuotaFailure` (which the SDK puts in `ApiError.message`),
 * 500/503, mid-stream faults and client aborts.
 */
import { ApiError, GoogleGenAI, type GenerateContentParameters } from '@google/genai';
import type { EmulatorHandle } from '../../../../src/testing/emulator';
import { serverWaitHint } from '../../../../src/providers/wait-hints';
import { emulators, longest, postFrames, waitFor } from './support';

const start = emulators();
/**
 * `httpOptions.fetch` given: without it the SDK routes Node's fetch through undici's global dispatcher, which it
 * looks up on `globalThis` — and jest's sandbox global has none ("Undici globalDispatcher is not available").
 */
const client = (emulator: EmulatorHandle): GoogleGenAI =>
  new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: emulator.origin, fetch: (input, init) => fetch(input, init) } });
// systemInstruction 'be brief' 8 + 3, 'hello' 5 + 3, + 3 = 22 prompt tokens
const params = (signal?: AbortSignal): GenerateContentParameters => ({
  model: 'gemini-2.5-flash',
  contents: 'hello',
  config: { systemInstruction: 'be brief', maxOutputTokens: 6, abortSignal: signal },
});

/** The parsed body of a Gemini `ApiError` (the SDK's message is the JSON error body). */
function errorBody(error: unknown): { error: { code: number; status: string; message: string; details?: Array<Record<string, unknown>> } } {
  return JSON.parse((error as Error).message) as ReturnType<typeof errorBody>;
}

describe('Gemini', () => {
  it('answers models.generateContent with candidates, text and usageMetadata', async () => {
    const emulator = await start({ random: longest });
    const response = await client(emulator).models.generateContent(params());
    expect(response.text?.split(' ')).toHaveLength(6);
    expect(response.candidates?.[0]).toMatchObject({ finishReason: 'STOP', content: { role: 'model' } });
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 22, candidatesTokenCount: 6, totalTokenCount: 28 });
    expect(response.modelVersion).toBe('gemini-2.5-flash');
    expect(emulator.admissions('gemini-2.5-flash')).toEqual([{ at: expect.any(Number), tokens: 28 }]);
    expect(emulator.counters().perEndpoint.generateContent).toMatchObject({ requests: 1, succeeded: 1, streams: 0 });
  });

  it('charges prompt + maxOutputTokens up front; with refundUnused the unused part comes back (Gemini has no headers: a 429 tells)', async () => {
    // 22 + 60 = 82 charged out of 150 a minute; random 0 generates 1 token, so 59 can come back.
    const second = async (refundUnused: boolean): Promise<unknown> => {
      const emulator = await start({ tokensPerMinute: 150, sliceMs: 0, random: () => 0, refundUnused });
      const genai = client(emulator);
      const request = { ...params(), config: { systemInstruction: 'be brief', maxOutputTokens: 60 } };
      await genai.models.generateContent(request);
      expect(emulator.admissions()).toEqual([{ at: expect.any(Number), tokens: 82 }]);
      return genai.models.generateContent(request).then(
        (r) => r.usageMetadata?.candidatesTokenCount,
        (e: unknown) => (e as ApiError).status,
      );
    };
    expect(await second(true)).toBe(1);
    expect(await second(false)).toBe(429);
  });

  it('streams server-sent GenerateContentResponses; generateContentStream yields the text and the usage ends whole', async () => {
    const emulator = await start({ random: longest });
    const { response, frames, text } = await postFrames(
      `${emulator.origin}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      { contents: [{ role: 'user', parts: [{ text: 'hello' }] }], generationConfig: { maxOutputTokens: 3 } },
    );
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(text).toContain('\r\n\r\n');
    const chunks = frames.map((f) => JSON.parse(f.data) as { candidates: Array<Record<string, unknown>>; usageMetadata: Record<string, number> });
    expect(chunks).toHaveLength(3);
    expect(chunks[0].usageMetadata).toEqual({ promptTokenCount: 11, totalTokenCount: 11, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 11 }] });
    expect(chunks[0].candidates[0].finishReason).toBeUndefined();
    expect(chunks[2].candidates[0].finishReason).toBe('STOP');
    expect(chunks[2].usageMetadata).toMatchObject({ promptTokenCount: 11, candidatesTokenCount: 3, totalTokenCount: 14 });

    let streamed = '';
    let usage: Record<string, unknown> | undefined;
    for await (const chunk of await client(emulator).models.generateContentStream(params())) {
      streamed += chunk.text ?? '';
      usage = chunk.usageMetadata as Record<string, unknown> | undefined;
    }
    const whole = await client(emulator).models.generateContent(params());
    expect(streamed).toBe(whole.text);
    expect(usage).toMatchObject({ promptTokenCount: 22, candidatesTokenCount: 6, totalTokenCount: 28 });
    expect(emulator.counters()).toMatchObject({ requests: 3, succeeded: 3, streams: 2 });
  });

  it('answers a quota refusal with a 429 RESOURCE_EXHAUSTED: ApiError status 429, RetryInfo and QuotaFailure in the body', async () => {
    // 3 RPM: three calls pass, the next wait ~20 s for one request to refill.
    const emulator = await start({ requestsPerMinute: 3, sliceMs: 0 });
    const genai = client(emulator);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => genai.models.generateContent(params())));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(errors).toHaveLength(2);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(429);
      const body = errorBody(error);
      expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
      expect(body.error.message).toContain('Please retry in');
      const retryInfo = body.error.details?.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo');
      expect(retryInfo?.retryDelay).toMatch(/^\d+(\.\d{3})?s$/);
      const quotaFailure = body.error.details?.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.QuotaFailure');
      expect(quotaFailure).toMatchObject({ violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel', quotaValue: '3' }] });
      // The library's own reader finds the wait in the SDK's message.
      const hint = serverWaitHint(undefined, (error as Error).message, Date.now());
      expect(hint?.source).toBe('retry-info');
      expect(hint!.ms).toBeGreaterThan(10_000);
      expect(hint!.ms).toBeLessThanOrEqual(20_000);
    }
    const stream = await genai.models.generateContentStream(params()).catch((e: unknown) => e);
    expect(stream).toBeInstanceOf(ApiError);
    expect((stream as ApiError).status).toBe(429);
    expect(emulator.counters()).toMatchObject({ requests: 6, succeeded: 3, rateLimited: 3 });
  });

  it('injects 500 INTERNAL and 503 UNAVAILABLE (for overloaded too: Gemini has no 529), and refuses an empty request with 400', async () => {
    const emulator = await start({ faults: { serverError: 1 } });
    const genai = client(emulator);
    const internal = await genai.models.generateContent(params()).catch((e: unknown) => e);
    expect(internal).toBeInstanceOf(ApiError);
    expect((internal as ApiError).status).toBe(500);
    expect(errorBody(internal).error.status).toBe('INTERNAL');
    emulator.setFaults({ overloaded: 1 });
    const overloaded = await genai.models.generateContentStream(params()).catch((e: unknown) => e);
    expect((overloaded as ApiError).status).toBe(503);
    expect(errorBody(overloaded).error).toMatchObject({ status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' });
    emulator.setFaults(undefined);
    // (the SDK itself refuses empty contents, so this one goes raw)
    const bad = await fetch(`${emulator.origin}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
    const notSse = await fetch(`${emulator.origin}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
      method: 'POST',
      body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }] }),
    });
    expect(notSse.status).toBe(400);
    expect(emulator.counters()).toMatchObject({ requests: 4, serverErrors: 2, badRequests: 2 });
  });

  it('surfaces a mid-stream drop and an error chunk (ApiError 503) after the text received', async () => {
    const emulator = await start({ random: longest, streaming: { dropAfterChunks: 2 } });
    const genai = client(emulator);
    const received: string[] = [];
    const dropped = await (async () => {
      for await (const chunk of await genai.models.generateContentStream(params())) received.push(chunk.text ?? '');
    })().catch((e: unknown) => e);
    expect(dropped).toMatchObject({ message: expect.stringMatching(/terminated/) });
    expect(received).toHaveLength(2);

    emulator.setStreaming({ errorAfterChunks: 1 });
    received.length = 0;
    const failed = await (async () => {
      for await (const chunk of await genai.models.generateContentStream(params())) received.push(chunk.text ?? '');
    })().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ApiError);
    expect((failed as ApiError).status).toBe(503);
    expect(received).toHaveLength(1);
    await waitFor(() => emulator.counters().dropped === 1);
    expect(emulator.counters()).toMatchObject({ requests: 2, streams: 2, dropped: 1, serverErrors: 1, succeeded: 0 });
  });

  it('counts a stream the client aborts (config.abortSignal) as aborted', async () => {
    const emulator = await start({ random: longest, streaming: { chunkDelayMs: 30_000 } });
    const controller = new AbortController();
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of await client(emulator).models.generateContentStream(params(controller.signal))) {
        received.push(chunk.text ?? '');
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(received).toHaveLength(1);
    await waitFor(() => emulator.counters().aborted === 1);
    expect(emulator.counters()).toMatchObject({ requests: 1, streams: 1, aborted: 1, succeeded: 0 });
  });
});
