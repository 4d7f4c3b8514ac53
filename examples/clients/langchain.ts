/**
 * README (Clients and streams): LangChain's `ChatOpenAI.stream()` in a decorated method. Run by the examples test
 * against the emulator (OPENAI_BASE_URL, OPENAI_API_KEY): three concurrent streams; prints one JSON line.
 */
import { configureResilience } from 'llm-resilience';
// #region readme
import { ChatOpenAI } from '@langchain/openai';
import { AdaptiveRetry, TokenBudget, currentCall, estimateChatTokens, observingFetch } from 'llm-resilience';

const chatModel = new ChatOpenAI({ model: 'gpt-4o-mini', maxTokens: 300, maxRetries: 0, streamUsage: true, configuration: { fetch: observingFetch() } });

class Chat {
  @AdaptiveRetry({ firstChunkTimeoutMs: 15_000, idleTimeoutMs: 30_000 })
  @TokenBudget({ key: 'openai:gpt-4o-mini', estimate: (prompt: string) => estimateChatTokens({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], max_tokens: 300 }) })
  async stream(prompt: string) {
    const signal = currentCall()?.signal;
    return chatModel.stream(prompt, { ...(signal && { signal }) });
  }
}
// #endregion readme

async function main(): Promise<void> {
  const runtime = configureResilience();
  const ends: Array<{ outcome: string; actualTokens: number | undefined }> = [];
  runtime.events.onStreamEnd((e) => ends.push(e));
  const chat = new Chat();
  const texts = await Promise.all(
    ['Paris', 'Rome', 'Oslo'].map(async (city) => {
      let text = '';
      for await (const chunk of await chat.stream(`Describe ${city}.`)) text += chunk.text;
      return text;
    }),
  );
  console.log(JSON.stringify({ streamed: texts.filter((t) => t.length > 0).length, completed: ends.filter((e) => e.outcome === 'completed').length, usageSettled: ends.filter((e) => e.actualTokens !== undefined).length }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
