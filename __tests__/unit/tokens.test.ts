import fc from 'fast-check';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions';
import type { MessageCreateParamsNonStreaming, Message } from '@anthropic-ai/sdk/resources/messages';
import {
  countTextTokens,
  estimateChatTokens,
  usageTokens,
  DEFAULT_COMPLETION_RESERVATION,
  type ChatRequestLike,
} from '../../src/tokens';
import { encodingForModel, preloadTokenizer } from '../../src/tokens/count';

// Oracles: js-tiktoken is an independent port of OpenAI's tiktoken. Special tokens are
// encoded as plain text (disallowedSpecial = []), as countTextTokens does.
// (Rank tables via require: their typings are only reachable through package exports.)
const oracleO200k = new Tiktoken(require('js-tiktoken/ranks/o200k_base') as TiktokenBPE);
const oracleCl100k = new Tiktoken(require('js-tiktoken/ranks/cl100k_base') as TiktokenBPE);
const o200k = (s: string): number => oracleO200k.encode(s, [], []).length;
const cl100k = (s: string): number => oracleCl100k.encode(s, [], []).length;

const CORPUS: readonly string[] = [
  'hello world',
  'Hi, my order #48213 arrived damaged. Can I get a refund or a replacement?',
  "We're sorry to hear that! I've issued a refund of $39.99 to your Visa ending 4242.",
  'function add(a: number, b: number): number {\n  return a + b;\n}\n',
  '{"id":"cmpl-9xYz","choices":[{"index":0,"message":{"role":"assistant","content":null}}]}',
  '    indented\n\n\n\ttabs\r\n  trailing   ',
  'Grüße aus München – Straße, Ärger, Öl.',
  '我的订单还没有到，请帮我查一下物流信息。',
  'ご注文ありがとうございます。発送は明日の予定です。',
  'مرحبا، أحتاج إلى مساعدة في حسابي',
  'Привет! Мой заказ пришёл повреждённым.',
  'emoji 😀👍🏽🇫🇷 and ZWJ 👨‍👩‍👧‍👦',
  'special <|endoftext|> and <|im_start|>user<|im_end|> as text',
  '1234567890 3.14159 1e-9 0xDEADBEEF',
  "it's they're we've I'm you'll he'd IT'S",
  'https://example.com/path?query=1&other=two#frag',
  'a\uD800b lone\uDC00surrogates',
];

describe('encodingForModel', () => {
  it.each([
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini-2024-07-18', 'o200k_base'],
    ['GPT-4.1-nano', 'o200k_base'],
    ['gpt-5', 'o200k_base'],
    ['gpt-5.1-codex', 'o200k_base'],
    ['o1', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['o4-mini-2025-04-16', 'o200k_base'],
    ['chatgpt-4o-latest', 'o200k_base'],
    ['openai/gpt-4o', 'o200k_base'],
    ['ft:gpt-4o-mini-2024-07-18:org::abc', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['gpt-35-turbo', 'cl100k_base'],
    ['text-embedding-3-small', 'cl100k_base'],
  ])('%s -> %s', (model, enc) => {
    expect(encodingForModel(model)).toBe(enc);
  });

  it.each([['claude-sonnet-4-5'], ['gemini-2.5-pro'], ['llama-3-70b'], ['o10'], ['my-deployment'], [''], [undefined]])(
    '%s -> unknown',
    (model) => {
      expect(encodingForModel(model)).toBeUndefined();
    },
  );
});

describe('countTextTokens', () => {
  it('matches known o200k counts', () => {
    expect(countTextTokens('hello world', 'gpt-4o')).toBe(2);
    expect(countTextTokens('', 'gpt-4o')).toBe(0);
    expect(countTextTokens('hello world', 'gpt-4o')).toBe(o200k('hello world'));
  });

  it('agrees exactly with js-tiktoken on o200k for the corpus', () => {
    for (const s of CORPUS) expect([s, countTextTokens(s, 'gpt-4o')]).toEqual([s, o200k(s)]);
  });

  it('agrees exactly with js-tiktoken on cl100k for the corpus', () => {
    for (const s of CORPUS) expect([s, countTextTokens(s, 'gpt-4')]).toEqual([s, cl100k(s)]);
  });

  it('picks a different encoding for o200k vs cl100k models', () => {
    const s = CORPUS[7]; // Chinese: o200k is markedly denser than cl100k
    expect(o200k(s)).not.toBe(cl100k(s));
    expect(countTextTokens(s, 'gpt-4o-mini')).toBe(o200k(s));
    expect(countTextTokens(s, 'gpt-3.5-turbo')).toBe(cl100k(s));
  });

  it('agrees with js-tiktoken on arbitrary unicode strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (s) => {
        expect(countTextTokens(s, 'gpt-4o')).toBe(o200k(s));
        expect(countTextTokens(s, 'gpt-4')).toBe(cl100k(s));
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('counts special-token strings as text instead of throwing', () => {
    const s = '<|endoftext|>';
    expect(countTextTokens(s, 'gpt-4o')).toBe(o200k(s));
    expect(countTextTokens(s, 'gpt-4o')).toBeGreaterThan(1);
  });

  it('falls back to ceil(chars / 4) for unknown or missing models', () => {
    const s = 'x'.repeat(10);
    expect(countTextTokens(s)).toBe(3);
    expect(countTextTokens(s, 'claude-sonnet-4-5')).toBe(3);
    expect(countTextTokens(s, 'gemini-2.5-flash')).toBe(3);
    expect(countTextTokens('abcd', undefined)).toBe(1);
    expect(countTextTokens('', 'claude-3-haiku')).toBe(0);
  });

  it('alternating models does not reuse the wrong encoding', () => {
    const s = CORPUS[7];
    for (let i = 0; i < 3; i++) {
      expect(countTextTokens(s, 'gpt-4o')).toBe(o200k(s));
      expect(countTextTokens(s, 'claude-opus-4')).toBe(Math.ceil(s.length / 4));
      expect(countTextTokens(s, 'gpt-4')).toBe(cl100k(s));
    }
  });

  it('preloadTokenizer loads BPE only for known OpenAI models', () => {
    expect(preloadTokenizer('gpt-4o')).toBe(true);
    expect(preloadTokenizer('gpt-3.5-turbo')).toBe(true);
    expect(preloadTokenizer('claude-haiku-4-5')).toBe(false);
  });

  it('returns 0 for non-string input without throwing', () => {
    expect(countTextTokens(undefined as unknown as string, 'gpt-4o')).toBe(0);
    expect(countTextTokens(42 as unknown as string, 'gpt-4o')).toBe(0);
  });

  it('stays fast and near-exact on pathological long runs', () => {
    // Without run cutting, gpt-tokenizer needs ~47 s for this (quadratic BPE).
    const started = Date.now();
    expect(countTextTokens('A'.repeat(200_000), 'gpt-4o')).toBe(25_000);
    expect(countTextTokens('-'.repeat(100_000), 'gpt-4o')).toBeGreaterThan(1_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a cut long word stays within 2% of the exact count', () => {
    const word = 'supercalifragilistic'.repeat(40); // 800 letters, no spaces
    const exact = o200k(word);
    expect(Math.abs(countTextTokens(word, 'gpt-4o') - exact)).toBeLessThanOrEqual(Math.ceil(exact * 0.02));
  });
});

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
