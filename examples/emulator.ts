/** README: testing a pipeline against the provider emulator (run by the test suite). */
// #region readme
import OpenAI from 'openai';
import { startEmulator } from 'llm-resilience/testing';

export async function runAgainstEmulator(): Promise<void> {
  const emulator = await startEmulator({ requestsPerMinute: 500, tokensPerMinute: 30_000 });
  const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
  await client.chat.completions.create({ model: 'gpt-4o-mini', max_completion_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
  console.log(emulator.counters()); // { requests, succeeded, rateLimited, serverErrors, dropped, ... }
  await emulator.close();
}
// #endregion readme

void runAgainstEmulator();
