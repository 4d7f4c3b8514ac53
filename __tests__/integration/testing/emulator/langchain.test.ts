/**
 * LangChain's `ChatOpenAI` (`@langchain/openai` 1.5) against the emulator, retries off: `.invoke` and `.stream`
 * (`streamUsage: true`) on chat completions and, with `useResponsesApi`, on the Responses API — content,
 * `usage_metadata`, and the 429 it passes through.
 */
import { ChatOpenAI } from '@langchain/openai';
import type { AIMessageChunk } from '@langchain/core/messages';
import OpenAI from 'openai';
import type { EmulatorHandle } from '../../../../src/testing/emulator';
import { emulators, longest, waitFor } from './support';

const start = emulators();
// 'hello' 5 + 3, + 3 = 11 prompt tokens

const variants = [
  { name: 'chat completions', endpoint: 'chat.completions' as const, useResponsesApi: false },
  { name: 'the Responses API', endpoint: 'responses' as const, useResponsesApi: true },
];

function chat(emulator: EmulatorHandle, useResponsesApi: boolean): ChatOpenAI {
  return new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: emulator.url },
    apiKey: 'test',
    maxRetries: 0,
    maxTokens: 6,
    streamUsage: true,
    useResponsesApi,
  });
}

describe.each(variants)('LangChain ChatOpenAI on $name', ({ endpoint, useResponsesApi }) => {
  it('.invoke returns the content and usage_metadata', async () => {
    const emulator = await start({ random: longest });
    const message = await chat(emulator, useResponsesApi).invoke('hello');
    expect(message.text.split(' ')).toHaveLength(6);
    expect(message.usage_metadata).toMatchObject({ input_tokens: 11, output_tokens: 6, total_tokens: 17 });
    expect(emulator.counters().perEndpoint[endpoint]).toMatchObject({ requests: 1, succeeded: 1, streams: 0 });
  });

  it('.stream yields the text chunk by chunk, and the usage', async () => {
    const emulator = await start({ random: longest });
    let text = '';
    let pieces = 0;
    let usage: AIMessageChunk['usage_metadata'];
    for await (const chunk of await chat(emulator, useResponsesApi).stream('hello')) {
      if (chunk.text.length > 0) pieces++;
      text += chunk.text;
      usage = chunk.usage_metadata ?? usage;
    }
    expect(text.split(' ')).toHaveLength(6);
    expect(pieces).toBe(6);
    expect(usage).toMatchObject({ input_tokens: 11, output_tokens: 6, total_tokens: 17 });
    expect(emulator.counters().perEndpoint[endpoint]).toMatchObject({ requests: 1, succeeded: 1, streams: 1 });
  });

  it('passes a 429 through with its status and headers; an aborted stream is counted', async () => {
    const emulator = await start({ requestsPerMinute: 1, sliceMs: 0, random: longest });
    const model = chat(emulator, useResponsesApi);
    await model.invoke('hello');
    const error = await model.invoke('hello').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('x-ratelimit-remaining-requests')).toBe('0');

    const roomy = await start({ random: longest, streaming: { chunkDelayMs: 30_000 } });
    const controller = new AbortController();
    const stream = await chat(roomy, useResponsesApi).stream('hello', { signal: controller.signal });
    await expect(
      (async () => {
        for await (const chunk of stream) if (chunk.text.length > 0) controller.abort();
      })(),
    ).rejects.toThrow(/abort/i);
    await waitFor(() => roomy.counters().aborted === 1);
    expect(roomy.counters()).toMatchObject({ requests: 1, streams: 1, aborted: 1 });
  });
});
