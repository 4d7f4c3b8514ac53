/**
 * README (Clients and streams): the Vercel AI SDK's `streamText` in a decorated method. Run by the examples test
 * against the emulator (OPENAI_BASE_URL, OPENAI_API_KEY): three concurrent streams; prints one JSON line.
 */
import { configureResilience } from 'llm-resilience';
/* eslint-disable @typescript-eslint/require-await -- a decorated method is async (the runtime returns a promise); this client returns its stream object at once */
// #region readme
import { createOpenAI } from '@ai-sdk/openai';
import { streamText } from 'ai';
import { AdaptiveRetry, TokenBudget, currentCall, estimateChatTokens, observingFetch } from 'llm-resilience';

const openai = createOpenAI({ fetch: observingFetch() });
const model = openai('gpt-4o-mini');

class Writer {
  @AdaptiveRetry({ firstChunkTimeoutMs: 15_000, idleTimeoutMs: 30_000 })
  @TokenBudget({ key: 'openai:gpt-4o-mini', estimate: (prompt: string) => estimateChatTokens({ model, prompt, maxOutputTokens: 300 }) })
  async write(prompt: string) {
    // the caller's abort and the timeouts reach the request through the call's signal
    const signal = currentCall()?.signal;
    // maxRetries: 0 leaves the retries to the runtime
    return streamText({ model, prompt, maxOutputTokens: 300, maxRetries: 0, ...(signal && { abortSignal: signal }) });
  }
}
// #endregion readme
/* eslint-enable @typescript-eslint/require-await */

async function main(): Promise<void> {
  const runtime = configureResilience();
  const ends: Array<{ outcome: string; actualTokens: number | undefined }> = [];
  runtime.events.onStreamEnd((e) => ends.push(e));
  const writer = new Writer();
  const texts = await Promise.all(
    ['Paris', 'Rome', 'Oslo'].map(async (city) => {
      const result = await writer.write(`Describe ${city}.`);
      let text = '';
      for await (const delta of result.textStream) text += delta;
      return text;
    }),
  );
  console.log(JSON.stringify({ streamed: texts.filter((t) => t.length > 0).length, completed: ends.filter((e) => e.outcome === 'completed').length, usageSettled: ends.filter((e) => e.actualTokens !== undefined).length }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
