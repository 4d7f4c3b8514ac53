/**
 * The chat completions endpoint's streams, through the real openai SDK (retries off) and raw HTTP: the frames
 * OpenAI sends, include_usage, pacing, mid-stream drops and error events, client aborts, the quota charge and
 * its refund. (Non-streamed chat answers, quotas and faults: ../emulator.test.ts.)
 */
import OpenAI from 'openai';
import type { EmulatorHandle } from '../../../../src/testing/emulator';
import { seededRandom } from '../../../../src/testing/seeded-random';
import { drain, emulators, longest, postFrames, waitFor, watchTimers } from './support';

const start = emulators();
afterEach(() => jest.restoreAllMocks());
const client = (emulator: EmulatorHandle): OpenAI => new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'hello' }]; // 5 + 3 + 3 = 11 prompt tokens

/** The text of a chunk, as a list of zero or one delta. */
function contentOf(chunk: OpenAI.ChatCompletionChunk): string[] {
  const content = chunk.choices.at(0)?.delta.content;
  return content ? [content] : [];
}

/** Streams `max` tokens with usage and collects the text chunk by chunk. */
async function streamText(openai: OpenAI, max: number, signal?: AbortSignal) {
  const stream = await openai.chat.completions.create(
    { model: 'gpt-4o-mini', messages, max_completion_tokens: max, stream: true, stream_options: { include_usage: true } },
    { signal },
  );
  const deltas: string[] = [];
  let usage: OpenAI.CompletionUsage | null | undefined;
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    const choice = chunk.choices.at(0);
    if (choice?.delta.content) deltas.push(choice.delta.content);
    if (choice?.finish_reason) finish = choice.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  return { deltas, usage, finish };
}

