/**
 * A user's program, run by `interceptor.clients.langchain.test.ts` in its own process (jest's sandbox turns the
 * openai client's timeout into a plain connection error: the abort error comes from another realm). A decorated
 * `ChatOpenAI.invoke` with a 150 ms `timeout` against the emulator at `EMULATOR_URL`, which answers after 2 s.
 * Prints one JSON line: what the call threw, its cause, and the runtime's retries.
 */
import 'reflect-metadata';
import { ChatOpenAI } from '@langchain/openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, RetryExhaustedError, configureResilience, currentCall } from 'llm-resilience';

const model = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'test', configuration: { baseURL: process.env.EMULATOR_URL }, maxRetries: 0, maxTokens: 12, timeout: 150 });
const runtime = configureResilience(container);
const retries: string[] = [];
runtime.events.onRetry((e) => retries.push(e.reason));

class Chat {
  @AdaptiveRetry({ maxRetries: 2, baseDelayMs: 20 })
  async ask(prompt: string) {
    return model.invoke(prompt, { signal: currentCall()?.signal });
  }
}

async function main(): Promise<void> {
  const error = await new Chat().ask('What is the capital of France?').catch((e: unknown) => e);
  const cause = error instanceof RetryExhaustedError ? error.cause : undefined;
  console.log(
    JSON.stringify({
      error: error instanceof Error ? error.name : typeof error,
      attempts: error instanceof RetryExhaustedError ? error.attempts : undefined,
      reason: error instanceof RetryExhaustedError ? error.reason : undefined,
      cause: cause instanceof Error ? cause.name : typeof cause,
      retries,
    }),
  );
}

void main();
