/**
 * @google/genai (`models.generateContent`; the SDK retries nothing unless told to) in decorated methods against the
 * emulator's Gemini endpoint over HTTP, without streams (those are in `streams/async-generator.gemini.test.ts`):
 * `usageMetadata` settled, the estimate from `contents`, `config.systemInstruction` and `config.maxOutputTokens`
 * (a 400,000-character prompt is refused by the budget before anything is sent), a 429 `RESOURCE_EXHAUSTED`
 * retried after its `RetryInfo` delay, and an `ApiError` 400 thrown unchanged after one attempt.
 *
 * `observingFetch` fits `httpOptions.fetch`, but Gemini sends no rate-limit headers: there is nothing to learn,
 * and Gemini limits must be configured.
 */
import { ApiError, GoogleGenAI, type GenerateContentParameters } from '@google/genai';
import { AdaptiveRetry, RateLimited, TokenBudget, TokenBudgetExceededError, currentCall, estimateChatTokens, observingFetch } from '../../../index';
import type { EmulatorHandle } from '../../../src/testing/emulator';
import { configureRecorded, emulators, longest, recordingFetch, retryGaps, viewOf } from './clients-support';

const start = emulators();
type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
const KEY = 'gemini:gemini-2.5-flash';

/** `httpOptions.fetch`: @google/genai's custom fetch (jest's sandbox has no undici global dispatcher for its default). */
const gemini = (emulator: EmulatorHandle, fetch: Fetch = observingFetch()): GoogleGenAI => new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: emulator.origin, fetch } });
const request = (contents = 'What is the capital of France?'): GenerateContentParameters => ({
  model: 'gemini-2.5-flash',
  contents,
  config: { systemInstruction: 'You answer in one short sentence.', maxOutputTokens: 12 },
});

function service(client: GoogleGenAI, limits: { requestsPerMinute: number; tokensPerMinute: number } = { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 }) {
  class Gemini {
    @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 20, maxDelayMs: 10_000 })
    @RateLimited({ key: KEY, requestsPerMinute: limits.requestsPerMinute })
    @TokenBudget({ key: KEY, tokensPerMinute: limits.tokensPerMinute, estimate: (req: GenerateContentParameters) => estimateChatTokens(req) })
    async generate(req: GenerateContentParameters) {
      return client.models.generateContent({ ...req, config: { ...req.config, abortSignal: currentCall()?.signal } });
    }
  }
  return new Gemini();
}

describe('@google/genai generateContent in decorated methods', () => {
  it('usageMetadata is settled; the estimate (contents, systemInstruction, maxOutputTokens) is what the provider charges up front', async () => {
    const emulator = await start({ random: longest, countTokens: undefined });
    const recorded = configureRecorded();
    const response = await service(gemini(emulator)).generate(request());
    const counters = emulator.counters();
    expect(response.usageMetadata?.totalTokenCount).toBe(counters.promptTokens + counters.completionTokens);
    expect(recorded.succeeded).toEqual([expect.objectContaining({ actualTokens: response.usageMetadata?.totalTokenCount })]);
    expect(viewOf(recorded.store, KEY)?.dayUsed).toBe(response.usageMetadata?.totalTokenCount);
    const charged = emulator.admissions()[0].tokens; // prompt + maxOutputTokens
    expect(Math.abs(recorded.succeeded[0].estimatedTokens! - charged)).toBeLessThanOrEqual(4);
  });

  it('a 400,000-character prompt is estimated from its contents: refused by a 50,000 TPM budget before anything is sent', async () => {
    const emulator = await start({ random: longest });
    configureRecorded();
    const error = await service(gemini(emulator), { requestsPerMinute: 6000, tokensPerMinute: 50_000 })
      .generate(request('word '.repeat(80_000)))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenBudgetExceededError);
    expect(emulator.counters().requests).toBe(0);
  });

  it('a 429 RESOURCE_EXHAUSTED is retried after its RetryInfo delay', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const recorded = configureRecorded();
    const { fetch, exchanges } = recordingFetch();
    const client = service(gemini(emulator, observingFetch(fetch)));
    for (let i = 0; i < 2; i++) expect((await client.generate(request())).text?.split(' ')).toHaveLength(12);
    const gaps = retryGaps(exchanges);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].hintMs).toBeGreaterThan(500); // the body's RetryInfo.retryDelay
    expect(gaps[0].gapMs).toBeGreaterThanOrEqual(gaps[0].hintMs!);
    expect(recorded.rateLimited).toEqual([expect.objectContaining({ status: 429, retryAfterMs: Math.ceil(gaps[0].hintMs!) })]);
    expect(emulator.counters()).toMatchObject({ requests: 3, rateLimited: 1, succeeded: 2 });
  });

  it('an ApiError 400 is thrown unchanged after one attempt', async () => {
    const emulator = await start({ random: longest });
    const recorded = configureRecorded();
    const error = await service(gemini(emulator))
      .generate({ ...request(), config: { maxOutputTokens: -1 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect(recorded.retries).toEqual([]);
    expect(emulator.counters()).toMatchObject({ requests: 1, badRequests: 1 });
  });
});
