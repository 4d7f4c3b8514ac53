import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { FunctionResponse, type GenerateContentParameters } from '@google/genai';
import { jsonSchema, tool, type generateText, type streamText } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { z } from 'zod';
import fc from 'fast-check';
import gpt4o from 'gpt-tokenizer/cjs/model/gpt-4o';
import { estimateChatTokens, DEFAULT_COMPLETION_RESERVATION, type ChatRequestLike } from '../../../src/tokens';
import { CORPUS, o200k } from '../../helpers/tokenizer-oracles';

// Cookbook formula reference implementation, on the oracle tokenizer.
function cookbook(messages: ReadonlyArray<{ role: string; content: string; name?: string }>): number {
  let n = 3;
  for (const m of messages) {
    n += 3 + o200k(m.role) + o200k(m.content);
    if (m.name !== undefined) n += o200k(m.name) + 1;
  }
  return n;
}

describe('estimateChatTokens (OpenAI)', () => {
  const messages = [
    { role: 'system', content: 'You are a helpful support agent.' },
    { role: 'user', content: CORPUS[1], name: 'alice' },
    { role: 'assistant', content: CORPUS[2] },
  ];

  it('is prompt + framing (3/message, +1 per name, +3 priming) + max_tokens', () => {
    expect(estimateChatTokens({ model: 'gpt-4o', messages, max_tokens: 100 })).toBe(cookbook(messages) + 100);
  });

  it('matches gpt-tokenizer’s own chat count for plain messages', () => {
    expect(estimateChatTokens({ model: 'gpt-4o', messages, max_tokens: 0 })).toBe(
      gpt4o.countChatCompletionTokens?.({ messages: messages.map((m) => ({ ...m, role: m.role as 'system' | 'user' | 'assistant' })) }),
    );
  });

  it('hand-computed: one short message', () => {
    // 3 (message) + 1 ("user") + 2 ("hello world") + 3 (priming) + 10
    expect(estimateChatTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello world' }], max_tokens: 10 })).toBe(19);
  });

  it('prefers max_completion_tokens over max_tokens', () => {
    const base = cookbook(messages);
    expect(estimateChatTokens({ model: 'gpt-4o', messages, max_completion_tokens: 50, max_tokens: 999 })).toBe(base + 50);
    expect(estimateChatTokens({ model: 'gpt-4o', messages, max_completion_tokens: null, max_tokens: 70 })).toBe(base + 70);
  });

  it('multiplies the completion reservation by n', () => {
    const base = cookbook(messages);
    expect(estimateChatTokens({ model: 'gpt-4o', messages, max_tokens: 100, n: 3 })).toBe(base + 300);
    expect(estimateChatTokens({ model: 'gpt-4o', messages, max_tokens: 100, n: 0 })).toBe(base + 100);
    expect(estimateChatTokens({ model: 'gpt-4o', messages, max_tokens: 100, n: 1e9 })).toBe(base + 12_800);
  });

  it('reserves the documented default when no max is given, overridable', () => {
    const base = cookbook(messages);
    expect(DEFAULT_COMPLETION_RESERVATION).toBe(4096);
    expect(estimateChatTokens({ model: 'gpt-4o', messages })).toBe(base + 4096);
    expect(estimateChatTokens({ model: 'gpt-4o', messages, max_tokens: null })).toBe(base + 4096);
    expect(estimateChatTokens({ model: 'gpt-4o', messages }, { defaultMaxTokens: 500 })).toBe(base + 500);
  });

  it('counts text parts and flat image estimates', () => {
    const parts: ChatRequestLike = {
      model: 'gpt-4o',
      max_tokens: 0,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hello world' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'https://x/y.png' } },
          ],
        },
      ],
    };
    expect(estimateChatTokens(parts)).toBe(3 + 1 + 2 + 85 + 765 + 3);
  });

  it('counts tool calls, tool results and tool definitions', () => {
    const args = '{"city":"Paris"}';
    const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }];
    const req: ChatRequestLike = {
      model: 'gpt-4o',
      max_tokens: 0,
      tools,
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ function: { name: 'weather', arguments: args } }] },
        { role: 'tool', content: 'sunny', tool_call_id: 'call_1' },
      ],
    };
    const expected =
      3 + 1 + o200k('weather') + o200k(args) + (3 + 1 + o200k('sunny') + o200k('call_1')) + 3 + o200k(JSON.stringify(tools));
    expect(estimateChatTokens(req)).toBe(expected);
  });

  it('accepts real openai SDK params without casts', () => {
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'hello world' }] },
      ],
      max_completion_tokens: 20,
      temperature: 0,
    };
    expect(estimateChatTokens(params)).toBe(3 + 1 + o200k('Be brief.') + 3 + 1 + 2 + 3 + 20);
  });
});

