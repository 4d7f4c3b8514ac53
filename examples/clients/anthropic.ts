/**
 * README (Clients and streams): @anthropic-ai/sdk's `messages.stream()` in a decorated method. Run by the examples
 * test against the emulator (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY): three concurrent streams; prints one JSON line.
 */
import { configureResilience } from 'llm-resilience';
/* eslint-disable @typescript-eslint/require-await -- a decorated method is async (the runtime returns a promise); this client returns its stream object at once */
// #region readme
import Anthropic from '@anthropic-ai/sdk';
import { AdaptiveRetry, TokenBudget, currentCall, estimateChatTokens, observingFetch } from 'llm-resilience';

const anthropic = new Anthropic({ maxRetries: 0, fetch: observingFetch() });

class Claude {
  @AdaptiveRetry({ firstChunkTimeoutMs: 15_000, idleTimeoutMs: 30_000 })
  @TokenBudget({ key: 'anthropic:claude-sonnet', estimate: (req: Anthropic.MessageStreamParams) => estimateChatTokens(req) })
  async stream(req: Anthropic.MessageStreamParams) {
    return anthropic.messages.stream(req, { signal: currentCall()?.signal });
  }
}
// #endregion readme
/* eslint-enable @typescript-eslint/require-await */

async function main(): Promise<void> {
  const runtime = configureResilience();
  const ends: Array<{ outcome: string; actualTokens: number | undefined }> = [];
  runtime.events.onStreamEnd((e) => ends.push(e));
  const claude = new Claude();
  const texts = await Promise.all(
    ['Paris', 'Rome', 'Oslo'].map(async (city) => {
      const stream = await claude.stream({ model: 'claude-sonnet-4-5', max_tokens: 30, messages: [{ role: 'user', content: `Describe ${city}.` }] });
      let text = '';
      stream.on('text', (delta) => (text += delta));
      await stream.done();
      return text;
    }),
  );
  console.log(JSON.stringify({ streamed: texts.filter((t) => t.length > 0).length, completed: ends.filter((e) => e.outcome === 'completed').length, usageSettled: ends.filter((e) => e.actualTokens !== undefined).length }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
