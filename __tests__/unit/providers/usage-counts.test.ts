import { countedTokens, geminiUsage, readUsageCounts, usageTotal } from '../../../src/providers/usage-counts';

describe('readUsageCounts', () => {
  it('openai chat: prompt / completion / total', () => {
    expect(readUsageCounts({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 })).toEqual({ input: 10, output: 5, total: 15 });
    expect(readUsageCounts({ prompt_tokens: 10 })).toEqual({ input: 10 });
  });

  it('Responses API and LangChain usage_metadata: input / output / total', () => {
    expect(readUsageCounts({ input_tokens: 3, output_tokens: 4, total_tokens: 7, input_token_details: {} })).toEqual({ input: 3, output: 4, total: 7 });
  });

  it('Anthropic: cache creation is input, cache reads are not counted', () => {
    expect(readUsageCounts({ input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 30, cache_read_input_tokens: 1000 })).toEqual({ input: 130, output: 20 });
    // message_delta: input_tokens null, output cumulative
    expect(readUsageCounts({ input_tokens: null, output_tokens: 57, cache_creation_input_tokens: 0 })).toEqual({ output: 57 });
  });

  it('AI SDK 5/6 camelCase, its provider-level nested { total }, and ai 3/4 prompt/completion', () => {
    expect(readUsageCounts({ inputTokens: 11, outputTokens: 22, totalTokens: 33, inputTokenDetails: { cacheReadTokens: 5 } })).toEqual({ input: 11, output: 22, total: 33 });
    expect(readUsageCounts({ inputTokens: { total: 11, noCache: 6 }, outputTokens: { total: 22 } })).toEqual({ input: 11, output: 22 });
    expect(readUsageCounts({ promptTokens: 4, completionTokens: 6, totalTokens: 10 })).toEqual({ input: 4, output: 6, total: 10 });
    expect(readUsageCounts({ inputTokens: undefined, outputTokens: undefined, totalTokens: undefined })).toBeUndefined();
  });

  it('Gemini usageMetadata: prompt + tool-use prompt in, candidates + thoughts out', () => {
    const meta = { promptTokenCount: 5, toolUsePromptTokenCount: 2, candidatesTokenCount: 6, thoughtsTokenCount: 3, totalTokenCount: 16 };
    expect(readUsageCounts(meta)).toEqual({ input: 7, output: 9, total: 16 });
    expect(geminiUsage({ usageMetadata: meta })).toEqual({ input: 7, output: 9, total: 16 });
    expect(geminiUsage({ usageMetadata: {} })).toBeUndefined();
    expect(geminiUsage({})).toBeUndefined();
  });

  it('junk reads as undefined; invalid counts are dropped', () => {
    for (const junk of [undefined, null, 5, 'usage', {}, { total_tokens: -1 }, { inputTokens: 'x' }, { totalTokenCount: Number.NaN }]) {
      expect(readUsageCounts(junk)).toBeUndefined();
    }
    expect(readUsageCounts({ prompt_tokens: 3, completion_tokens: -2 })).toEqual({ input: 3 });
  });

  it('never calls a getter', () => {
    const get = jest.fn(() => 99);
    expect(readUsageCounts(Object.defineProperty({ input_tokens: 1 }, 'output_tokens', { get }))).toEqual({ input: 1 });
    expect(get).not.toHaveBeenCalled();
  });
});

describe('countedTokens', () => {
  it('total when reported, else input + output, else undefined', () => {
    expect(countedTokens({ input: 1, output: 2, total: 10 })).toBe(10);
    expect(countedTokens({ input: 1, output: 2 })).toBe(3);
    expect(countedTokens({ output: 2 })).toBe(2);
    expect(countedTokens({})).toBeUndefined();
    expect(countedTokens(undefined)).toBeUndefined();
    expect(countedTokens({ input: Number.MAX_SAFE_INTEGER, output: 5 })).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('usageTotal', () => {
  it('is countedTokens of readUsageCounts for every shape', () => {
    const shapes: unknown[] = [
      { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      { total_tokens: 7 },
      { total_tokens: -1, prompt_tokens: 2, completion_tokens: 3 },
      { input_tokens: 3, output_tokens: 4, cache_creation_input_tokens: 2 },
      { inputTokens: 11, outputTokens: 22 },
      { totalTokenCount: 16, promptTokenCount: 5 },
      {},
      null,
      'text',
    ];
    for (const usage of shapes) expect(usageTotal(usage)).toBe(countedTokens(readUsageCounts(usage)));
    expect(usageTotal({ total_tokens: 15, prompt_tokens: 1, completion_tokens: 1 })).toBe(15);
  });
});
