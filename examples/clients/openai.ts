/**
 * README (Clients and streams): the openai SDK's streams in a decorated method. Run by the examples test against
 * the emulator (OPENAI_BASE_URL, OPENAI_API_KEY): three concurrent streams, each read to its end; prints one JSON line.
 */
import { configureResilience } from 'llm-resilience';
// #region readme
import OpenAI from 'openai';
import { AdaptiveRetry, TokenBudget, currentCall, estimateChatTokens, observingFetch } from 'llm-resilience';

type StreamRequest = OpenAI.Chat.ChatCompletionCreateParamsStreaming;
const openai = new OpenAI({ maxRetries: 0, fetch: observingFetch() });

class Chat {
  @AdaptiveRetry({ firstChunkTimeoutMs: 15_000, idleTimeoutMs: 30_000 })
  @TokenBudget({ key: 'openai:gpt-4o-mini', estimate: (req: StreamRequest) => estimateChatTokens(req) })
  async stream(req: StreamRequest) {
    // include_usage: the stream's last chunk carries the usage the runtime settles
    return openai.chat.completions.create({ ...req, stream_options: { include_usage: true } }, { signal: currentCall()?.signal });
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
      const stream = await chat.stream({ model: 'gpt-4o-mini', max_completion_tokens: 30, messages: [{ role: 'user', content: `Describe ${city}.` }], stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices.at(0)?.delta.content ?? '';
      return text;
    }),
  );
  console.log(JSON.stringify({ streamed: texts.filter((t) => t.length > 0).length, completed: ends.filter((e) => e.outcome === 'completed').length, usageSettled: ends.filter((e) => e.actualTokens !== undefined).length }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
