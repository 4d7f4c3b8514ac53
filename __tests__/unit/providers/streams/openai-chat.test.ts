import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { readOpenAIChatChunk } from '../../../../src/providers/streams/openai-chat';
import { EMPTY_TALLY, tallyTokens, tallyUsage } from '../../../../src/providers/streams/usage-tally';
import { collect, sseAnswer } from '../../../helpers/sdk-fetch';

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', system_fingerprint: 'fp', usage: null };
const choice = (delta: object, finish_reason: string | null = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason, logprobs: null }] });
const USAGE = { prompt_tokens: 19, completion_tokens: 3, total_tokens: 22, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };

async function chunks(data: readonly unknown[]): Promise<ChatCompletionChunk[]> {
  const client = new OpenAI({ apiKey: 'k', maxRetries: 0, fetch: sseAnswer([...data.map((d) => ({ data: d })), { data: '[DONE]' }]) });
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  return collect(stream);
}

describe('readOpenAIChatChunk on a real openai stream', () => {
  it('role chunk and finish chunk carry no content; text does; the include_usage chunk ends the usage', async () => {
    const got = await chunks([
      choice({ role: 'assistant', content: '', refusal: null }),
      choice({ content: 'Hello' }),
      choice({ content: ' there' }),
      choice({}, 'stop'),
      { ...base, choices: [], usage: USAGE },
    ]);
    const facts = got.map(readOpenAIChatChunk);
    expect(facts.map((f) => f.content)).toEqual([false, true, true, false, false]);
    expect(facts.slice(0, 4).every((f) => f.usage === undefined)).toBe(true);
    expect(facts[4].usage).toEqual({ input: 19, output: 3, total: 22, mode: 'cumulative', final: true });
    expect(tallyTokens(facts.reduce((t, f) => tallyUsage(t, f.usage), EMPTY_TALLY))).toBe(22);
  });

  it('tool call deltas are content, from the first one naming the tool', async () => {
    const got = await chunks([
      choice({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '' } }] }),
      choice({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      choice({}, 'tool_calls'),
    ]);
    expect(got.map((c) => readOpenAIChatChunk(c).content)).toEqual([true, true, false]);
  });

  it('a refusal, audio, a legacy function_call, reasoning from compatible servers are content', () => {
    expect(readOpenAIChatChunk(choice({ refusal: 'I cannot help with that.' })).content).toBe(true);
    expect(readOpenAIChatChunk(choice({ audio: { id: 'a', data: 'AAAA' } })).content).toBe(true);
    expect(readOpenAIChatChunk(choice({ function_call: { name: 'f', arguments: '' } })).content).toBe(true);
    expect(readOpenAIChatChunk(choice({ reasoning_content: 'Let me think' })).content).toBe(true);
    expect(readOpenAIChatChunk(choice({ reasoning: 'Let me think' })).content).toBe(true);
    expect(readOpenAIChatChunk(choice({ content: null, tool_calls: [] })).content).toBe(false);
  });

  it('any of several choices with content makes the chunk content', () => {
    const chunk = { ...base, choices: [{ index: 0, delta: { content: '' }, finish_reason: null }, { index: 1, delta: { content: 'B' }, finish_reason: null }] };
    expect(readOpenAIChatChunk(chunk).content).toBe(true);
  });

  it('legacy completions: choice text', () => {
    expect(readOpenAIChatChunk({ object: 'text_completion', choices: [{ index: 0, text: 'Hi', finish_reason: null }] }).content).toBe(true);
    expect(readOpenAIChatChunk({ object: 'text_completion', choices: [{ index: 0, text: '', finish_reason: 'stop' }] }).content).toBe(false);
  });

  it('usage on every chunk (compatible servers) is cumulative; the one with finish_reason is final', () => {
    const running = readOpenAIChatChunk({ ...choice({ content: 'a' }), usage: { prompt_tokens: 19, completion_tokens: 1, total_tokens: 20 } });
    expect(running).toEqual({ content: true, usage: { input: 19, output: 1, total: 20, mode: 'cumulative' } });
    const last = readOpenAIChatChunk({ ...choice({}, 'stop'), usage: { prompt_tokens: 19, completion_tokens: 4, total_tokens: 23 } });
    expect(last.usage).toMatchObject({ total: 23, final: true });
  });

  it('a bare { error } chunk is an in-band error', () => {
    const error = { message: 'The server had an error', type: 'server_error', param: null, code: null };
    expect(readOpenAIChatChunk({ error })).toEqual({ content: false, error });
  });

  it('junk: no content, no usage, never throws', () => {
    for (const junk of [undefined, null, 1, 'x', {}, { choices: 'x' }, { choices: [null, 1, { delta: 'x' }] }, { usage: {} }]) {
      expect(readOpenAIChatChunk(junk)).toEqual({ content: false });
    }
  });
});