describe('chat completions streams', () => {
  it('sends what OpenAI sends: a role chunk, a delta per token, a finish chunk, the usage chunk, [DONE]', async () => {
    const emulator = await start({ random: longest });
    const { response, frames } = await postFrames(`${emulator.url}/chat/completions`, {
      model: 'gpt-4o-mini',
      messages,
      max_completion_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('500');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(frames.every((f) => f.event === null)).toBe(true);
    expect(frames.at(-1)!.data).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.data) as Record<string, unknown> & { choices: Array<Record<string, unknown>> });
    // role, 5 deltas, finish, usage
    expect(chunks).toHaveLength(8);
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-4o-mini')).toBe(true);
    expect(chunks[0].choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null });
    const deltas = chunks.slice(1, 6).map((c) => (c.choices[0].delta as { content: string }).content);
    expect(deltas.every((d) => d.length > 0)).toBe(true);
    expect(chunks[6].choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    // include_usage: every chunk carries "usage": null, the last one has empty choices and the usage.
    expect(chunks.slice(0, 7).every((c) => c.usage === null)).toBe(true);
    expect(chunks[7].choices).toEqual([]);
    expect(chunks[7].usage).toEqual({ prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 });

    const plain = await postFrames(`${emulator.url}/chat/completions`, { model: 'gpt-4o-mini', messages, max_completion_tokens: 5, stream: true });
    const plainChunks = plain.frames.slice(0, -1).map((f) => JSON.parse(f.data) as Record<string, unknown>);
    expect(plainChunks).toHaveLength(7);
    expect(plainChunks.every((c) => !('usage' in c))).toBe(true);
    expect(emulator.counters()).toMatchObject({ requests: 2, succeeded: 2, streams: 2, promptTokens: 22, completionTokens: 10 });
    expect(emulator.counters().perEndpoint).toEqual({
      'chat.completions': { requests: 2, succeeded: 2, rateLimited: 0, serverErrors: 0, dropped: 0, badRequests: 0, aborted: 0, streams: 2 },
    });
  });

  it('the openai SDK parses the stream into the same text as the JSON answer, with usage; tokensPerChunk groups words', async () => {
    const emulator = await start({ random: longest, streaming: { tokensPerChunk: 4 } });
    const openai = client(emulator);
    const { deltas, usage, finish } = await streamText(openai, 10);
    const json = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 10 });
    expect(deltas.join('')).toBe(json.choices[0].message.content);
    expect(deltas).toHaveLength(3); // 4 + 4 + 2 words
    expect(deltas[0].trim().split(' ')).toHaveLength(4);
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 11, completion_tokens: 10, total_tokens: 21 });
  });

  it('charges a stream up front like any request and gives back what it did not use at its end (refundUnused)', async () => {
    // random 0: one completion token out of 500.
    const emulator = await start({ tokensPerMinute: 6000, sliceMs: 0, random: () => 0 });
    const openai = client(emulator);
    const opened = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 500, stream: true })
      .withResponse();
    // The headers leave with the stream, before the refund: prompt 11 + 500 charged.
    expect(Number(opened.response.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThanOrEqual(6000 - 511 + 5);
    await drain(opened.data);
    const after = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 500 }).withResponse();
    // Each request kept 11 + 1 (the stream at its end, the JSON answer at once).
    const remaining = Number(after.response.headers.get('x-ratelimit-remaining-tokens'));
    expect(remaining).toBeGreaterThanOrEqual(6000 - 2 * 12);
    expect(emulator.admissions()).toEqual([
      { at: expect.any(Number), tokens: 511 },
      { at: expect.any(Number), tokens: 511 },
    ]);

    // Kept whole: 2 x 511 out of 1,200; the refill (0.02 token/ms) adds at most 200 in 10 s.
    const keeping = await start({ tokensPerMinute: 1200, sliceMs: 0, random: () => 0, refundUnused: false });
    const keep = client(keeping);
    await drain(await keep.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 500, stream: true }));
    const kept = await keep.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 500 }).withResponse();
    expect(Number(kept.response.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThanOrEqual(1200 - 2 * 511 + 200);
  });

  it('a cut stream keeps only the tokens it delivered (refundUnused)', async () => {
    const emulator = await start({ tokensPerMinute: 1200, sliceMs: 0, random: longest, streaming: { dropAfterChunks: 2 } });
    const openai = client(emulator);
    const cut = openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 500, stream: true });
    await expect(cut.then((stream) => drain(stream))).rejects.toThrow(/terminated/);
    await waitFor(() => emulator.counters().dropped === 1);
    const after = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 500 }).withResponse();
    // 11 + 2 kept by the cut stream, 11 + 500 by the answer; the refill (0.02 token/ms) adds at most 200 in 10 s.
    const remaining = Number(after.response.headers.get('x-ratelimit-remaining-tokens'));
    expect(remaining).toBeGreaterThanOrEqual(1200 - 13 - 511);
    expect(remaining).toBeLessThanOrEqual(1200 - 13 - 511 + 200);
  });

  it('paces a slow stream: a delay before the first chunk, and between chunks', async () => {
    const emulator = await start({ random: longest, streaming: { firstChunkDelayMs: 150, chunkDelayMs: [20, 30] } });
    const openai = client(emulator);
    // Measured from before the request: the server's timers start after it arrives, so these are lower bounds
    // however late a busy machine delivers the chunks.
    const sent = performance.now();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 5, stream: true });
    const arrivals: number[] = [];
    for await (const chunk of stream) if (contentOf(chunk).length > 0) arrivals.push(performance.now() - sent);
    expect(arrivals).toHaveLength(5);
    expect(arrivals[0]).toBeGreaterThanOrEqual(150 - 2);
    expect(arrivals[4]).toBeGreaterThanOrEqual(150 + 4 * 20 - 2);
    expect(emulator.counters()).toMatchObject({ succeeded: 1, streams: 1 });
  });

  it('drops the connection after N chunks: the SDK yields the text it got, then throws', async () => {
    const emulator = await start({ random: longest, streaming: { dropAfterChunks: 2 } });
    const openai = client(emulator);
    const received: string[] = [];
    const error = await (async () => {
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 6, stream: true });
      for await (const chunk of stream) received.push(...contentOf(chunk));
    })().catch((e: unknown) => e);
    // The SDK passes fetch's own error through (undici's TypeError, from Node's realm, not jest's).
    expect(error).toMatchObject({ name: 'TypeError', message: 'terminated' });
    expect(received).toHaveLength(2);
    await waitFor(() => emulator.counters().dropped === 1);
    expect(emulator.counters()).toMatchObject({ requests: 1, streams: 1, dropped: 1, succeeded: 0, completionTokens: 0 });

    // 0: the headers arrive (the call resolves), then the connection goes before any chunk.
    emulator.setStreaming({ dropAfterChunks: 0 });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 6, stream: true });
    let chunks = -1;
    await expect(
      drain(stream, (n) => {
        chunks = n;
      }),
    ).rejects.toThrow(/terminated/);
    expect(chunks).toBe(-1);
    // At or past the chunk count: all the text, no finish chunk nor [DONE].
    emulator.setStreaming({ dropAfterChunks: 100 });
    const whole: string[] = [];
    let finished = false;
    await expect(
      (async () => {
        const s = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 6, stream: true });
        for await (const chunk of s) {
          whole.push(...contentOf(chunk));
          if (chunk.choices.at(0)?.finish_reason) finished = true;
        }
      })(),
    ).rejects.toThrow(/terminated/);
    expect(whole).toHaveLength(6);
    expect(finished).toBe(false);
    await waitFor(() => emulator.counters().dropped === 3);
  });

  it('ends a stream with an error event: the SDK throws an APIError after the text it got', async () => {
    const emulator = await start({ random: longest, streaming: { errorAfterChunks: 1 } });
    const openai = client(emulator);
    const received: string[] = [];
    const error = await (async () => {
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 6, stream: true });
      for await (const chunk of stream) received.push(...contentOf(chunk));
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).type).toBe('server_error');
    expect((error as Error).message).toContain('The server had an error');
    expect(received).toHaveLength(1);
    expect(emulator.counters()).toMatchObject({ requests: 1, streams: 1, serverErrors: 1, succeeded: 0 });
  });

  it('drops and errors streams at the configured rates, at drawn positions, every stream counted once', async () => {
    const emulator = await start({
      requestsPerMinute: 100_000,
      tokensPerMinute: 10_000_000,
      random: seededRandom(3),
      streaming: { drop: 0.25, error: 0.25 },
    });
    const openai = client(emulator);
    // One after another: the seeded draws then come in a fixed order, and so do the outcomes.
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      outcomes.push(await streamText(openai, 8).then(() => 'ok', (e: unknown) => (e instanceof OpenAI.APIError ? 'error' : 'drop')));
    }
    await waitFor(() => emulator.counters().requests === emulator.counters().succeeded + emulator.counters().dropped + emulator.counters().serverErrors);
    const c = emulator.counters();
    expect(c).toMatchObject({ requests: 40, streams: 40, rateLimited: 0, aborted: 0 });
    expect(c.succeeded).toBe(outcomes.filter((o) => o === 'ok').length);
    expect(c.serverErrors).toBe(outcomes.filter((o) => o === 'error').length);
    expect(c.dropped).toBe(outcomes.filter((o) => o === 'drop').length);
    // 40 draws at 0.25 each (mean 10, sd 2.7).
    expect(c.dropped).toBeGreaterThan(2);
    expect(c.serverErrors).toBeGreaterThan(2);
    expect(c.succeeded).toBeGreaterThan(10);
  });

  it('counts a client that aborts mid-stream as aborted, and clears its timer', async () => {
    // The second chunk is 30 s away: its timer must go when the client does.
    const timers = watchTimers(30_000);
    const emulator = await start({ random: longest, streaming: { chunkDelayMs: 30_000 } });
    const openai = client(emulator);
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: 'gpt-4o-mini', messages, max_completion_tokens: 50, stream: true },
      { signal: controller.signal },
    );
    let contents = 0;
    for await (const chunk of stream) {
      if (chunk.choices.at(0)?.delta.content) {
        contents++;
        controller.abort();
      }
    }
    expect(contents).toBe(1);
    await waitFor(() => emulator.counters().aborted === 1, 2000);
    expect(emulator.counters()).toMatchObject({ requests: 1, streams: 1, aborted: 1, succeeded: 0, dropped: 0 });
    expect(timers.armed()).toBe(1);
    expect(timers.pending()).toBe(0);
    // The emulator keeps serving.
    emulator.setStreaming(undefined);
    await expect(streamText(openai, 3)).resolves.toMatchObject({ finish: 'stop' });
  });

  it('close() ends open streams at once', async () => {
    const emulator = await start({ random: longest, streaming: { chunkDelayMs: 60_000 } });
    const openai = client(emulator);
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 5, stream: true });
    const consumed = drain(stream).catch((e: unknown) => e);
    await waitFor(() => emulator.counters().streams === 1);
    const started = performance.now();
    await emulator.close();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await consumed).toMatchObject({ name: 'TypeError', message: 'terminated' });
    await waitFor(() => emulator.counters().aborted === 1);
    expect(emulator.counters()).toMatchObject({ streams: 1, aborted: 1 });
  });
});

