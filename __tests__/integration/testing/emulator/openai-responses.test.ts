/**
 * The Responses endpoint (`POST /v1/responses`) through the real openai SDK (retries off) and raw HTTP: JSON and
 * streamed answers with usage, the same quota, headers and errors as chat completions, mid-stream faults and
 * client aborts.
 */
import OpenAI from 'openai';
import type { EmulatorHandle } from '../../../../src/testing/emulator';
import { emulators, longest, postFrames, waitFor } from './support';

const start = emulators();
const client = (emulator: EmulatorHandle): OpenAI => new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
// 'be brief' 8 + 3, 'hello' 5 + 3, + 3 = 22 prompt tokens
const params = { model: 'gpt-4o-mini', instructions: 'be brief', input: 'hello', max_output_tokens: 6 };

describe('OpenAI Responses', () => {
  it('answers responses.create with a response object, its output_text and usage, and x-ratelimit headers', async () => {
    const emulator = await start({ random: longest, requestsPerMinute: 600, sliceMs: 0 });
    const { data, response } = await client(emulator).responses.create(params).withResponse();
    expect(data).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-4o-mini', error: null });
    expect(data.id).toMatch(/^resp_/);
    expect(data.output).toHaveLength(1);
    expect(data.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed' });
    expect(data.output_text.split(' ')).toHaveLength(6);
    expect(data.usage).toMatchObject({ input_tokens: 22, output_tokens: 6, total_tokens: 28 });
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('600');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('599');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    // Input items: messages with string or part content count like chat messages.
    const items = await client(emulator).responses.create({
      model: 'gpt-4o-mini',
      input: [
        { role: 'user', content: 'abc' },
        { role: 'user', content: [{ type: 'input_text', text: 'de' }] },
      ],
    });
    expect(items.usage?.input_tokens).toBe(3 + 3 + 2 + 3 + 3);
    expect(items.usage?.output_tokens).toBe(16); // defaultMaxTokens
    expect(emulator.admissions()).toEqual([
      { at: expect.any(Number), tokens: 22 + 6 },
      { at: expect.any(Number), tokens: 14 + 16 },
    ]);
    expect(emulator.counters().perEndpoint.responses).toMatchObject({ requests: 2, succeeded: 2, streams: 0 });
  });

  it('charges input + max_output_tokens up front and gives back the unused part unless refundUnused is false', async () => {
    // random 0: one output token of 6; 22 + 6 charged.
    const remaining = async (refundUnused: boolean): Promise<number> => {
      const emulator = await start({ tokensPerMinute: 6000, sliceMs: 0, random: () => 0, refundUnused });
      const { response } = await client(emulator).responses.create(params).withResponse();
      expect(emulator.admissions()).toEqual([{ at: expect.any(Number), tokens: 28 }]);
      return Number(response.headers.get('x-ratelimit-remaining-tokens'));
    };
    expect(await remaining(true)).toBe(6000 - 23);
    expect(await remaining(false)).toBe(6000 - 28);
  });

  it('streams the Responses events in order, each with its sequence number, response.completed carrying usage', async () => {
    const emulator = await start({ random: longest });
    const { response, frames } = await postFrames(`${emulator.url}/responses`, { ...params, stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-ratelimit-remaining-requests')).toMatch(/^\d+$/);
    const events = frames.map((f) => ({ name: f.event, data: JSON.parse(f.data) as Record<string, unknown> }));
    expect(events.map((e) => e.name)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array<string>(6).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.every((e) => e.data.type === e.name)).toBe(true);
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[0].data.response).toMatchObject({ status: 'in_progress', output: [], usage: null });
    const deltas = events.filter((e) => e.name === 'response.output_text.delta').map((e) => e.data.delta as string);
    expect(events[10].data.text).toBe(deltas.join(''));
    expect(events.at(-1)!.data.response).toMatchObject({
      status: 'completed',
      usage: { input_tokens: 22, output_tokens: 6, total_tokens: 28 },
    });
  });

  it('client.responses.stream and create({ stream: true }) parse the stream: text, final response and usage', async () => {
    const emulator = await start({ random: longest });
    const openai = client(emulator);
    const stream = openai.responses.stream(params);
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(deltas).toHaveLength(6);
    expect(final.output_text).toBe(deltas.join(''));
    expect(final.usage).toMatchObject({ input_tokens: 22, output_tokens: 6, total_tokens: 28 });

    const raw = await openai.responses.create({ ...params, stream: true });
    const types: string[] = [];
    let usage: OpenAI.Responses.ResponseUsage | null | undefined;
    for await (const event of raw) {
      types.push(event.type);
      if (event.type === 'response.completed') usage = event.response.usage;
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(usage?.output_tokens).toBe(6);
    expect(emulator.counters()).toMatchObject({ succeeded: 2, streams: 2, promptTokens: 44, completionTokens: 12 });
  });

  it('answers a quota refusal with a 429 the SDK turns into RateLimitError, with retry-after-ms and x-ratelimit headers', async () => {
    const emulator = await start({ requestsPerMinute: 1, sliceMs: 0 });
    const openai = client(emulator);
    await openai.responses.create(params);
    const error = await openai.responses.create(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const e = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.code).toBe('rate_limit_exceeded');
    expect(e.type).toBe('requests');
    expect(Number(e.headers.get('retry-after-ms'))).toBeGreaterThan(50_000);
    expect(e.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(e.headers.get('x-ratelimit-limit-requests')).toBe('1');
    // A streamed request is refused the same way, before any event.
    await expect(openai.responses.create({ ...params, stream: true })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    expect(emulator.counters()).toMatchObject({ requests: 3, succeeded: 1, rateLimited: 2, streams: 0 });
  });

  it('injects 529 and 503 in OpenAI form, and rejects a request without input with a 400', async () => {
    const emulator = await start({ faults: { overloaded: 1 } });
    const openai = client(emulator);
    const overloaded = await openai.responses.create(params).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(OpenAI.APIError);
    expect((overloaded as InstanceType<typeof OpenAI.APIError>).status).toBe(529);
    emulator.setFaults({ unavailable: 1 });
    const unavailable = await openai.responses.create({ ...params, stream: true }).catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(OpenAI.InternalServerError);
    expect((unavailable as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    emulator.setFaults(undefined);
    const bad = await openai.responses.create({ model: 'gpt-4o-mini' } as OpenAI.Responses.ResponseCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('input');
    expect(emulator.counters()).toMatchObject({ requests: 3, serverErrors: 2, badRequests: 1 });
  });

  it('surfaces a mid-stream drop and an error event as errors after the text received', async () => {
    const emulator = await start({ random: longest, streaming: { dropAfterChunks: 2 } });
    const openai = client(emulator);
    const stream = openai.responses.stream(params);
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    await expect(stream.finalResponse()).rejects.toThrow(/terminated/);
    expect(deltas).toHaveLength(2);

    emulator.setStreaming({ errorAfterChunks: 3 });
    const types: string[] = [];
    const error = await (async () => {
      for await (const event of await openai.responses.create({ ...params, stream: true })) types.push(event.type);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain('The server had an error');
    expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(3);
    expect(types).not.toContain('response.completed');
    await waitFor(() => emulator.counters().dropped === 1);
    expect(emulator.counters()).toMatchObject({ requests: 2, streams: 2, dropped: 1, serverErrors: 1, succeeded: 0 });
  });

  it('counts a stream the client aborts (AbortSignal) as aborted', async () => {
    const emulator = await start({ random: longest, streaming: { chunkDelayMs: 30_000 } });
    const controller = new AbortController();
    const stream = client(emulator).responses.stream(params, { signal: controller.signal });
    stream.on('response.output_text.delta', () => controller.abort());
    await expect(stream.finalResponse()).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await waitFor(() => emulator.counters().aborted === 1);
    expect(emulator.counters()).toMatchObject({ requests: 1, streams: 1, aborted: 1, succeeded: 0 });
  });
});
