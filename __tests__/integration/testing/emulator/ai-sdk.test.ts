/**
 * The Vercel AI SDK (`ai` 6) against the emulator, retries off (`maxRetries: 0`): `createOpenAI` (whose default
 * model uses the Responses API, and `.chat()` chat completions) and `createAnthropic`, with `generateText` and
 * `streamText` — text, usage, and the 429s and 5xx the SDK turns into `APICallError`s.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, streamText, type LanguageModel } from 'ai';
import type { EmulatorHandle } from '../../../../src/testing/emulator';
import { emulators, longest, waitFor } from './support';

const start = emulators();
// system 'be brief' 8 + 3, prompt 'hello' 5 + 3, + 3 = 22 prompt tokens
const call = { system: 'be brief', prompt: 'hello', maxOutputTokens: 6, maxRetries: 0 };

const models: ReadonlyArray<{ name: string; endpoint: 'responses' | 'chat.completions' | 'messages'; model: (e: EmulatorHandle) => LanguageModel }> = [
  { name: 'createOpenAI (Responses API)', endpoint: 'responses', model: (e) => createOpenAI({ baseURL: e.url, apiKey: 'test' })('gpt-4o-mini') },
  { name: 'createOpenAI().chat', endpoint: 'chat.completions', model: (e) => createOpenAI({ baseURL: e.url, apiKey: 'test' }).chat('gpt-4o-mini') },
  { name: 'createAnthropic', endpoint: 'messages', model: (e) => createAnthropic({ baseURL: e.url, apiKey: 'test' })('claude-emulator-1') },
];

/** Consumes a streamText result's full stream: text, the error parts, the finish part's usage, what it threw. */
async function consume(result: ReturnType<typeof streamText>) {
  let text = '';
  const errors: unknown[] = [];
  let usage: { inputTokens?: number; outputTokens?: number; totalTokens?: number } | undefined;
  let thrown: unknown;
  try {
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') text += part.text;
      else if (part.type === 'error') errors.push(part.error);
      else if (part.type === 'finish') usage = part.totalUsage;
    }
  } catch (error) {
    thrown = error;
  }
  return { text, errors, usage, thrown };
}

describe.each(models)('AI SDK with $name', ({ endpoint, model }) => {
  it('generateText: text and usage', async () => {
    const emulator = await start({ random: longest });
    const result = await generateText({ model: model(emulator), ...call });
    expect(result.text.split(' ')).toHaveLength(6);
    expect(result.usage).toMatchObject({ inputTokens: 22, outputTokens: 6, totalTokens: 28 });
    expect(emulator.counters().perEndpoint[endpoint]).toMatchObject({ requests: 1, succeeded: 1 });
  });

  it('streamText: the text streams, usage at the end', async () => {
    const emulator = await start({ random: longest });
    const { text, errors, usage, thrown } = await consume(streamText({ model: model(emulator), ...call }));
    expect(errors).toEqual([]);
    expect(thrown).toBeUndefined();
    expect(text.split(' ')).toHaveLength(6);
    expect(usage).toMatchObject({ inputTokens: 22, outputTokens: 6, totalTokens: 28 });
    expect(emulator.counters().perEndpoint[endpoint]).toMatchObject({ requests: 1, succeeded: 1, streams: 1 });
  });

  it('a 429 becomes an APICallError (statusCode 429, retryable, with the response headers); so does a 5xx', async () => {
    const emulator = await start({ requestsPerMinute: 1, sliceMs: 0 });
    await generateText({ model: model(emulator), ...call });
    const error = await generateText({ model: model(emulator), ...call }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    const e = error as APICallError;
    expect(e.statusCode).toBe(429);
    expect(e.isRetryable).toBe(true);
    expect(Number(e.responseHeaders?.['retry-after'])).toBeGreaterThan(0);
    if (endpoint === 'messages') expect(e.responseHeaders?.['anthropic-ratelimit-requests-remaining']).toBe('0');
    else expect(e.responseHeaders?.['x-ratelimit-remaining-requests']).toBe('0');
    // streamText reports it as an error part of the stream.
    const streamed = await consume(streamText({ model: model(emulator), ...call, onError: () => undefined }));
    expect(streamed.text).toBe('');
    expect(streamed.thrown).toBeUndefined();
    expect(streamed.errors).toHaveLength(1);
    expect((streamed.errors[0] as APICallError).statusCode).toBe(429);

    const faulty = await start({ faults: { overloaded: 1 } });
    const overloaded = await generateText({ model: model(faulty), ...call }).catch((e: unknown) => e);
    expect(APICallError.isInstance(overloaded)).toBe(true);
    expect((overloaded as APICallError).statusCode).toBe(529);
    expect((overloaded as APICallError).isRetryable).toBe(true);
  });

  it('a mid-stream drop ends the stream in an APICallError after the text; an abort is counted by the emulator', async () => {
    const emulator = await start({ random: longest, streaming: { dropAfterChunks: 2 } });
    const dropped = await consume(streamText({ model: model(emulator), ...call, onError: () => undefined }));
    expect(dropped.text.split(' ')).toHaveLength(2);
    // The full stream throws it: "Failed to process successful response", caused by fetch's "terminated".
    expect(APICallError.isInstance(dropped.thrown)).toBe(true);
    expect((dropped.thrown as APICallError).cause).toMatchObject({ message: 'terminated' });
    await waitFor(() => emulator.counters().dropped === 1);

    emulator.setStreaming({ chunkDelayMs: 30_000 });
    const controller = new AbortController();
    const result = streamText({ model: model(emulator), ...call, abortSignal: controller.signal, onError: () => undefined });
    let text = '';
    for await (const delta of result.textStream) {
      text += delta;
      controller.abort();
    }
    expect(text.split(' ')).toHaveLength(1);
    await waitFor(() => emulator.counters().aborted === 1);
    expect(emulator.counters()).toMatchObject({ requests: 2, streams: 2, dropped: 1, aborted: 1, succeeded: 0 });
  });
});
