/**
 * The article-style retry loop (see the seed article): try the call; on a 429 sleep `base · 2^n + U(0, 0.5 s)`
 * with `n` the retry number (1 for the first retry, as the article increments before computing) and base 1 s,
 * at most 5 retries; any other error is rethrown at once. No limiter, no wait hints, SDK retries off.
 */

import OpenAI from 'openai';
import { WARM_UP_MODEL } from '../workload';
import type { Contender } from './types';

/** Retries `fn` the article's way. */
export async function articleRetry<T>(fn: () => Promise<T>, maxRetries = 5, baseMs = 1000): Promise<T> {
  for (let retries = 0; ; ) {
    try {
      return await fn();
    } catch (error) {
      if ((error as { status?: unknown }).status !== 429) throw error;
      if (retries >= maxRetries) throw new Error(`max retries (${maxRetries}) exceeded for the LLM endpoint`, { cause: error });
      retries++;
      const waitMs = baseMs * 2 ** retries + Math.random() * 500;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/** The contender. */
export function articleLoop(): Contender {
  return {
    name: 'article-style 2^n retry loop (5)',
    async prepare(baseURL) {
      const client = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 0 });
      await client.chat.completions.create({ model: WARM_UP_MODEL, messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1 });
      return { call: (req) => articleRetry(() => client.chat.completions.create(req)) };
    },
  };
}
