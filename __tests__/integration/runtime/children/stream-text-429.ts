/**
 * A user's program, run by `ai-sdk-result.test.ts` under `node --unhandled-rejections=strict`: three concurrent
 * AI SDK `streamText` calls in a decorated method against the emulator at `EMULATOR_URL`, which refuses two of them
 * with a 429 at first. Prints one JSON line: each call's streamed text and the retries the runtime made. Any
 * unhandled rejection ends the process with exit code 1 before that line.
 */
import 'reflect-metadata';
import { createOpenAI } from '@ai-sdk/openai';
import { streamText } from 'ai';
import { container } from 'tsyringe';
import { AdaptiveRetry, TokenBudget, configureResilience, currentCall, estimateChatTokens, observingFetch } from 'llm-resilience';

const openai = createOpenAI({ baseURL: process.env.EMULATOR_URL, apiKey: 'test', fetch: observingFetch() });
const model = openai('gpt-4o-mini');
const runtime = configureResilience(container);
let retries = 0;
runtime.events.onRetry(() => retries++);

class Writer {
  @AdaptiveRetry({ maxRetries: 5, maxDelayMs: 10_000 })
  @TokenBudget({ key: 'openai:gpt-4o-mini', tokensPerMinute: 200_000, estimate: (prompt: string) => estimateChatTokens({ model, prompt, maxOutputTokens: 8 }) })
  async write(prompt: string) {
    return streamText({ model, prompt, maxOutputTokens: 8, maxRetries: 0, abortSignal: currentCall()?.signal });
  }
}

async function main(): Promise<void> {
  const writer = new Writer();
  const texts = await Promise.all(
    ['one', 'two', 'three'].map(async (prompt) => {
      const result = await writer.write(prompt);
      let text = '';
      for await (const delta of result.textStream) text += delta;
      return text;
    }),
  );
  console.log(JSON.stringify({ texts, retries }));
}

void main();
