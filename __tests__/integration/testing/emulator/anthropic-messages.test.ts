/**
 * The Anthropic Messages endpoint (`POST /v1/messages`) through the real `@anthropic-ai/sdk` (retries off) and raw
 * HTTP: messages and streams with usage, `anthropic-ratelimit-*` headers with RFC 3339 resets, `request-id`,
 * `rate_limit_error` with `retry-after`, 529 `overloaded_error`, mid-stream faults and client aborts.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { EmulatorHandle } from '../../../../src/testing/emulator';
import { emulators, longest, postFrames, waitFor } from './support';

const start = emulators();
const client = (emulator: EmulatorHandle): Anthropic => new Anthropic({ apiKey: 'test', baseURL: emulator.origin, maxRetries: 0 });
// system 'be brief' 8 + 3, 'hello' 5 + 3, + 3 = 22 prompt tokens
const params = { model: 'claude-emulator-1', max_tokens: 6, system: 'be brief', messages: [{ role: 'user' as const, content: 'hello' }] };
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
// one token budget (input and output together): as tokens and input-tokens, no output-tokens
const RESOURCES = ['requests', 'tokens', 'input-tokens'];

describe('Anthropic Messages', () => {
  it('answers messages.create with a message and usage, anthropic-ratelimit-* headers (RFC 3339 resets) and request-id', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 50, tokensPerMinute: 40_000, sliceMs: 0 });
    const before = Date.now();
    const { data, response } = await client(emulator).messages.create(params).withResponse();
    expect(data).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-emulator-1', stop_reason: 'end_turn' });
    expect(data.id).toMatch(/^msg_/);
    expect(data.content).toHaveLength(1);
    expect(data.content[0].type).toBe('text');
    expect((data.content[0] as Anthropic.TextBlock).text.split(' ')).toHaveLength(6);
    expect(data.usage).toMatchObject({ input_tokens: 22, output_tokens: 6 });
    const h = response.headers;
    expect(h.get('request-id')).toMatch(/^req_/);
    // The SDK copies it onto the result (an untyped field of this SDK version).
    expect((data as { _request_id?: string | null })._request_id).toBe(h.get('request-id'));
    for (const resource of RESOURCES) {
      expect(h.get(`anthropic-ratelimit-${resource}-limit`)).toBe(resource === 'requests' ? '50' : '40000');
      expect(h.get(`anthropic-ratelimit-${resource}-reset`)).toMatch(RFC3339);
    }
    expect(h.get('anthropic-ratelimit-output-tokens-limit')).toBeNull();
    expect(h.get('anthropic-ratelimit-requests-remaining')).toBe('49');
    expect(h.get('anthropic-ratelimit-tokens-remaining')).toBe(String(40_000 - 28));
    // One request of 50/min refills in 1.2 s: the reset is that far ahead (whole seconds, rounded up).
    const reset = Date.parse(h.get('anthropic-ratelimit-requests-reset')!);
    expect(reset).toBeGreaterThanOrEqual(before);
    expect(reset).toBeLessThanOrEqual(Date.now() + 1200 + 1000);
    expect(emulator.counters().perEndpoint.messages).toMatchObject({ requests: 1, succeeded: 1 });
  });

  it('charges input + max_tokens up front and corrects to the output at the end, unless refundUnused is false', async () => {
    // 22 + 200 charged out of 1,200 a minute; random 0 generates 1 token. The refill adds 0.02 token/ms.
    const remaining = async (refundUnused: boolean): Promise<[number, number]> => {
      const emulator = await start({ tokensPerMinute: 1200, sliceMs: 0, random: () => 0, refundUnused });
      const anthropic = client(emulator);
      const request = { ...params, max_tokens: 200 };
      const streamed = await anthropic.messages.create({ ...request, stream: true }).withResponse();
      const atOpen = Number(streamed.response.headers.get('anthropic-ratelimit-tokens-remaining'));
      let events = 0;
      for await (const event of streamed.data) if (event.type.length > 0) events++;
      expect(events).toBe(6); // the SDK drops the ping
      const { response } = await anthropic.messages.create(request).withResponse();
      return [atOpen, Number(response.headers.get('anthropic-ratelimit-tokens-remaining'))];
    };
    const [openRefunding, afterRefunding] = await remaining(true);
    // The stream's headers leave before its end: the whole charge is still held.
    expect(openRefunding).toBeGreaterThanOrEqual(1200 - 222);
    expect(openRefunding).toBeLessThan(1200 - 200);
    expect(afterRefunding).toBeGreaterThanOrEqual(1200 - 2 * 23);
    const [, afterKeeping] = await remaining(false);
    expect(afterKeeping).toBeGreaterThanOrEqual(1200 - 2 * 222);
    expect(afterKeeping).toBeLessThanOrEqual(1200 - 2 * 222 + 100);
  });

  it('streams the Messages events in order: message_start with input usage … message_delta with output usage, message_stop', async () => {
    const emulator = await start({ random: longest });
    const { response, frames } = await postFrames(`${emulator.origin}/v1/messages`, { ...params, stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toMatch(/^\d+$/);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const events = frames.map((f) => ({ name: f.event, data: JSON.parse(f.data) as Record<string, unknown> }));
    expect(events.map((e) => e.name)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array<string>(6).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events.every((e) => e.data.type === e.name)).toBe(true);
    expect(events[0].data.message).toMatchObject({ role: 'assistant', content: [], stop_reason: null, usage: { input_tokens: 22, output_tokens: 1 } });
    expect(events[3].data).toMatchObject({ index: 0, delta: { type: 'text_delta' } });
    expect(events[10].data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 6 },
    });
  });

  it('messages.stream() and create({ stream: true }) parse the stream: text, final message and usage', async () => {
    const emulator = await start({ random: longest });
    const anthropic = client(emulator);
    const stream = anthropic.messages.stream(params);
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const final = await stream.finalMessage();
    expect(deltas).toHaveLength(6);
    expect((final.content[0] as Anthropic.TextBlock).text).toBe(deltas.join(''));
    expect(final.usage).toMatchObject({ input_tokens: 22, output_tokens: 6 });
    expect(final.stop_reason).toBe('end_turn');

    const raw = await anthropic.messages.create({ ...params, stream: true });
    const types: string[] = [];
    for await (const event of raw) types.push(event.type);
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(emulator.counters()).toMatchObject({ succeeded: 2, streams: 2, promptTokens: 44, completionTokens: 12 });
  });

  it('answers a quota refusal with a 429 rate_limit_error the SDK turns into RateLimitError, with retry-after and the headers', async () => {
    const emulator = await start({ requestsPerMinute: 1, sliceMs: 0 });
    const anthropic = client(emulator);
    await anthropic.messages.create(params);
    const error = await anthropic.messages.create(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const e = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(e.status).toBe(429);
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(e.message).toContain('1 requests per minute');
    expect(e.requestID).toMatch(/^req_/);
    // Whole seconds: about 60 s until one request refills.
    const retryAfter = Number(e.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(e.headers.get('retry-after-ms')).toBeNull();
    expect(e.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(e.headers.get('anthropic-ratelimit-requests-reset')).toMatch(RFC3339);
    await expect(anthropic.messages.create({ ...params, stream: true })).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    expect(emulator.counters()).toMatchObject({ requests: 3, succeeded: 1, rateLimited: 2 });
  });

  it('injects a 529 overloaded_error (OverloadedError) and a 503, and refuses a request without max_tokens with a 400', async () => {
    const emulator = await start({ faults: { overloaded: 1 } });
    const anthropic = client(emulator);
    const overloaded = await anthropic.messages.create(params).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    emulator.setFaults({ unavailable: 1 });
    const unavailable = await anthropic.messages.create({ ...params, stream: true }).catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(Anthropic.ServiceUnavailableError);
    emulator.setFaults(undefined);
    const noMax = { model: params.model, messages: params.messages } as unknown as Anthropic.MessageCreateParamsNonStreaming;
    const bad = await anthropic.messages.create(noMax).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect((bad as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
    emulator.setInsufficientQuota(true);
    const broke = await anthropic.messages.create(params).catch((e: unknown) => e);
    expect(broke).toBeInstanceOf(Anthropic.BadRequestError);
    expect((broke as Error).message).toContain('credit balance is too low');
    expect(emulator.counters()).toMatchObject({ requests: 4, serverErrors: 2, badRequests: 2, rateLimited: 0 });
  });

  it('surfaces a mid-stream drop and an overloaded error event as errors after the text received', async () => {
    const emulator = await start({ random: longest, streaming: { dropAfterChunks: 2 } });
    const anthropic = client(emulator);
    const stream = anthropic.messages.stream(params);
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    await expect(stream.finalMessage()).rejects.toThrow(/terminated/);
    expect(deltas).toHaveLength(2);

    emulator.setStreaming({ errorAfterChunks: 1 });
    const types: string[] = [];
    const error = await (async () => {
      for await (const event of await anthropic.messages.create({ ...params, stream: true })) types.push(event.type);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(types.filter((t) => t === 'content_block_delta')).toHaveLength(1);
    expect(types).not.toContain('message_stop');
    await waitFor(() => emulator.counters().dropped === 1);
    expect(emulator.counters()).toMatchObject({ requests: 2, streams: 2, dropped: 1, serverErrors: 1, succeeded: 0 });
  });

  it('counts a stream the client aborts (AbortSignal, or stream.abort()) as aborted', async () => {
    const emulator = await start({ random: longest, streaming: { chunkDelayMs: 30_000 } });
    const anthropic = client(emulator);
    const controller = new AbortController();
    const stream = anthropic.messages.stream(params, { signal: controller.signal });
    stream.on('text', () => controller.abort());
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    const second = anthropic.messages.stream(params);
    second.on('text', () => second.abort());
    await expect(second.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    await waitFor(() => emulator.counters().aborted === 2);
    expect(emulator.counters()).toMatchObject({ requests: 2, streams: 2, aborted: 2, succeeded: 0 });
  });
});
