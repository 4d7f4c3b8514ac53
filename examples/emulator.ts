/** README: testing a pipeline against the provider emulator (run by the test suite). */
// #region readme
import OpenAI from 'openai';
import { startEmulator } from 'llm-resilience/testing';

export async function runAgainstEmulator(): Promise<void> {
  const emulator = await startEmulator({
    requestsPerMinute: 500,
    tokensPerMinute: 30_000,
    streaming: { firstChunkDelayMs: 200, chunkDelayMs: 20 }, // a slow stream: time to first token, then a delta every 20 ms
  });
  const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    max_completion_tokens: 20,
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) process.stdout.write(chunk.choices.at(0)?.delta.content ?? '');
  process.stdout.write('\n');
  console.log(emulator.counters()); // { requests: 1, succeeded: 1, streams: 1, rateLimited: 0, ..., perEndpoint }
  await emulator.close();
}
// #endregion readme

void runAgainstEmulator();
