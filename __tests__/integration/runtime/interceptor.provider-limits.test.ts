/**
 * A policy written for a higher tier than the account has (6,000 RPM configured, the provider allows 600), through
 * the real openai SDK against the emulator: the provider's limit, reported on every response, is used instead, so
 * the batch completes instead of losing calls to a 429 storm.
 */
import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimited, configureResilience, currentCall, observingFetch, type ProviderLimitEvent } from '../../../index';
import { startEmulator, type EmulatorHandle } from '../../../src/testing';

let emulator: EmulatorHandle;
beforeAll(async () => {
  emulator = await startEmulator({ requestsPerMinute: 600, tokensPerMinute: 1_000_000, sliceMs: 1000 });
});
afterAll(async () => {
  await emulator.close();
  configureResilience(container);
});

it('30 calls under a policy ten times the provider limit all complete, at the limit the provider reports', async () => {
  const runtime = configureResilience(container, { policies: { 'openai:gpt-4o-mini': { requestsPerMinute: 6000 } } });
  const lowered: ProviderLimitEvent[] = [];
  runtime.events.onProviderLimit((e) => lowered.push(e));
  const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0, fetch: observingFetch() });
  class Chat {
    @AdaptiveRetry({ maxRetries: 5, baseDelayMs: 200 })
    @RateLimited('openai:gpt-4o-mini')
    async ask(question: string) {
      return client.chat.completions.create(
        { model: 'gpt-4o-mini', max_completion_tokens: 5, messages: [{ role: 'user', content: question }] },
        { signal: currentCall()?.signal },
      );
    }
  }
  const chat = new Chat();
  const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => chat.ask(`question ${i}`)));
  expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
  expect(emulator.counters().succeeded).toBe(30);
  expect(lowered).toEqual([{ key: 'openai:gpt-4o-mini', resource: 'requests', configured: 6000, inForce: 600 }]);
}, 60_000);
