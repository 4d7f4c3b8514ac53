/**
 * The Vercel AI SDK (`ai` 6 with `@ai-sdk/openai` and `@ai-sdk/anthropic`) in decorated methods against the
 * emulator over HTTP, without streams (those are in `streams/ai-sdk-result.test.ts`): `generateText`'s usage
 * (`inputTokens` + `outputTokens`) settled, estimates from its call options (`system`, `prompt`, messages with
 * parts, `maxOutputTokens`), a 429 `APICallError` retried after the server's wait, the SDK's own default retries
 * (`maxRetries: 2`) unwrapped from its `RetryError` with a log line saying to turn them off, and the limits learned
 * through `observingFetch`.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, type LanguageModel, type ModelMessage } from 'ai';
import pino from 'pino';
import { AdaptiveRetry, RateLimited, TokenBudget, currentCall, estimateChatTokens, observingFetch } from '../../../index';
import type { EmulatorHandle } from '../../../src/testing/emulator';
import { configureRecorded, emulators, longest, recordingFetch, retryGaps, since, viewOf } from './clients-support';

const start = emulators();
type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const providers: ReadonlyArray<{ name: string; model: (e: EmulatorHandle, fetch?: Fetch) => LanguageModel }> = [
  { name: 'createOpenAI (Responses API)', model: (e, fetch) => createOpenAI({ baseURL: e.url, apiKey: 'test', fetch })('gpt-4o-mini') },
  { name: 'createOpenAI().chat', model: (e, fetch) => createOpenAI({ baseURL: e.url, apiKey: 'test', fetch }).chat('gpt-4o-mini') },
  { name: 'createAnthropic', model: (e, fetch) => createAnthropic({ baseURL: e.url, apiKey: 'test', fetch })('claude-emulator-1') },
];

/** The call options a method takes: what `generateText` is given besides the model. */
interface Ask {
  readonly system?: string;
  readonly prompt?: string;
  readonly messages?: ModelMessage[];
  readonly maxOutputTokens: number;
}
const ask: Ask = { system: 'You answer in one short sentence.', prompt: 'What is the capital of France?', maxOutputTokens: 12 };
const askWithParts: Ask = {
  system: 'You answer in one short sentence.',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'What is the capital of France?' }, { type: 'text', text: 'And of Spain?' }] }],
  maxOutputTokens: 12,
};

/** A service as a user writes it: `generateText` in the decorated method, the SDK's retries off unless given. */
function service(model: LanguageModel, options: { key?: string; tokensPerMinute?: number; requestsPerMinute?: number; sdkRetries?: 'default' } = {}) {
  const key = options.key ?? 'ai';
  class Writer {
    @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 20, maxDelayMs: 10_000 })
    @RateLimited({ key, requestsPerMinute: options.requestsPerMinute })
    @TokenBudget({ key, tokensPerMinute: options.tokensPerMinute, estimate: (req: Ask) => estimateChatTokens({ ...req, model }) })
    async write(req: Ask) {
      // maxRetries: 0 unless the test is about the SDK's own retries (undefined: its default, 2)
      const maxRetries = options.sdkRetries === undefined ? 0 : undefined;
      return req.messages === undefined
        ? generateText({ model, system: req.system, prompt: req.prompt ?? '', maxOutputTokens: req.maxOutputTokens, maxRetries, abortSignal: currentCall()?.signal })
        : generateText({ model, system: req.system, messages: req.messages, maxOutputTokens: req.maxOutputTokens, maxRetries, abortSignal: currentCall()?.signal });
    }
  }
  return new Writer();
}

