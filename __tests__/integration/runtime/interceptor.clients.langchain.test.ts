/**
 * LangChain's `ChatOpenAI` (`@langchain/openai` 1.5, `maxRetries: 0`) in decorated methods against the emulator over
 * HTTP, without streams (those are in `streams/readable-stream.test.ts`): `.invoke`'s `usage_metadata` settled, a
 * 429 retried after the server's wait, LangChain's `TimeoutError` retried, and the limits learned through
 * `observingFetch` given as `configuration.fetch`.
 */
import { ChatOpenAI } from '@langchain/openai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AdaptiveRetry, RateLimited, TokenBudget, currentCall, estimateChatTokens, observingFetch } from '../../../index';
import type { EmulatorHandle } from '../../../src/testing/emulator';
import { configureRecorded, emulators, longest, recordingFetch, retryGaps, viewOf } from './clients-support';

const start = emulators();
const run = promisify(execFile);
const root = join(__dirname, '../../..');
type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
const KEY = 'openai:gpt-4o-mini';
const QUESTION = 'What is the capital of France?';

function chatModel(emulator: EmulatorHandle, options: { fetch?: Fetch; useResponsesApi?: boolean } = {}): ChatOpenAI {
  return new ChatOpenAI({
    model: 'gpt-4o-mini',
    apiKey: 'test',
    configuration: { baseURL: emulator.url, fetch: options.fetch },
    maxRetries: 0,
    maxTokens: 12,
    useResponsesApi: options.useResponsesApi ?? false,
  });
}

/** A service as a user writes it; the limits given, or (undefined) learned from the headers. */
function service(model: ChatOpenAI, limits: { requestsPerMinute?: number; tokensPerMinute?: number } = {}) {
  class Chat {
    @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 20, maxDelayMs: 10_000 })
    @RateLimited({ key: KEY, requestsPerMinute: limits.requestsPerMinute })
    @TokenBudget({ key: KEY, tokensPerMinute: limits.tokensPerMinute, estimate: (prompt: string) => estimateChatTokens({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], max_tokens: model.maxTokens }) })
    async ask(prompt: string) {
      return model.invoke(prompt, { signal: currentCall()?.signal });
    }
  }
  return new Chat();
}

const LIMITS = { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 };

describe.each([
  { name: 'chat completions', useResponsesApi: false },
  { name: 'the Responses API', useResponsesApi: true },
])('LangChain ChatOpenAI.invoke ($name) in a decorated method', ({ useResponsesApi }) => {
  it('usage_metadata is settled', async () => {
    const emulator = await start({ random: longest, countTokens: undefined });
    const recorded = configureRecorded();
    const message = await service(chatModel(emulator, { useResponsesApi }), LIMITS).ask(QUESTION);
    const counters = emulator.counters();
    expect(message.usage_metadata?.total_tokens).toBe(counters.promptTokens + counters.completionTokens);
    expect(recorded.succeeded).toEqual([expect.objectContaining({ actualTokens: message.usage_metadata?.total_tokens })]);
    expect(viewOf(recorded.store, KEY)?.dayUsed).toBe(message.usage_metadata?.total_tokens);
  });

  it('a 429 is retried after the server wait', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const recorded = configureRecorded();
    const { fetch, exchanges } = recordingFetch();
    const chat = service(chatModel(emulator, { fetch, useResponsesApi }), LIMITS);
    for (let i = 0; i < 2; i++) expect((await chat.ask(QUESTION)).text.split(' ')).toHaveLength(12);
    const gaps = retryGaps(exchanges);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].hintMs).toBeGreaterThan(500);
    expect(gaps[0].gapMs).toBeGreaterThanOrEqual(gaps[0].hintMs!);
    expect(recorded.rateLimited).toEqual([expect.objectContaining({ status: 429, key: KEY })]);
    expect(emulator.counters()).toMatchObject({ requests: 3, rateLimited: 1, succeeded: 2 });
  });

  it('no limits configured: learned from the headers through observingFetch (configuration.fetch)', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 500, tokensPerMinute: 90_000 });
    const recorded = configureRecorded();
    await service(chatModel(emulator, { fetch: observingFetch(), useResponsesApi })).ask(QUESTION);
    expect(viewOf(recorded.store, KEY)).toMatchObject({ requestsPerMinute: 500, tokensPerMinute: 90_000 });
  });
});

describe("LangChain's TimeoutError", () => {
  it('is retried: every attempt times out on a slow provider, the call ends after maxRetries with TimeoutError as cause (own process)', async () => {
    // each answer takes 2 s; LangChain's timeout is 150 ms (openai's APIConnectionTimeoutError, renamed TimeoutError)
    const emulator = await start({ random: longest, latencyMs: 2000 });
    const { stdout } = await run(process.execPath, ['-r', './scripts/register.js', '__tests__/integration/runtime/children/langchain-timeout.ts'], {
      cwd: root,
      env: { ...process.env, EMULATOR_URL: emulator.url },
      timeout: 40_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { error: string; attempts: number; reason: string; cause: string; retries: string[] };
    expect(out).toEqual({ error: 'RetryExhaustedError', attempts: 3, reason: 'max-retries', cause: 'TimeoutError', retries: ['network', 'network'] });
    expect(emulator.counters().requests).toBe(3);
  });
});
