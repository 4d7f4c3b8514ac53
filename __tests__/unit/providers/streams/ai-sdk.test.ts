import { jsonSchema, stepCountIs, streamText, tool, type TextStreamPart, type ToolSet } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { classifyError } from '../../../../src/providers/classify';
import { readAiSdkPart } from '../../../../src/providers/streams/ai-sdk';
import type { ChunkFacts } from '../../../../src/providers/streams/chunk-facts';
import { EMPTY_TALLY, tallyTokens, tallyUsage, type UsageTally } from '../../../../src/providers/streams/usage-tally';
import { collect, jsonAnswer, sseText, type FetchFn, type SseEvent } from '../../../helpers/sdk-fetch';

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', usage: null };
const choice = (delta: object, finish_reason: string | null = null): SseEvent => ({ data: { ...base, choices: [{ index: 0, delta, finish_reason }] } });
const usage = (prompt: number, completion: number): SseEvent => ({ data: { ...base, choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } } });
const DONE: SseEvent = { data: '[DONE]' };
const TEXT = [choice({ role: 'assistant', content: '' }), choice({ content: 'Hello' }), choice({ content: '!' }), choice({}, 'stop'), usage(19, 3), DONE];
const TOOL_CALL = [
  choice({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '' } }] }),
  choice({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] }),
  choice({}, 'tool_calls'),
  usage(50, 10),
  DONE,
];

/** A fetch that answers each request with the next event stream. */
function streams(...answers: SseEvent[][]): FetchFn {
  let next = 0;
  return () => Promise.resolve(new Response(sseText(answers[next++] ?? []), { status: 200, headers: { 'content-type': 'text/event-stream' } }));
}

/** Reads every part as it arrives, as the runtime does. */
async function read<T extends ToolSet>(stream: AsyncIterable<TextStreamPart<T>>): Promise<{ types: string[]; facts: ChunkFacts[]; tallies: UsageTally[] }> {
  const types: string[] = [];
  const facts: ChunkFacts[] = [];
  const tallies: UsageTally[] = [];
  let tally = EMPTY_TALLY;
  for await (const part of stream) {
    const f = readAiSdkPart(part);
    tally = tallyUsage(tally, f.usage);
    types.push(part.type);
    facts.push(f);
    tallies.push(tally);
  }
  return { types, facts, tallies };
}

