import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
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
    const gpt4o = require('gpt-tokenizer/cjs/model/gpt-4o') as {
      default: { countChatCompletionTokens: (r: { messages: typeof messages }) => number };
    };
    expect(estimateChatTokens({ model: 'gpt-4o', messages, max_tokens: 0 })).toBe(
      gpt4o.default.countChatCompletionTokens({ messages }),
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

  it('non-object input estimates 0', () => {
    expect(estimateChatTokens(undefined as unknown as ChatRequestLike)).toBe(0);
  });
});