describe.each(providers)('AI SDK generateText with $name in a decorated method', ({ model }) => {
  it.each([
    { name: 'system + prompt', req: ask },
    { name: 'system + messages with parts', req: askWithParts },
  ])('usage (inputTokens + outputTokens) is settled; the estimate of $name is what the provider charges up front', async ({ req }) => {
    // the emulator counts prompt tokens with the library's tokenizer, as the estimate does
    const emulator = await start({ random: longest, countTokens: undefined });
    const recorded = configureRecorded();
    const result = await service(model(emulator), { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 }).write(req);
    const counters = emulator.counters();
    expect(result.usage.inputTokens! + result.usage.outputTokens!).toBe(counters.promptTokens + counters.completionTokens);
    expect(recorded.succeeded).toEqual([expect.objectContaining({ actualTokens: counters.promptTokens + counters.completionTokens })]);
    expect(viewOf(recorded.store, 'ai')?.dayUsed).toBe(counters.promptTokens + counters.completionTokens);
    const charged = emulator.admissions()[0].tokens; // prompt + maxOutputTokens
    expect(Math.abs(recorded.succeeded[0].estimatedTokens! - charged)).toBeLessThanOrEqual(6);
  });

  it('a 429 APICallError is retried after the server wait', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const recorded = configureRecorded();
    const { fetch, exchanges } = recordingFetch();
    const writer = service(model(emulator, fetch), { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 });
    for (let i = 0; i < 2; i++) expect((await writer.write(ask)).text.split(' ')).toHaveLength(12);
    const gaps = retryGaps(exchanges);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].hintMs).toBeGreaterThan(500);
    expect(gaps[0].gapMs).toBeGreaterThanOrEqual(gaps[0].hintMs!);
    expect(recorded.rateLimited).toEqual([expect.objectContaining({ status: 429 })]);
    expect(emulator.counters()).toMatchObject({ requests: 3, rateLimited: 1, succeeded: 2 });
  });

  it('no limits configured: learned from the headers through observingFetch', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 500, tokensPerMinute: 90_000 });
    const recorded = configureRecorded();
    await service(model(emulator, observingFetch())).write(ask);
    expect(viewOf(recorded.store, 'ai')).toMatchObject({ requestsPerMinute: 500, tokensPerMinute: 90_000 });
  });
});

describe('AI SDK generateText: estimates and the SDK own retries', () => {
  it('four calls at 60,000 TPM go at once: the estimate reads maxOutputTokens, not a 4,096-token default', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 6000, tokensPerMinute: 1_000_000 });
    const recorded = configureRecorded();
    const writer = service(createOpenAI({ baseURL: emulator.url, apiKey: 'test' }).chat('gpt-4o-mini'), { tokensPerMinute: 60_000 });
    const started = performance.now();
    await Promise.all([1, 2, 3, 4].map(() => writer.write(ask)));
    // 13.4 s when every call was charged 4,096 against a 1,000-token burst; ≈ 0.1 s now (generous bound)
    expect(since(started)).toBeLessThan(5000);
    for (const e of recorded.succeeded) expect(e.estimatedTokens).toBeLessThan(60);
  });

  it("the SDK's default maxRetries: 2 — its RetryError is unwrapped, the runtime retries, and a log line says to set it to 0", async () => {
    // three 529s in a row (the SDK's three attempts, 2 s and 4 s apart), then the runtime's own retry succeeds
    const emulator = await start({ random: longest, faults: { overloaded: 1 } });
    const lines: string[] = [];
    const recorded = configureRecorded({ logger: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }) });
    recorded.runtime.events.onSdkRetried(() => emulator.setFaults(undefined));
    const writer = service(createOpenAI({ baseURL: emulator.url, apiKey: 'test' }).chat('gpt-4o-mini'), { sdkRetries: 'default', requestsPerMinute: 6000, tokensPerMinute: 1_000_000 });
    const result = await writer.write(ask);
    expect(result.text.split(' ')).toHaveLength(12);
    expect(recorded.sdkRetried).toEqual([expect.objectContaining({ key: 'ai', wrapper: 'AI_RetryError', attempt: 1 })]);
    // the runtime saw the SDK's last error (a 529), not the wrapper
    expect(recorded.retries).toEqual([expect.objectContaining({ status: 529, attempt: 1 })]);
    expect(emulator.counters()).toMatchObject({ requests: 4, serverErrors: 3, succeeded: 1 });
    const warning = lines.map((line) => JSON.parse(line) as { level: number; msg: string; wrapper?: string }).find((l) => l.wrapper === 'AI_RetryError');
    expect(warning?.level).toBe(40);
    expect(warning?.msg).toMatch(/maxRetries: 0/);
  }, 30_000);
});
