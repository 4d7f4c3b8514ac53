/**
 * The Vercel AI SDK's `streamText()` / `streamObject()` results returned by decorated methods (`ai` 6 with
 * `@ai-sdk/openai` and `@ai-sdk/anthropic`), against the emulator over HTTP, the SDK's own retries off: a 429
 * before any text is retried after the server's wait and every call streams its text, with no unhandled rejection
 * (one run in a child process under `--unhandled-rejections=strict`); usage is settled from the finish part; the
 * caller's abort reaches the request; a drop after the text is never re-sent.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, jsonSchema, streamObject, streamText, type LanguageModel } from 'ai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AdaptiveRetry, TokenBudget, currentCall, estimateChatTokens, observingFetch } from '../../../../index';
import type { EmulatorHandle } from '../../../../src/testing/emulator';
import { configureRecorded, emulators, longest, recordingFetch, retryGaps, viewOf, waitFor } from '../clients-support';

const run = promisify(execFile);
const root = join(__dirname, '../../../..');
const start = emulators();

const models: ReadonlyArray<{ name: string; model: (e: EmulatorHandle, fetch?: typeof globalThis.fetch) => LanguageModel }> = [
  { name: 'createOpenAI (Responses API)', model: (e, fetch) => createOpenAI({ baseURL: e.url, apiKey: 'test', fetch })('gpt-4o-mini') },
  { name: 'createOpenAI().chat', model: (e, fetch) => createOpenAI({ baseURL: e.url, apiKey: 'test', fetch }).chat('gpt-4o-mini') },
  { name: 'createAnthropic', model: (e, fetch) => createAnthropic({ baseURL: e.url, apiKey: 'test', fetch })('claude-emulator-1') },
];

// system 'be brief' 8 + 3, prompt 'hello' 5 + 3, + 3 = 22 prompt tokens; 6 output
interface Ask {
  readonly prompt: string;
  readonly system?: string;
  readonly maxOutputTokens: number;
}
const ask: Ask = { system: 'be brief', prompt: 'hello', maxOutputTokens: 6 };

/** A writer service as a user writes it: `streamText` returned from the decorated method, SDK retries off. */
function writer(model: LanguageModel, retry = {}) {
  class Writer {
    @AdaptiveRetry({ maxRetries: 5, baseDelayMs: 20, maxDelayMs: 10_000, ...retry })
    @TokenBudget({ key: 'ai', tokensPerMinute: 600_000, estimate: (req: Ask) => estimateChatTokens({ ...req, model }) })
    async write(req: Ask, _options?: { signal?: AbortSignal }) {
      // onError: the SDK logs every error part with console.error by default, the 429s the runtime retries included
      return streamText({ model, ...req, maxRetries: 0, abortSignal: currentCall()?.signal, onError: () => undefined });
    }
  }
  return new Writer();
}

/** Reads a result's text stream to its end: the text, and what it threw. */
async function readText(result: { readonly textStream: AsyncIterable<string> }): Promise<{ text: string; thrown: unknown }> {
  let text = '';
  try {
    for await (const delta of result.textStream) text += delta;
  } catch (error) {
    return { text, thrown: error };
  }
  return { text, thrown: undefined };
}

describe.each(models)('AI SDK streamText with $name in a decorated method', ({ model }) => {
  it('a 429 before any text is retried after the server wait; every call streams its whole text; usage settled', async () => {
    // 60 RPM in 1-second slices: of three concurrent calls, two are refused at first
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const recorded = configureRecorded();
    const service = writer(model(emulator));
    const results = await Promise.all([1, 2, 3].map(async () => readText(await service.write(ask))));
    for (const { text, thrown } of results) {
      expect(thrown).toBeUndefined();
      expect(text.split(' ')).toHaveLength(6);
    }
    const counters = emulator.counters();
    expect(counters.rateLimited).toBeGreaterThanOrEqual(1); // 2 when the three arrive within the second (the count at the quota's edge is not asserted)
    expect(recorded.rateLimited.length).toBe(counters.rateLimited);
    for (const e of recorded.rateLimited) expect(e.retryAfterMs).toBeGreaterThan(0);
    expect(counters).toMatchObject({ succeeded: 3, streams: 3, requests: 3 + counters.rateLimited });
    expect(recorded.streamEnds.map((e) => [e.outcome, e.actualTokens])).toEqual([
      ['completed', 28],
      ['completed', 28],
      ['completed', 28],
    ]);
    expect(viewOf(recorded.store, 'ai')?.dayUsed).toBe(3 * 28);
  });

  it("the caller's abort 150 ms into an open stream stops it within milliseconds, with and without attemptTimeoutMs", async () => {
    const emulator = await start({ random: longest, streaming: { chunkDelayMs: 40 } });
    const recorded = configureRecorded();
    for (const retry of [{}, { attemptTimeoutMs: 60_000 }]) {
      const controller = new AbortController();
      const result = await writer(model(emulator), retry).write({ ...ask, maxOutputTokens: 100 }, { signal: controller.signal });
      let abortedAt = 0;
      const timer = setTimeout(() => {
        abortedAt = performance.now();
        controller.abort(new Error('the user left'));
      }, 150);
      const { text } = await readText(result);
      clearTimeout(timer);
      expect(abortedAt).toBeGreaterThan(0);
      expect(performance.now() - abortedAt).toBeLessThan(500); // the answer had ~3.8 s to run
      expect(text.split(' ').length).toBeLessThan(50);
    }
    await waitFor(() => emulator.counters().aborted === 2);
    expect(emulator.counters()).toMatchObject({ requests: 2, aborted: 2, succeeded: 0 });
    expect(recorded.streamEnds.map((e) => e.outcome)).toEqual(['aborted', 'aborted']);
  });

  it('a drop after the text reached the caller is never re-sent; the estimate stays charged', async () => {
    const emulator = await start({ random: longest, streaming: { dropAfterChunks: 2 } });
    const recorded = configureRecorded();
    const result = await writer(model(emulator)).write(ask);
    const { text, thrown } = await readText(result);
    expect(text.split(' ')).toHaveLength(2);
    // the caller reads the SDK's own stream: the SDK's error (an APICallError caused by fetch's "terminated")
    expect(APICallError.isInstance(thrown)).toBe(true);
    await waitFor(() => recorded.streamEnds.length === 1);
    expect(recorded.streamEnds).toEqual([expect.objectContaining({ outcome: 'interrupted', actualTokens: undefined })]);
    expect(recorded.retries).toEqual([]);
    expect(emulator.counters()).toMatchObject({ requests: 1, dropped: 1 });
    expect(viewOf(recorded.store, 'ai')?.dayUsed).toBe(estimateChatTokens({ ...ask, model: model(emulator) }));
  });
});

