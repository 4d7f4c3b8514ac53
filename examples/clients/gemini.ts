/**
 * README (Clients and streams): @google/genai's `generateContentStream` in a decorated method. Run by the examples
 * test against the emulator (GOOGLE_GEMINI_BASE_URL, GEMINI_API_KEY): three concurrent streams; prints one JSON line.
 */
import { configureResilience } from 'llm-resilience';
// #region readme
import { GoogleGenAI, type GenerateContentParameters } from '@google/genai';
import { AdaptiveRetry, RateLimited, TokenBudget, currentCall, estimateChatTokens } from 'llm-resilience';

const ai = new GoogleGenAI({}); // GEMINI_API_KEY; retries off (its default)

class Gemini {
  @AdaptiveRetry({ firstChunkTimeoutMs: 15_000, idleTimeoutMs: 30_000 })
  @RateLimited({ key: 'gemini:2.5-flash', requestsPerMinute: 1000 }) // Gemini sends no rate-limit headers: set your tier's limits
  @TokenBudget({ key: 'gemini:2.5-flash', tokensPerMinute: 1_000_000, estimate: (req: GenerateContentParameters) => estimateChatTokens(req) })
  async stream(req: GenerateContentParameters) {
    const signal = currentCall()?.signal;
    return ai.models.generateContentStream({ ...req, config: { ...req.config, ...(signal && { abortSignal: signal }) } });
  }
}
// #endregion readme

async function main(): Promise<void> {
  const runtime = configureResilience();
  const ends: Array<{ outcome: string; actualTokens: number | undefined }> = [];
  runtime.events.onStreamEnd((e) => ends.push(e));
  const gemini = new Gemini();
  const texts = await Promise.all(
    ['Paris', 'Rome', 'Oslo'].map(async (city) => {
      let text = '';
      for await (const chunk of await gemini.stream({ model: 'gemini-2.5-flash', contents: `Describe ${city}.`, config: { maxOutputTokens: 30 } })) text += chunk.text ?? '';
      return text;
    }),
  );
  console.log(JSON.stringify({ streamed: texts.filter((t) => t.length > 0).length, completed: ends.filter((e) => e.outcome === 'completed').length, usageSettled: ends.filter((e) => e.actualTokens !== undefined).length }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