describe('readAiSdkPart on a real ai 6 streamText fullStream', () => {
  it('text deltas are content, framing parts are not; finish-step then finish settle the usage', async () => {
    const result = streamText({ model: createOpenAI({ apiKey: 'k', fetch: streams(TEXT) }).chat('gpt-4o-mini'), prompt: 'hi', maxRetries: 0 });
    const { types, facts, tallies } = await read(result.fullStream);
    expect(types).toEqual(['start', 'start-step', 'text-start', 'text-delta', 'text-delta', 'text-end', 'finish-step', 'finish']);
    expect(facts.map((f) => f.content)).toEqual([false, false, false, true, true, false, false, false]);
    expect(facts[6].usage).toEqual({ input: 19, output: 3, total: 22, mode: 'increment' });
    expect(facts[7].usage).toEqual({ input: 19, output: 3, total: 22, mode: 'cumulative', final: true });
    expect(tallyTokens(tallies[7])).toBe(22);
    expect(tallyTokens(tallies[7])).toBe((await result.totalUsage).totalTokens);
  });

  it('two steps (a tool call, then text): the steps add up, and finish’s total replaces their sum', async () => {
    const weather = tool({ description: 'weather', inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } } }), execute: () => Promise.resolve('sunny') });
    const result = streamText({
      model: createOpenAI({ apiKey: 'k', fetch: streams(TOOL_CALL, TEXT) }).chat('gpt-4o-mini'),
      prompt: 'Weather in Paris?',
      tools: { weather },
      stopWhen: stepCountIs(2),
      maxRetries: 0,
    });
    const { types, facts, tallies } = await read(result.fullStream);
    const at = (type: string, nth = 0) => types.reduce<number[]>((found, t, i) => (t === type ? [...found, i] : found), [])[nth];
    for (const type of ['tool-input-start', 'tool-input-delta', 'tool-call', 'tool-result', 'text-delta']) expect(facts[at(type)].content).toBe(true);
    expect(facts[at('tool-input-end')].content).toBe(false);
    expect(tallyTokens(tallies[at('finish-step', 0)])).toBe(60);
    expect(tallyTokens(tallies[at('finish-step', 1)])).toBe(82);
    expect(tallyTokens(tallies[at('finish')])).toBe(82);
    expect((await result.totalUsage).totalTokens).toBe(82);
  });

  it('a 429 before any output arrives as an error part: its error is the APICallError, classified rate-limited', async () => {
    const result = streamText({
      model: createOpenAI({ apiKey: 'k', fetch: jsonAnswer(429, { error: { message: 'Rate limit', type: 'requests', code: 'rate_limit_exceeded' } }, { 'retry-after': '1' }) }).chat('gpt-4o-mini'),
      prompt: 'hi',
      maxRetries: 0,
      onError: () => undefined,
    });
    const facts = (await collect(result.fullStream)).map(readAiSdkPart);
    const errors = facts.filter((f) => f.error !== undefined);
    expect(errors).toHaveLength(1);
    expect(facts.some((f) => f.content)).toBe(false);
    expect(classifyError(errors[0].error)).toMatchObject({ retryable: true, reason: 'rate-limited', status: 429 });
  });

  it('abort, reasoning, sources and files; empty text carries nothing', () => {
    const parts: Array<[TextStreamPart<ToolSet>, boolean]> = [
      [{ type: 'reasoning-delta', id: 'r', text: 'Thinking' }, true],
      [{ type: 'reasoning-delta', id: 'r', text: '' }, false],
      [{ type: 'text-delta', id: 't', text: '' }, false],
      [{ type: 'source', sourceType: 'url', id: 's', url: 'https://example.com' }, true],
      [{ type: 'raw', rawValue: { any: 'thing' } }, false],
      [{ type: 'reasoning-start', id: 'r' }, false],
    ];
    for (const [part, content] of parts) expect(readAiSdkPart(part).content).toBe(content);
    expect(readAiSdkPart({ type: 'abort', reason: 'user' })).toEqual({ content: false, aborted: true });
  });

  it('streamObject parts, ai 4 names, a provider’s doStream parts', () => {
    expect(readAiSdkPart({ type: 'object', object: { city: 'Pa' } }).content).toBe(true);
    expect(readAiSdkPart({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12 } }).usage).toEqual({ input: 5, output: 7, total: 12, mode: 'cumulative', final: true });
    // ai 4
    expect(readAiSdkPart({ type: 'text-delta', textDelta: 'Hi' }).content).toBe(true);
    expect(readAiSdkPart({ type: 'tool-call-delta', toolCallId: 'c', toolName: 'w', argsTextDelta: '{' }).content).toBe(true);
    expect(readAiSdkPart({ type: 'step-finish', usage: { promptTokens: 4, completionTokens: 6, totalTokens: 10 } }).usage).toEqual({ input: 4, output: 6, total: 10, mode: 'increment' });
    // LanguageModelV3StreamPart
    expect(readAiSdkPart({ type: 'text-delta', id: 't', delta: 'Hi' }).content).toBe(true);
    expect(readAiSdkPart({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: { total: 5 }, outputTokens: { total: 7 } } }).usage).toEqual({ input: 5, output: 7, mode: 'cumulative', final: true });
    expect(readAiSdkPart({ type: 'stream-start', warnings: [] }).content).toBe(false);
  });

  it('junk: no content, never throws', () => {
    for (const junk of [undefined, null, {}, { type: 7 }, { type: 'finish' }, { type: 'finish-step', usage: 'x' }, { type: 'brand-new-part' }]) {
      expect(readAiSdkPart(junk)).toEqual({ content: false });
    }
    expect(readAiSdkPart({ type: 'error' })).toEqual({ content: false, error: undefined });
  });
});
