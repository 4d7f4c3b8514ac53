/**
 * This toolkit: a decorated service class (all three decorators) resolved through `configureResilience`,
 * the SDK's own retries off (`maxRetries: 0`) and `observingFetch()` so success headers are read too.
 * `configured`: limits from a named policy; `learned`: no limits anywhere, learned from the provider's headers.
 */

import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimited, TokenBudget } from '../../decorators';
import { configureResilience, currentCall, estimateChatTokens, observingFetch, type LimiterStore } from '../../src';
import { WARM_UP_MODEL, tickets, type ChatRequest, type Quota } from '../workload';
import type { Contender } from './types';

/** A service whose `summarize` carries all three decorators, calling `client`. */
export function summarizerFor(client: OpenAI): { summarize(req: ChatRequest): Promise<unknown> } {
  class Summarizer {
    @AdaptiveRetry({ maxRetries: 5 })
    @RateLimited({ key: (req: ChatRequest) => `openai:${req.model}` })
    @TokenBudget({ key: (req: ChatRequest) => `openai:${req.model}`, estimate: (req: ChatRequest) => estimateChatTokens(req) })
    async summarize(req: ChatRequest): Promise<unknown> {
      return client.chat.completions.create(req, { signal: currentCall()?.signal });
    }
  }
  return new Summarizer();
}

/**
 * Registers the runtime in tsyringe's root container (a fresh in-memory store unless `store` is given).
 * @param quota - the named policy `openai:<model>` gets these limits; omitted: nothing configured (learned).
 */
export function configureFor(model: string, quota: Quota | undefined, store?: LimiterStore): void {
  configureResilience(container, {
    policies: quota === undefined ? {} : { [`openai:${model}`]: { ...quota } },
    ...(store === undefined ? {} : { store }),
  });
}

/**
 * Loads what the first call would otherwise load inside the measured batch: the SDK (a request on the warm-up
 * model, which also loads the emulator's tokenizer) and our tokenizer (`estimateChatTokens` loads its BPE ranks
 * on first use).
 */
export async function warmUp(client: OpenAI): Promise<void> {
  estimateChatTokens(tickets(1)[0]);
  await client.chat.completions.create({ model: WARM_UP_MODEL, messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1 });
}

/** The contender. */
export function llmResilience(mode: 'configured' | 'learned', quota: Quota, model: string): Contender {
  return {
    name: mode === 'configured' ? 'llm-resilience (named policy)' : 'llm-resilience (learned from headers)',
    async prepare(baseURL) {
      configureFor(model, mode === 'configured' ? quota : undefined);
      const client = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 0, fetch: observingFetch() });
      await warmUp(client);
      const service = summarizerFor(client);
      return { call: (req) => service.summarize(req) };
    },
  };
}
