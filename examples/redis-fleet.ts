/** README: a fleet sharing one quota through Redis (run by the test suite with REDIS_URL and the emulator). */
import 'reflect-metadata';
import OpenAI from 'openai';
import { RateLimited, currentCall, observingFetch } from 'llm-resilience';
// #region readme
import { Redis } from 'ioredis';
import { RedisStore, configureResilience } from 'llm-resilience';

const store = new RedisStore({ client: new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379') });
configureResilience({
  policies: { 'openai:gpt-4o-mini': { requestsPerMinute: 500, tokensPerMinute: 200_000 } },
  store,
});
// #endregion readme

// observingFetch: the limits also read the rate-limit headers of successes (the cold start, refunds)
const client = new OpenAI({ maxRetries: 0, fetch: observingFetch() });

class Chat {
  @RateLimited({ key: 'openai:gpt-4o-mini' })
  async ask(question: string) {
    return client.chat.completions.create({ model: 'gpt-4o-mini', max_completion_tokens: 20, messages: [{ role: 'user', content: question }] }, { signal: currentCall()?.signal });
  }
}

async function main(): Promise<void> {
  const answers = await Promise.all([1, 2, 3].map((n) => new Chat().ask(`Question ${n}?`)));
  console.log(JSON.stringify({ completed: answers.length }));
  await store.close(); // stops the store's heartbeat and leaves the fleet's count
  process.exit(0); // the Redis connection would keep the process alive
}

void main();
