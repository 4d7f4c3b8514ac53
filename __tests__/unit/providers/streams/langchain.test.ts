import { ChatOpenAI } from '@langchain/openai';
import { AIMessageChunk } from '@langchain/core/messages';
import type { ChunkFacts } from '../../../../src/providers/streams/chunk-facts';
import { readLangChainChunk } from '../../../../src/providers/streams/langchain';
import { EMPTY_TALLY, tallyTokens, tallyUsage } from '../../../../src/providers/streams/usage-tally';
import { sseAnswer, type SseEvent } from '../../../helpers/sdk-fetch';

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', usage: null };
const choice = (delta: object, finish_reason: string | null = null): SseEvent => ({ data: { ...base, choices: [{ index: 0, delta, finish_reason }] } });
const USAGE: SseEvent = { data: { ...base, choices: [], usage: { prompt_tokens: 19, completion_tokens: 3, total_tokens: 22 } } };
const DONE: SseEvent = { data: '[DONE]' };

async function stream(events: SseEvent[]): Promise<{ chunks: AIMessageChunk[]; facts: ChunkFacts[] }> {
  const chat = new ChatOpenAI({ apiKey: 'k', model: 'gpt-4o-mini', maxRetries: 0, configuration: { fetch: sseAnswer(events) } });
  const chunks: AIMessageChunk[] = [];
  const facts: ChunkFacts[] = [];
  for await (const c of await chat.stream('hi')) {
    chunks.push(c);
    facts.push(readLangChainChunk(c));
  }
  return { chunks, facts };
}

describe('readLangChainChunk on a real @langchain/openai stream', () => {
  it('text chunks are content; usage_metadata increments add up to what concat sums', async () => {
    const { chunks, facts } = await stream([choice({ role: 'assistant', content: '' }), choice({ content: 'Hello' }), choice({}, 'stop'), USAGE, DONE]);
    expect(chunks.every((c) => c instanceof AIMessageChunk)).toBe(true);
    expect(facts.some((f) => f.content)).toBe(true);
    expect(facts.filter((f) => f.content)).toHaveLength(1);
    const reports = facts.filter((f) => f.usage !== undefined);
    expect(reports).toEqual([{ content: false, usage: { input: 19, output: 3, total: 22, mode: 'increment' } }]);
    const tally = facts.reduce((t, f) => tallyUsage(t, f.usage), EMPTY_TALLY);
    const merged = chunks.reduce((a, b) => a.concat(b));
    expect(tallyTokens(tally)).toBe(merged.usage_metadata?.total_tokens);
  });

  it('tool call chunks are content', async () => {
    const { facts } = await stream([
      choice({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '' } }] }),
      choice({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] }),
      choice({}, 'tool_calls'),
      DONE,
    ]);
    expect(facts.filter((f) => f.content).length).toBeGreaterThanOrEqual(2);
  });

  it('split usage (input on one chunk, output on another) adds up', () => {
    const first = readLangChainChunk(new AIMessageChunk({ content: '', usage_metadata: { input_tokens: 30, output_tokens: 0, total_tokens: 30 } }));
    const last = readLangChainChunk(new AIMessageChunk({ content: '', usage_metadata: { input_tokens: 0, output_tokens: 12, total_tokens: 12 } }));
    expect(tallyTokens(tallyUsage(tallyUsage(EMPTY_TALLY, first.usage), last.usage))).toBe(42);
  });

  it('content parts: text, thinking and other kinds; empty ones are not content', () => {
    expect(readLangChainChunk(new AIMessageChunk({ content: [{ type: 'text', text: 'Hi' }] })).content).toBe(true);
    expect(readLangChainChunk(new AIMessageChunk({ content: [{ type: 'text', text: '' }] })).content).toBe(false);
    expect(readLangChainChunk(new AIMessageChunk({ content: [{ type: 'thinking', thinking: 'hm' }] })).content).toBe(true);
    expect(readLangChainChunk(new AIMessageChunk({ content: [{ type: 'image_url', image_url: 'https://x/y.png' }] })).content).toBe(true);
    // openai-compatible reasoning models (deepseek...) put their reasoning in additional_kwargs
    expect(readLangChainChunk({ type: 'ai', content: '', additional_kwargs: { reasoning_content: 'hm' } }).content).toBe(true);
    expect(readLangChainChunk(new AIMessageChunk({ content: '' })).content).toBe(false);
  });

  it('never calls its getters (text, contentBlocks)', () => {
    const chunk = new AIMessageChunk({ content: 'Hi' });
    const text = jest.spyOn(chunk, 'text', 'get');
    const blocks = jest.spyOn(chunk, 'contentBlocks', 'get');
    try {
      expect(readLangChainChunk(chunk).content).toBe(true);
      expect(text).not.toHaveBeenCalled();
      expect(blocks).not.toHaveBeenCalled();
    } finally {
      text.mockRestore();
      blocks.mockRestore();
    }
  });

  it('junk: no content, never throws', () => {
    for (const junk of [undefined, null, {}, { content: 5 }, { content: [null, ''] }, { usage_metadata: 'x' }, { tool_call_chunks: [] }]) {
      expect(readLangChainChunk(junk)).toEqual({ content: false });
    }
  });
});
