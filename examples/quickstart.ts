/**
 * The README's quick start, runnable: `OPENAI_BASE_URL=<emulator url>/v1 OPENAI_API_KEY=test node -r ./scripts/register.js examples/quickstart.ts`
 * (the test suite runs it against the emulator; with a real key and no base URL it calls OpenAI).
 */
// #region readme
import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimited, TokenBudget, configureResilience, currentCall, estimateChatTokens, observingFetch } from 'llm-resilience';

configureResilience(container, {
  policies: { 'openai:gpt-4o-mini': { requestsPerMinute: 500, tokensPerMinute: 200_000 } },
});

const client = new OpenAI({ maxRetries: 0, fetch: observingFetch() }); // one retry loop (ours); headers seen

type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

class Summarizer {
  @AdaptiveRetry({ maxRetries: 5 })
  @RateLimited({ key: (req: ChatRequest) => `openai:${req.model}` })
  @TokenBudget({ key: (req: ChatRequest) => `openai:${req.model}`, estimate: (req: ChatRequest) => estimateChatTokens(req) })
  async summarize(req: ChatRequest) {
    // pass the call's signal: it aborts on the caller's cancel and on attemptTimeoutMs
    return client.chat.completions.create(req, { signal: currentCall()?.signal });
  }
}
// #endregion readme

async function main(): Promise<void> {
  const summarizer = new Summarizer();
  const answers = await Promise.all(
    [1, 2, 3, 4, 5].map((n) =>
      summarizer.summarize({ model: 'gpt-4o-mini', max_completion_tokens: 30, messages: [{ role: 'user', content: `Summarise ticket ${n}: my export is late.` }] }),
    ),
  );
  console.log(JSON.stringify({ completed: answers.length, first: answers[0]?.choices[0]?.message.content?.slice(0, 40) }));
}

void main();