describe('estimateChatTokens (Anthropic)', () => {
  // claude-* is unknown to the BPE table: every text costs ceil(chars / 4).
  const q = (s: string): number => Math.ceil(s.length / 4);

  it('counts a string system prompt as one more framed message', () => {
    const req: ChatRequestLike = {
      model: 'claude-sonnet-4-5',
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Summarise this ticket please' }],
      max_tokens: 1024,
    };
    expect(estimateChatTokens(req)).toBe(3 + 1 + q('You are terse.') + 3 + 1 + q('Summarise this ticket please') + 3 + 1024);
  });

  it('counts system blocks, text blocks, images, tool_use and tool_result', () => {
    const input = { query: 'refund policy' };
    const params: MessageCreateParamsNonStreaming = {
      model: 'claude-sonnet-4-5',
      max_tokens: 500,
      system: [{ type: 'text', text: 'Policy A' }, { type: 'text', text: 'Policy B' }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'search', input }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: '30 days' }] }],
        },
      ],
    };
    const expected =
      3 + 1 + q('Policy A') + q('Policy B') +
      (3 + 1 + q('What is this?') + 1600) +
      (3 + 1 + q('search') + q(JSON.stringify(input))) +
      (3 + 1 + q('30 days')) +
      3 + 500;
    expect(estimateChatTokens(params)).toBe(expected);
  });
});

describe('estimateChatTokens (Vercel AI SDK call options)', () => {
  // the model object's modelId picks the tokenizer: gpt-4o → o200k
  const model = createOpenAI({ apiKey: 'k' }).chat('gpt-4o');
  type GenerateOptions = Parameters<typeof generateText>[0];

  it('counts prompt and system and reserves maxOutputTokens (was a flat 4,096 whatever the content)', () => {
    const prompt = `Summarise: ${CORPUS[1]} ${CORPUS[2]}`;
    const options: GenerateOptions = { model, system: 'You are terse.', prompt, maxOutputTokens: 200 };
    expect(estimateChatTokens(options)).toBe(3 + 1 + o200k('You are terse.') + (3 + 1 + o200k(prompt)) + 3 + 200);
    const long = 'lorem ipsum dolor sit amet '.repeat(4000);
    expect(estimateChatTokens({ model, prompt: long, maxOutputTokens: 200 })).toBe(3 + 1 + o200k(long) + 3 + 200);
    expect(estimateChatTokens({ model, prompt: 'hi' })).toBe(3 + 1 + o200k('hi') + 3 + DEFAULT_COMPLETION_RESERVATION);
  });

  it('counts messages with text, image, file, reasoning, tool-call and tool-result parts', () => {
    const input = { query: 'refund policy' };
    const answer = { days: 30 };
    const contentParts = [
      { type: 'text' as const, text: 'see attached' },
      { type: 'image-data' as const, data: 'AAAA', mediaType: 'image/png' },
    ];
    const options: Parameters<typeof streamText>[0] = {
      model,
      maxOutputTokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image', image: new URL('https://example.com/cat.png') },
            { type: 'file', data: 'JVBERi0=', mediaType: 'application/pdf' },
          ],
        },
        { role: 'assistant', content: [{ type: 'reasoning', text: 'Look it up.' }, { type: 'tool-call', toolCallId: 'c1', toolName: 'search', input }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'search', output: { type: 'json', value: answer } }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c2', toolName: 'search', output: { type: 'text', value: 'thirty days' } }] },
        {
          role: 'tool',
          content: [{ type: 'tool-result', toolCallId: 'c3', toolName: 'search', output: { type: 'content', value: contentParts } }],
        },
      ],
    };
    const expected =
      (3 + 1 + o200k('What is in this image?') + 1600 + 1600) +
      (3 + 1 + o200k('Look it up.') + o200k('search') + o200k(JSON.stringify(input))) +
      (3 + 1 + o200k('search') + o200k(JSON.stringify(answer))) +
      (3 + 1 + o200k('search') + o200k('thirty days')) +
      (3 + 1 + o200k('search') + o200k('see attached') + 1600) +
      3 + 100;
    expect(estimateChatTokens(options)).toBe(expected);
  });

  it('a system message object or a list of them; prompt given as messages', () => {
    const system = [
      { role: 'system' as const, content: 'Policy A' },
      { role: 'system' as const, content: 'Policy B' },
    ];
    expect(estimateChatTokens({ model, system, prompt: [{ role: 'user', content: 'hello world' }], maxOutputTokens: 0 })).toBe(
      3 + 1 + o200k('Policy A') + o200k('Policy B') + (3 + 1 + 2) + 3,
    );
    expect(estimateChatTokens({ model, system: system[0], prompt: 'hello world', maxOutputTokens: 0 })).toBe(3 + 1 + o200k('Policy A') + (3 + 1 + 2) + 3);
  });

  it('tools: names, descriptions and plain JSON schemas; a zod schema is not serialised', () => {
    const schema = { type: 'object' as const, properties: { city: { type: 'string' as const } } };
    const withJson = { weather: tool({ description: 'Get the weather', inputSchema: jsonSchema<{ city: string }>(schema) }) };
    const withZod = { weather: tool({ description: 'Get the weather', inputSchema: z.object({ city: z.string() }) }) };
    const base = estimateChatTokens({ model, prompt: 'hi', maxOutputTokens: 0 });
    expect(estimateChatTokens({ model, prompt: 'hi', tools: withJson, maxOutputTokens: 0 })).toBe(
      base + o200k('weather') + o200k('Get the weather') + o200k(JSON.stringify(withJson.weather.inputSchema)),
    );
    expect(JSON.stringify(withJson.weather.inputSchema)).toContain('"city"');
    expect(estimateChatTokens({ model, prompt: 'hi', tools: withZod, maxOutputTokens: 0 })).toBe(base + o200k('weather') + o200k('Get the weather'));
  });

  it('ai 4’s maxTokens; a model id string (AI Gateway) picks the tokenizer too', () => {
    expect(estimateChatTokens({ model: 'openai/gpt-4o', prompt: 'hello world', maxTokens: 7 })).toBe(3 + 1 + 2 + 3 + 7);
  });
});

