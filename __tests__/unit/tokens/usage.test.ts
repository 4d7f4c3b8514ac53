import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { usageTokens } from '../../../src/tokens';

describe('usageTokens', () => {
  it('reads OpenAI total_tokens', () => {
    const completion = {
      id: 'c',
      object: 'chat.completion',
      created: 0,
      model: 'gpt-4o',
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    } as ChatCompletion;
    expect(usageTokens(completion)).toBe(15);
  });

  it('falls back to prompt_tokens + completion_tokens', () => {
    expect(usageTokens({ usage: { prompt_tokens: 12, completion_tokens: 8 } })).toBe(20);
    expect(usageTokens({ usage: { prompt_tokens: 12 } })).toBe(12);
  });

  it('reads the Responses API usage via total_tokens', () => {
    expect(usageTokens({ usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } })).toBe(7);
  });

  it('reads Anthropic input + output + cache creation, not cache reads', () => {
    const msg = {
      id: 'm',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 100,
        output_tokens: 20,
        cache_creation_input_tokens: 30,
        cache_read_input_tokens: 1000,
      },
    } as unknown as Message;
    expect(usageTokens(msg)).toBe(150);
    expect(usageTokens({ usage: { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: null } })).toBe(120);
  });

  it('looks inside the openai .withResponse() shape', () => {
    const withResponse = {
      data: { usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } },
      response: new Response(null, { status: 200 }),
      request_id: 'req_1',
    };
    expect(usageTokens(withResponse)).toBe(3);
    expect(usageTokens({ data: { choices: [] }, response: new Response(null) })).toBeUndefined();
  });

  it('reads Gemini usageMetadata', () => {
    expect(usageTokens({ usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 6, totalTokenCount: 13 } })).toBe(13);
    expect(usageTokens({ usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 6 } })).toBe(11);
    expect(usageTokens({ response: { usageMetadata: { totalTokenCount: 9 } } })).toBe(9);
  });

  it('returns undefined when usage is absent or junk', () => {
    const none: unknown[] = [
      undefined,
      null,
      42,
      'usage',
      [],
      {},
      { usage: null },
      { usage: {} },
      { usage: { total_tokens: 'many' } },
      { usage: { total_tokens: -1 } },
      { usage: { total_tokens: NaN } },
      { data: [{ usage: { total_tokens: 1 } }], response: {} },
    ];
    for (const r of none) expect(usageTokens(r)).toBeUndefined();
  });

  it('does not throw on throwing getters or deep wrappers', () => {
    const throwing = new Proxy({}, { get: () => { throw new Error('boom'); } });
    expect(usageTokens(throwing)).toBeUndefined();
    const deep = { response: { response: { response: { usage: { total_tokens: 1 } } } } };
    expect(usageTokens(deep)).toBeUndefined();
  });
});
