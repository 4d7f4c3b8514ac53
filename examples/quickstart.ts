/**
 * The README's quick start, verbatim between the region markers, and runnable as written: `npx tsx quickstart.ts`
 * (or compile it with tsc). Without OPENAI_API_KEY it calls the emulator bundled in `llm-resilience/testing`; with
 * it, the real API (30 short gpt-4o-mini calls). CI compiles and runs it in fresh apps installed from the packed
 * tarball (scripts/consumer-apps.js): the README's quick-start commands followed as written (latest TypeScript, and
 * TypeScript 5.9), each README tsconfig in a CommonJS and an ES module app, CommonJS with node10 resolution, tsx,
 * and the lowest peers.
 */
// #region readme
import OpenAI from 'openai';
import { AdaptiveRetry, RateLimited, TokenBudget, configureResilience, currentCall, estimateChatTokens, observingFetch } from 'llm-resilience';
import { startEmulator } from 'llm-resilience/testing';

type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
const modelKey = (req: ChatRequest) => `openai:${req.model}`;

class Summarizer {
  constructor(private readonly client: OpenAI) {}

  @AdaptiveRetry({ maxRetries: 5 })
  @RateLimited({ key: modelKey })
  @TokenBudget({ key: modelKey, estimate: (req: ChatRequest) => estimateChatTokens(req) })
  async summarize(req: ChatRequest) {
    // pass the call's signal: it aborts on the caller's cancel and on attemptTimeoutMs
    return this.client.chat.completions.create(req, { signal: currentCall()?.signal });
  }
}

async function main() {
  // No key: an emulator of the API on localhost, with a quota this batch exceeds (bundled, for trying things out).
  const emulator = process.env.OPENAI_API_KEY ? undefined : await startEmulator({ requestsPerMinute: 600, tokensPerMinute: 20_000 });
  configureResilience({ policies: { 'openai:gpt-4o-mini': { requestsPerMinute: 600, tokensPerMinute: 20_000 } } });
  const client = new OpenAI({
    maxRetries: 0, // one retry loop (ours)
    fetch: observingFetch(), // the runtime sees every response's rate-limit headers
    ...(emulator && { apiKey: 'emulator', baseURL: emulator.url }),
  });
  const summarizer = new Summarizer(client);
  const tickets = Array.from({ length: 30 }, (_, i) => `Ticket ${i + 1}: the weekly invoice export arrives a day late.`);
  const started = Date.now();
  const replies = await Promise.all(
    tickets.map((ticket) =>
      summarizer.summarize({ model: 'gpt-4o-mini', max_completion_tokens: 40, messages: [{ role: 'user', content: `Summarise: ${ticket}` }] }),
    ),
  );
  console.log(`${replies.length} summaries in ${((Date.now() - started) / 1000).toFixed(1)} s; the first: ${replies[0]?.choices[0]?.message.content?.slice(0, 60) ?? ''}`);
  await emulator?.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
// #endregion readme
