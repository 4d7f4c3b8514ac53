import OpenAI from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { ChatOpenAI } from '@langchain/openai';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { GenerateContentResponse, GoogleGenAI } from '@google/genai';
import { usageTokens } from '../../../src/tokens';
import { collect, jsonAnswer, sseAnswer, type FetchFn } from '../../helpers/sdk-fetch';

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

describe('usageTokens on the real clients’ results', () => {
  const completion = (message: object, usage: object) => ({
    id: 'c',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message, finish_reason: 'tool_calls' in message ? 'tool_calls' : 'stop', logprobs: null }],
    usage,
  });

  it('AI SDK generateText: totalUsage (every step), not the `usage` getter (the last step)', async () => {
    const answers = [
      completion(
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
        { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
      ),
      completion({ role: 'assistant', content: 'Sunny.' }, { prompt_tokens: 70, completion_tokens: 5, total_tokens: 75 }),
    ];
    let next = 0;
    const fetch: FetchFn = (input, init) => jsonAnswer(200, answers[next++])(input, init);
    const weather = tool({ description: 'weather', inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } } }), execute: () => Promise.resolve('sunny') });
    const result = await generateText({
      model: createOpenAI({ apiKey: 'k', fetch }).chat('gpt-4o-mini'),
      prompt: 'Weather in Paris?',
      tools: { weather },
      stopWhen: stepCountIs(2),
      maxRetries: 0,
    });
    expect(result.steps).toHaveLength(2);
    expect(result.usage.totalTokens).toBe(75);
    expect(usageTokens(result)).toBe(135);
  });

  it('AI SDK usage objects: camelCase totals, input + output, and ai 3/4 promptTokens', () => {
    expect(usageTokens({ usage: { inputTokens: 11, outputTokens: 22, totalTokens: 33 } })).toBe(33);
    expect(usageTokens({ usage: { inputTokens: 11, outputTokens: 22, totalTokens: undefined } })).toBe(33);
    expect(usageTokens({ usage: { promptTokens: 4, completionTokens: 6 } })).toBe(10);
  });

  it('AI SDK streamText: reads nothing and never calls its promise-valued getters', async () => {
    const stream = sseAnswer([
      { data: { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] } },
      { data: { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] } },
      { data: '[DONE]' },
    ]);
    const result = streamText({ model: createOpenAI({ apiKey: 'k', fetch: stream }).chat('gpt-4o-mini'), prompt: 'hi', maxRetries: 0 });
    const getters = (['usage', 'totalUsage', 'response', 'steps', 'text'] as const).map((name) => jest.spyOn(result, name, 'get'));
    try {
      expect(usageTokens(result)).toBeUndefined();
      for (const getter of getters) expect(getter).not.toHaveBeenCalled();
    } finally {
      for (const getter of getters) getter.mockRestore();
    }
    expect(await collect(result.textStream)).toEqual(['Hi']);
  });

  it('LangChain: an AIMessage’s usage_metadata, an LLMResult’s llmOutput.tokenUsage', async () => {
    const fetch = jsonAnswer(200, completion({ role: 'assistant', content: 'hi' }, { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 }));
    const chat = new ChatOpenAI({ apiKey: 'k', model: 'gpt-4o-mini', maxRetries: 0, configuration: { fetch } });
    const message = await chat.invoke('hi');
    expect(message).toBeInstanceOf(AIMessage);
    expect(usageTokens(message)).toBe(10);
    expect(usageTokens(new AIMessage({ content: 'x', usage_metadata: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } }))).toBe(7);
    const generated = await chat.generate([[new HumanMessage('hi')]]);
    expect(usageTokens({ generations: generated.generations, llmOutput: generated.llmOutput })).toBe(10);
    expect(usageTokens({ llmOutput: { tokenUsage: { promptTokens: 8, completionTokens: 2 } } })).toBe(10);
  });

  it('@google/genai: a GenerateContentResponse instance’s usageMetadata, without calling its getters', async () => {
    const body = {
      candidates: [{ content: { role: 'model', parts: [{ text: 'hi' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 3, totalTokenCount: 9 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'r',
    };
    const response = await new GoogleGenAI({ apiKey: 'k', httpOptions: { fetch: jsonAnswer(200, body) } }).models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    expect(response).toBeInstanceOf(GenerateContentResponse);
    const text = jest.spyOn(GenerateContentResponse.prototype, 'text', 'get');
    try {
      expect(usageTokens(response)).toBe(9);
      expect(text).not.toHaveBeenCalled();
    } finally {
      text.mockRestore();
    }
  });

  it('openai Responses API: usage.total_tokens of a real response', async () => {
    const body = {
      id: 'resp_1',
      object: 'response',
      created_at: 1,
      status: 'completed',
      model: 'gpt-4o-mini',
      output: [],
      usage: { input_tokens: 9, output_tokens: 3, total_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    };
    const response = await new OpenAI({ apiKey: 'k', maxRetries: 0, fetch: jsonAnswer(200, body) }).responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    expect(usageTokens(response)).toBe(12);
  });

  it('a usage exposed only through a getter is not read (documented: give @TokenBudget an `actual`)', () => {
    const get = jest.fn(() => ({ total_tokens: 5 }));
    expect(usageTokens(Object.defineProperty({}, 'usage', { get }))).toBeUndefined();
    expect(get).not.toHaveBeenCalled();
  });
});
