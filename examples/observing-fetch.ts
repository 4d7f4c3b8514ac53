/** README: provider headers through `observingFetch` (run by the test suite against the emulator). */
import 'reflect-metadata';
import { container } from 'tsyringe';
import { RateLimited, configureResilience, currentCall } from 'llm-resilience';
// #region readme
import OpenAI from 'openai';
import { observingFetch } from 'llm-resilience';
const client = new OpenAI({ maxRetries: 0, fetch: observingFetch() }); // also new Anthropic({ fetch: ... })
// #endregion readme

const runtime = configureResilience(container); // no limits configured: learned from the headers

class Chat {
  @RateLimited({ key: 'openai:gpt-4o-mini' })
  async ask(question: string) {
    return client.chat.completions.create({ model: 'gpt-4o-mini', max_completion_tokens: 20, messages: [{ role: 'user', content: question }] }, { signal: currentCall()?.signal });
  }
}

async function main(): Promise<void> {
  await new Chat().ask('What limit do you enforce?');
  const spec = { key: 'openai:gpt-4o-mini', requestsPerMinute: undefined, requestBurst: 1, tokensPerMinute: undefined, tokenBurst: 0, tokensPerDay: undefined, learnRequests: true, learnTokens: true };
  const view = await runtime.store.view(spec, Date.now());
  console.log(JSON.stringify({ learnedRequestsPerMinute: view?.requestsPerMinute, learnedTokensPerMinute: view?.tokensPerMinute }));
}

void main();