describe('estimateChatTokens (Gemini generateContent parameters)', () => {
  // gemini-* is unknown to the BPE table: every text costs ceil(chars / 4).
  const q = (s: string): number => Math.ceil(s.length / 4);

  it('a 400,000-character prompt is ~100,000 tokens, not 4,096; config.maxOutputTokens is reserved', () => {
    const contents = 'a'.repeat(400_000);
    const params: GenerateContentParameters = { model: 'gemini-2.5-flash', contents, config: { maxOutputTokens: 1000 } };
    expect(estimateChatTokens(params)).toBe(3 + 1 + 100_000 + 3 + 1000);
    expect(estimateChatTokens({ model: 'gemini-2.5-flash', contents })).toBe(3 + 1 + 100_000 + 3 + DEFAULT_COMPLETION_RESERVATION);
  });

  it('Content[] with text, function call / response, code and inline data parts; systemInstruction; candidateCount', () => {
    const args = { city: 'Paris' };
    const response = { weather: 'sunny' };
    const params: GenerateContentParameters = {
      model: 'gemini-2.5-flash',
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris?' }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }] },
        { role: 'model', parts: [{ functionCall: { name: 'weather', args } }] },
        { role: 'user', parts: [{ functionResponse: Object.assign(new FunctionResponse(), { name: 'weather', response }) }] },
        { role: 'model', parts: [{ executableCode: { code: 'print(1)' } }, { codeExecutionResult: { output: '1' } }] },
      ],
      config: { systemInstruction: 'Be brief.', maxOutputTokens: 50, candidateCount: 2 },
    };
    const expected =
      (3 + 1 + q('Be brief.')) +
      (3 + 1 + q('Weather in Paris?') + 1600) +
      (3 + 1 + q('weather') + q(JSON.stringify(args))) +
      (3 + 1 + q('weather') + q(JSON.stringify(response))) +
      (3 + 1 + q('print(1)') + q('1')) +
      3 + 50 * 2;
    expect(estimateChatTokens(params)).toBe(expected);
  });

  it('a list of strings or parts is one user message; a systemInstruction Content is counted', () => {
    expect(estimateChatTokens({ model: 'gemini-2.5-flash', contents: ['part one', { text: 'part two' }], config: { maxOutputTokens: 0 } })).toBe(
      3 + 1 + q('part one') + q('part two') + 3,
    );
    expect(estimateChatTokens({ model: 'gemini-2.5-flash', contents: { text: 'hello' }, config: { maxOutputTokens: 0, systemInstruction: { parts: [{ text: 'Be brief.' }] } } })).toBe(
      3 + 1 + q('Be brief.') + (3 + 1 + q('hello')) + 3,
    );
  });
});

