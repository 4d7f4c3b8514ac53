import Anthropic from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { classifyError } from '../../../../src/providers/classify';
import { readAnthropicEvent } from '../../../../src/providers/streams/anthropic';
import type { ChunkFacts } from '../../../../src/providers/streams/chunk-facts';
import { EMPTY_TALLY, tallyCounts, tallyTokens, tallyUsage } from '../../../../src/providers/streams/usage-tally';
import { usageTokens } from '../../../../src/tokens/usage';
import { sseAnswer, type SseEvent } from '../../../helpers/sdk-fetch';

const MODEL = 'claude-sonnet-4-6';
const params = { model: MODEL, max_tokens: 256, messages: [{ role: 'user' as const, content: 'hi' }] };
const event = (data: { type: string }): SseEvent => ({ event: data.type, data });
const START = event({
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: MODEL,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 25, output_tokens: 1, cache_creation_input_tokens: 5, cache_read_input_tokens: 100 },
  },
} as { type: string });
const TEXT_STREAM: SseEvent[] = [
  START,
  event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } } as { type: string }),
  { event: 'ping', data: { type: 'ping' } },
  event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } } as { type: string }),
  event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '!' } } as { type: string }),
  event({ type: 'content_block_stop', index: 0 } as { type: string }),
  event({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 12, input_tokens: null, cache_creation_input_tokens: null, cache_read_input_tokens: null } } as { type: string }),
  event({ type: 'message_stop' }),
];

describe('readAnthropicEvent on a real Anthropic stream', () => {
  it('messages.stream(): content from the first non-empty delta; message_start then message_delta settle the usage', async () => {
    const client = new Anthropic({ apiKey: 'k', maxRetries: 0, fetch: sseAnswer(TEXT_STREAM) });
    const stream = client.messages.stream(params);
    const events: RawMessageStreamEvent[] = [];
    const facts: ChunkFacts[] = [];
    for await (const e of stream) {
      events.push(e);
      facts.push(readAnthropicEvent(e)); // read as it arrives, as the runtime does
    }
    expect(events.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(facts.map((f) => f.content)).toEqual([false, false, true, true, false, false, false]);
    expect(facts[0].usage).toEqual({ input: 30, output: 1, mode: 'cumulative' });
    expect(facts[5].usage).toEqual({ output: 12, mode: 'cumulative', final: true });
    const tally = facts.reduce((t, f) => tallyUsage(t, f.usage), EMPTY_TALLY);
    expect(tallyCounts(tally)).toEqual({ input: 30, output: 12 });
    // the same as the SDK's own accumulated message, read by usageTokens
    expect(tallyTokens(tally)).toBe(usageTokens(await stream.finalMessage()));
    expect(tallyTokens(tally)).toBe(42);
    // MessageStream accumulates into the message_start event's own message: read later, it shows the final usage
    expect(readAnthropicEvent(events[0]).usage).toEqual({ input: 30, output: 12, mode: 'cumulative' });
  });

  it('messages.create({ stream: true }): the same raw events', async () => {
    const client = new Anthropic({ apiKey: 'k', maxRetries: 0, fetch: sseAnswer(TEXT_STREAM) });
    const stream = await client.messages.create({ ...params, stream: true });
    const contents: boolean[] = [];
    for await (const e of stream) contents.push(readAnthropicEvent(e).content);
    expect(contents).toEqual([false, false, true, true, false, false, false]);
  });

  it('tool use: the block start names the tool; an empty input_json_delta is not content', () => {
    expect(readAnthropicEvent({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} } }).content).toBe(true);
    expect(readAnthropicEvent({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } }).content).toBe(false);
    expect(readAnthropicEvent({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } }).content).toBe(true);
  });

  it('thinking: an empty block start is not content, a thinking delta is, a signature is not', () => {
    expect(readAnthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }).content).toBe(false);
    expect(readAnthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me see' } }).content).toBe(true);
    expect(readAnthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQB' } }).content).toBe(false);
    expect(readAnthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'redacted_thinking', data: 'abc' } }).content).toBe(true);
  });

  it('citations and unknown delta types are content; a text block opening with text is content', () => {
    const citation = { type: 'char_location', cited_text: 'x', document_index: 0, document_title: null, start_char_index: 0, end_char_index: 1, file_id: null };
    expect(readAnthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'citations_delta', citation } }).content).toBe(true);
    expect(readAnthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'future_delta' } }).content).toBe(true);
    expect(readAnthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'Hi', citations: null } }).content).toBe(true);
  });

  it('the error event: its error object, which classifyError retries', () => {
    const facts = readAnthropicEvent({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(facts).toEqual({ content: false, error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(classifyError(facts.error)).toEqual({ retryable: true, reason: 'overloaded' });
  });

  it('junk: no content, never throws', () => {
    for (const junk of [undefined, null, {}, { type: 'message_start' }, { type: 'content_block_start' }, { type: 'content_block_delta', delta: 5 }, { type: 'message_delta', usage: null }]) {
      expect(readAnthropicEvent(junk)).toEqual({ content: false });
    }
  });
});
