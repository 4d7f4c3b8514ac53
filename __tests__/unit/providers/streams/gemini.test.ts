import { GenerateContentResponse, GoogleGenAI } from '@google/genai';
import { classifyError } from '../../../../src/providers/classify';
import type { ChunkFacts } from '../../../../src/providers/streams/chunk-facts';
import { readGeminiChunk } from '../../../../src/providers/streams/gemini';
import { EMPTY_TALLY, tallyCounts, tallyTokens, tallyUsage } from '../../../../src/providers/streams/usage-tally';
import { sseAnswer } from '../../../helpers/sdk-fetch';

const chunk = (parts: object[], usage: object, finishReason?: string) => ({
  candidates: [{ content: { role: 'model', parts }, index: 0, ...(finishReason === undefined ? {} : { finishReason }) }],
  usageMetadata: usage,
  modelVersion: 'gemini-2.5-flash',
  responseId: 'r',
});

describe('readGeminiChunk on a real @google/genai stream', () => {
  it('text parts are content; usageMetadata is cumulative; the finishReason chunk ends it; no getter is called', async () => {
    const answer = sseAnswer([
      { data: chunk([{ text: 'Hel' }], { promptTokenCount: 8, totalTokenCount: 8 }) },
      { data: chunk([{ text: 'lo' }], { promptTokenCount: 8, candidatesTokenCount: 2, totalTokenCount: 10 }) },
      { data: chunk([{ text: '' }], { promptTokenCount: 8, candidatesTokenCount: 3, thoughtsTokenCount: 4, totalTokenCount: 15 }, 'STOP') },
    ]);
    const stream = await new GoogleGenAI({ apiKey: 'k', httpOptions: { fetch: answer } }).models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' });
    const text = jest.spyOn(GenerateContentResponse.prototype, 'text', 'get');
    const facts: ChunkFacts[] = [];
    try {
      for await (const c of stream) {
        expect(c).toBeInstanceOf(GenerateContentResponse);
        facts.push(readGeminiChunk(c));
      }
      expect(text).not.toHaveBeenCalled();
    } finally {
      text.mockRestore();
    }
    expect(facts.map((f) => f.content)).toEqual([true, true, false]);
    expect(facts.map((f) => f.usage)).toEqual([
      { input: 8, total: 8, mode: 'cumulative' },
      { input: 8, output: 2, total: 10, mode: 'cumulative' },
      { input: 8, output: 7, total: 15, mode: 'cumulative', final: true },
    ]);
    const tally = facts.reduce((t, f) => tallyUsage(t, f.usage), EMPTY_TALLY);
    expect(tallyTokens(tally)).toBe(15);
    expect(tallyCounts(tally)).toEqual({ input: 8, output: 7, total: 15 });
  });

  it('function calls, inline data and code are content; a thought signature alone or an empty text is not', () => {
    const usage = { promptTokenCount: 1 };
    expect(readGeminiChunk(chunk([{ functionCall: { name: 'weather', args: { city: 'Paris' } } }], usage)).content).toBe(true);
    expect(readGeminiChunk(chunk([{ inlineData: { mimeType: 'image/png', data: 'AAAA' } }], usage)).content).toBe(true);
    expect(readGeminiChunk(chunk([{ executableCode: { code: 'print(1)', language: 'PYTHON' } }], usage)).content).toBe(true);
    expect(readGeminiChunk(chunk([{ text: 'thinking', thought: true }], usage)).content).toBe(true);
    expect(readGeminiChunk(chunk([{ thoughtSignature: 'sig' }, { text: '' }], usage)).content).toBe(false);
    expect(readGeminiChunk(chunk([{ text: '', thought: true, partMetadata: { a: 1 } }], usage)).content).toBe(false);
  });

  it('a blocked prompt (promptFeedback.blockReason, no candidates) ends the usage', () => {
    const blocked = { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } };
    expect(readGeminiChunk(blocked)).toEqual({ content: false, usage: { input: 9, total: 9, mode: 'cumulative', final: true } });
  });

  it('a raw error chunk is an in-band error (the SDK itself throws it as an ApiError)', () => {
    const error = { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED' };
    const facts = readGeminiChunk({ error });
    expect(facts).toEqual({ content: false, error });
    expect(classifyError(facts.error).retryable).toBe(false); // no status, no known type: the SDK's ApiError is what gets retried
  });

  it('junk: no content, never throws', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    for (const junk of [undefined, null, {}, { candidates: 'x' }, { candidates: [null, { content: { parts: [null, 5, revoked.proxy] } }] }, { usageMetadata: { totalTokenCount: -1 } }]) {
      expect(readGeminiChunk(junk)).toEqual({ content: false });
    }
  });
});