describe('AI SDK streamText: no unhandled rejection, exit 0', () => {
  it('three concurrent streamText calls answered with 429s, in a child process under --unhandled-rejections=strict', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const { stdout } = await run(process.execPath, ['--unhandled-rejections=strict', '-r', './scripts/register.js', '__tests__/integration/runtime/children/stream-text-429.ts'], {
      cwd: root,
      env: { ...process.env, EMULATOR_URL: emulator.url },
      timeout: 40_000,
    }); // rejects (exit code 1) on any unhandled rejection
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { texts: string[]; retries: number };
    expect(out.texts).toHaveLength(3);
    // prompts 'one', 'two', 'three' with 8 output tokens each: every text is whole
    for (const text of out.texts) expect(text.split(' ')).toHaveLength(8);
    const counters = emulator.counters();
    expect(counters.rateLimited).toBeGreaterThanOrEqual(1); // 2 when the three arrive within the second (the count at the quota's edge is not asserted)
    expect(out.retries).toBe(counters.rateLimited);
    expect(counters).toMatchObject({ succeeded: 3, streams: 3 });
  });
});

describe('AI SDK streamText: the wait the server asked for, and headers learned through observingFetch', () => {
  it('the retry comes after the 429 retry-after-ms; the limits are learned from the stream responses', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000, tokensPerMinute: 90_000 });
    const recorded = configureRecorded();
    const { fetch, exchanges } = recordingFetch();
    const model = createOpenAI({ baseURL: emulator.url, apiKey: 'test', fetch: observingFetch(fetch) })('gpt-4o-mini');
    class Writer {
      // no limits configured: learned from the response headers
      @AdaptiveRetry({ maxRetries: 3, maxDelayMs: 10_000 })
      @TokenBudget({ key: 'learned', estimate: (req: Ask) => estimateChatTokens({ ...req, model }) })
      async write(req: Ask) {
        return streamText({ model, ...req, maxRetries: 0, abortSignal: currentCall()?.signal, onError: () => undefined });
      }
    }
    const service = new Writer();
    for (let i = 0; i < 2; i++) expect((await readText(await service.write(ask))).text.split(' ')).toHaveLength(6);
    const gaps = retryGaps(exchanges);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].hintMs).toBeGreaterThan(0);
    expect(gaps[0].gapMs).toBeGreaterThanOrEqual(gaps[0].hintMs!);
    expect(recorded.rateLimited).toHaveLength(1);
    expect(viewOf(recorded.store, 'learned')?.tokensPerMinute).toBe(90_000);
  });
});

describe('AI SDK streamObject in a decorated method', () => {
  it('a 429 before any content is retried; the caller reads the result once, whole; usage is settled; the object promise nobody read raises nothing', async () => {
    // streamObject's streams all read one underlying stream (no tee): the runtime must leave the caller a whole one.
    // The emulator's text is not JSON, so the object fails validation and result.object (never read) rejects.
    const emulator = await start({ random: longest, requestsPerMinute: 60, sliceMs: 1000 });
    const recorded = configureRecorded();
    const model = createOpenAI({ baseURL: emulator.url, apiKey: 'test' }).chat('gpt-4o-mini');
    const schema = jsonSchema<{ answer: string }>({ type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] });
    class Extractor {
      @AdaptiveRetry({ maxRetries: 3, maxDelayMs: 10_000 })
      @TokenBudget({ key: 'ai', tokensPerMinute: 600_000, estimate: (req: Ask) => estimateChatTokens({ ...req, model }) })
      async extract(req: Ask) {
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated in ai 6 for streamText with output, still shipped and used
        return streamObject({ model, schema, ...req, maxRetries: 0, abortSignal: currentCall()?.signal, onError: () => undefined });
      }
    }
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const extractor = new Extractor();
      const results = await Promise.all([1, 2].map(async () => readText(await extractor.extract(ask))));
      for (const { text, thrown } of results) {
        expect(thrown).toBeUndefined();
        expect(text.split(' ')).toHaveLength(6);
      }
      const counters = emulator.counters();
      expect(counters.rateLimited).toBeGreaterThanOrEqual(1); // 1 when the two arrive within the second
      expect(recorded.rateLimited).toHaveLength(counters.rateLimited);
      expect(counters).toMatchObject({ requests: 2 + counters.rateLimited, succeeded: 2 });
      await waitFor(() => recorded.streamEnds.length === 2);
      expect(recorded.streamEnds.map((e) => [e.outcome, e.actualTokens])).toEqual([
        ['completed', 28],
        ['completed', 28],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