describe('emulator options', () => {
  it('refundUnused replaces refundUnusedCompletion, which stays as an alias; conflicting values are refused', async () => {
    // random 0: one completion token; 11 + 500 charged.
    const remainingAfterOne = async (options: Parameters<typeof start>[0]): Promise<number> => {
      const emulator = await start({ tokensPerMinute: 6000, sliceMs: 0, random: () => 0, ...options });
      const { response } = await client(emulator).chat.completions.create({ model: 'm', messages, max_completion_tokens: 500 }).withResponse();
      return Number(response.headers.get('x-ratelimit-remaining-tokens'));
    };
    expect(await remainingAfterOne({})).toBe(6000 - 12);
    expect(await remainingAfterOne({ refundUnused: false })).toBe(6000 - 511);
    /* eslint-disable @typescript-eslint/no-deprecated -- the deprecated alias must keep working */
    expect(await remainingAfterOne({ refundUnusedCompletion: false })).toBe(6000 - 511);
    expect(await remainingAfterOne({ refundUnused: true, refundUnusedCompletion: true })).toBe(6000 - 12);
    await expect(start({ refundUnused: true, refundUnusedCompletion: false })).rejects.toThrow(/refundUnused.*disagree/);
    /* eslint-enable @typescript-eslint/no-deprecated */
  });

  it('rejects invalid streaming options, at start and in setStreaming (which then keeps the previous ones)', async () => {
    await expect(start({ streaming: { tokensPerChunk: 0 } })).rejects.toThrow(/streaming.tokensPerChunk/);
    await expect(start({ streaming: { chunkDelayMs: [30, 10] } })).rejects.toThrow(/streaming.chunkDelayMs/);
    await expect(start({ streaming: { firstChunkDelayMs: -1 } })).rejects.toThrow(/streaming.firstChunkDelayMs/);
    await expect(start({ streaming: { dropAfterChunks: 1.5 } })).rejects.toThrow(/streaming.dropAfterChunks/);
    await expect(start({ streaming: { drop: 0.7, error: 0.7 } })).rejects.toThrow(RangeError);
    const emulator = await start({ random: longest, streaming: { errorAfterChunks: 0 } });
    expect(() => emulator.setStreaming({ error: 2 })).toThrow(/streaming.error/);
    await expect(streamText(client(emulator), 2)).rejects.toBeInstanceOf(OpenAI.APIError);
    emulator.setStreaming(undefined);
    await expect(streamText(client(emulator), 2)).resolves.toMatchObject({ finish: 'stop' });
  });
});