describe('estimateChatTokens (openai Responses API)', () => {
  it('instructions, a string input, max_output_tokens', () => {
    const params: ResponseCreateParamsNonStreaming = { model: 'gpt-4o', instructions: 'Be brief.', input: 'hello world', max_output_tokens: 50 };
    expect(estimateChatTokens(params)).toBe(3 + 1 + o200k('Be brief.') + (3 + 1 + 2) + 3 + 50);
  });

  it('input items: messages with parts, function calls and outputs, reasoning summaries, references', () => {
    const params: ResponseCreateParamsNonStreaming = {
      model: 'gpt-4o',
      max_output_tokens: 10,
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'hello world' }, { type: 'input_image', image_url: 'https://x/y.png', detail: 'low' }] },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Look it up.' }] },
        { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
        { type: 'item_reference', id: 'msg_0' },
      ],
    };
    const expected = (3 + 1 + 2 + 85) + o200k('Look it up.') + o200k('weather') + o200k('{"city":"Paris"}') + o200k('sunny') + 0 + 3 + 10;
    expect(estimateChatTokens(params)).toBe(expected);
  });

  it('an embeddings input of strings is counted as text, without chat framing', () => {
    expect(estimateChatTokens({ model: 'gpt-4o', input: ['hello world', CORPUS[1]] }, { defaultMaxTokens: 0 })).toBe(2 + o200k(CORPUS[1]));
  });

  it('a stored prompt reference is not counted (its text lives on the server)', () => {
    const params: ResponseCreateParamsNonStreaming = { model: 'gpt-4o', prompt: { id: 'pmpt_1', variables: { city: 'Paris' } }, input: 'hello world', max_output_tokens: 0 };
    expect(estimateChatTokens(params)).toBe(3 + 1 + 2 + 3);
  });

  it('other items are counted as their JSON', () => {
    const item = { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'weather' } };
    expect(estimateChatTokens({ model: 'gpt-4o', input: [item as never], max_output_tokens: 0 })).toBe(o200k(JSON.stringify(item)) + 3);
  });
});

describe('estimateChatTokens on junk', () => {
  const junk: unknown[] = [
    undefined,
    null,
    0,
    NaN,
    'string',
    [],
    {},
    { messages: 'nope' },
    { messages: [null, 1, 'x', { role: 5, content: { a: 1 } }, { content: [null, 7, { type: 'image_url' }] }] },
    { max_tokens: -5, n: NaN, tools: 'x' },
    { max_tokens: Infinity, n: Infinity },
    { max_tokens: 1e300, n: 100 },
    { system: { weird: true }, messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'deep' }] }] },
    { tools: [{ big: BigInt(1) }] },
  ];

  it.each(junk.map((j) => [j]))('returns a finite non-negative integer for %p', (j) => {
    const n = estimateChatTokens(j as ChatRequestLike);
    expect(Number.isSafeInteger(n)).toBe(true);
    expect(n).toBeGreaterThanOrEqual(0);
  });

  it('survives cycles and throwing getters', () => {
    const cyclic: Record<string, unknown> = { type: 'tool_result' };
    cyclic.content = [cyclic];
    const input: Record<string, unknown> = {};
    input.self = input;
    const req = {
      messages: [{ role: 'user', content: [cyclic, { type: 'tool_use', name: 'x', input }] }],
      max_tokens: 1,
    };
    expect(Number.isSafeInteger(estimateChatTokens(req as unknown as ChatRequestLike))).toBe(true);
    const throwing = new Proxy({}, { get: () => { throw new Error('boom'); } });
    expect(estimateChatTokens(throwing as ChatRequestLike)).toBe(0);
  });

  it('every client field holding anything (hostile values included) yields a safe integer', () => {
    const throwing = new Proxy({}, { get: () => { throw new Error('boom'); } });
    const anyValue = fc.oneof(fc.anything(), fc.constant(throwing), fc.constant('x'.repeat(100_000)));
    const request = fc.record(
      {
        model: fc.oneof(fc.constantFrom('gpt-4o', 'gemini-2.5-flash', 'claude-sonnet-4-6'), fc.record({ modelId: fc.anything() }), fc.anything()),
        prompt: anyValue,
        input: fc.oneof(fc.array(anyValue, { maxLength: 4 }), anyValue),
        instructions: anyValue,
        contents: fc.oneof(fc.array(fc.oneof(anyValue, fc.record({ role: fc.anything(), parts: fc.array(anyValue, { maxLength: 3 }) })), { maxLength: 4 }), anyValue),
        config: fc.oneof(fc.record({ systemInstruction: anyValue, maxOutputTokens: fc.anything(), candidateCount: fc.anything(), tools: anyValue }, { requiredKeys: [] }), anyValue),
        system: anyValue,
        messages: fc.oneof(fc.array(fc.record({ role: fc.anything(), content: fc.oneof(fc.array(anyValue, { maxLength: 3 }), anyValue), parts: anyValue }, { requiredKeys: [] }), { maxLength: 3 }), anyValue),
        tools: fc.oneof(fc.dictionary(fc.string(), anyValue, { maxKeys: 3 }), anyValue),
        maxOutputTokens: fc.anything(),
        max_output_tokens: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(request, (req) => {
        const n = estimateChatTokens(req as ChatRequestLike);
        expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('non-object input estimates 0', () => {
    expect(estimateChatTokens(undefined as unknown as ChatRequestLike)).toBe(0);
  });
});
