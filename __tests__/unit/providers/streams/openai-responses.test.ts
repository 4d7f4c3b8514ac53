import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { classifyError } from '../../../../src/providers/classify';
import { readOpenAIResponsesEvent } from '../../../../src/providers/streams/openai-responses';
import { collect, sseAnswer } from '../../../helpers/sdk-fetch';

const response = (status: string, usage: object | null, extra: object = {}) => ({
  id: 'resp_1',
  object: 'response',
  created_at: 1,
  status,
  model: 'gpt-4o-mini',
  output: [],
  usage,
  error: null,
  ...extra,
});
const USAGE = { input_tokens: 12, output_tokens: 4, total_tokens: 16, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } };
const message = { id: 'msg_1', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
const textPart = (text: string) => ({ type: 'output_text', text, annotations: [] });

async function events(list: ReadonlyArray<{ readonly type: string } & Readonly<Record<string, unknown>>>): Promise<ResponseStreamEvent[]> {
  const client = new OpenAI({ apiKey: 'k', maxRetries: 0, fetch: sseAnswer(list.map((data, i) => ({ event: data.type, data: { ...data, sequence_number: i } }))) });
  return collect(await client.responses.create({ model: 'gpt-4o-mini', input: 'hi', stream: true }));
}

describe('readOpenAIResponsesEvent on a real openai stream', () => {
  it('lifecycle events carry nothing; deltas are content; response.completed ends the usage', async () => {
    const got = await events([
      { type: 'response.created', response: response('in_progress', null) },
      { type: 'response.in_progress', response: response('in_progress', null) },
      { type: 'response.output_item.added', output_index: 0, item: message },
      { type: 'response.content_part.added', item_id: 'msg_1', output_index: 0, content_index: 0, part: textPart('') },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hello', logprobs: [] },
      { type: 'response.output_text.done', item_id: 'msg_1', output_index: 0, content_index: 0, text: 'Hello', logprobs: [] },
      { type: 'response.content_part.done', item_id: 'msg_1', output_index: 0, content_index: 0, part: textPart('Hello') },
      { type: 'response.output_item.done', output_index: 0, item: { ...message, status: 'completed', content: [textPart('Hello')] } },
      { type: 'response.completed', response: response('completed', USAGE) },
    ]);
    expect(got.map((e) => e.type)).toHaveLength(9);
    const facts = got.map(readOpenAIResponsesEvent);
    expect(facts.map((f) => f.content)).toEqual([false, false, false, false, true, true, true, true, false]);
    expect(facts.slice(0, 8).every((f) => f.usage === undefined)).toBe(true);
    expect(facts[8]).toEqual({ content: false, usage: { input: 12, output: 4, total: 16, mode: 'cumulative', final: true } });
  });

  it('a function call item names its tool: content from output_item.added', async () => {
    const call = { id: 'fc_1', type: 'function_call', status: 'in_progress', call_id: 'call_1', name: 'weather', arguments: '' };
    const got = await events([
      { type: 'response.output_item.added', output_index: 0, item: call },
      { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 0, delta: '{"city":' },
      { type: 'response.function_call_arguments.done', item_id: 'fc_1', output_index: 0, name: 'weather', arguments: '{"city":"Paris"}' },
    ]);
    expect(got.map((e) => readOpenAIResponsesEvent(e).content)).toEqual([true, true, true]);
  });

  it('reasoning announced empty is not content; its summary deltas are', () => {
    expect(readOpenAIResponsesEvent({ type: 'response.output_item.added', output_index: 0, item: { id: 'rs_1', type: 'reasoning', summary: [] }, sequence_number: 1 }).content).toBe(false);
    expect(readOpenAIResponsesEvent({ type: 'response.reasoning_summary_text.delta', delta: 'Thinking', item_id: 'rs_1', output_index: 0, summary_index: 0, sequence_number: 2 }).content).toBe(true);
    expect(readOpenAIResponsesEvent({ type: 'response.output_text.delta', delta: '', sequence_number: 3 }).content).toBe(false);
    expect(readOpenAIResponsesEvent({ type: 'response.web_search_call.searching', item_id: 'ws', output_index: 0, sequence_number: 4 }).content).toBe(false);
    expect(readOpenAIResponsesEvent({ type: 'response.image_generation_call.partial_image', partial_image_b64: 'AAAA', sequence_number: 5 }).content).toBe(true);
  });

  it('the error event is yielded by the SDK, not thrown: the reader hands it over as the error', async () => {
    const error = { type: 'error', code: 'server_error', message: 'The server had an error', param: null };
    const got = await events([{ type: 'response.created', response: response('in_progress', null) }, error]);
    const facts = readOpenAIResponsesEvent(got[1]);
    expect(facts).toEqual({ content: false, error: { ...error, sequence_number: 1 } });
    expect(classifyError(facts.error)).toMatchObject({ retryable: true, reason: 'server-error' });
  });

  it('response.failed: its response.error, and the usage so far; response.incomplete: usage, no error', () => {
    const failed = readOpenAIResponsesEvent({
      type: 'response.failed',
      sequence_number: 5,
      response: response('failed', USAGE, { error: { code: 'rate_limit_exceeded', message: 'Rate limit reached' } }),
    });
    expect(failed).toEqual({ content: false, usage: { input: 12, output: 4, total: 16, mode: 'cumulative', final: true }, error: { code: 'rate_limit_exceeded', message: 'Rate limit reached' } });
    expect(classifyError(failed.error)).toMatchObject({ retryable: true, reason: 'rate-limited' });
    const bare = readOpenAIResponsesEvent({ type: 'response.failed', sequence_number: 5, response: response('failed', null) });
    expect(bare).toMatchObject({ content: false, error: { type: 'response.failed' } });
    expect(bare.usage).toBeUndefined();
    expect(readOpenAIResponsesEvent({ type: 'response.incomplete', sequence_number: 5, response: response('incomplete', USAGE) })).toEqual({
      content: false,
      usage: { input: 12, output: 4, total: 16, mode: 'cumulative', final: true },
    });
  });

  it('junk: no content, never throws', () => {
    for (const junk of [undefined, null, {}, { type: 5 }, { type: 'response.completed' }, { type: 'response.completed', response: { usage: 'x' } }]) {
      expect(readOpenAIResponsesEvent(junk)).toEqual({ content: false });
    }
  });
});
