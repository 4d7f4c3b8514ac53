import type { RequestContext } from '../../../../src/testing/emulator/dialect';
import { parseGeminiRequest, protoDuration } from '../../../../src/testing/emulator/gemini';

const context = (stream = false): RequestContext => ({ countTokens: (text) => text.length, defaultMaxTokens: 16, pathModel: 'gemini-x', pathStream: stream });

describe('emulator Gemini dialect', () => {
  it('writes a protobuf Duration rounded up to the millisecond', () => {
    expect(protoDuration(1000)).toBe('1s');
    expect(protoDuration(21_000)).toBe('21s');
    expect(protoDuration(350)).toBe('0.350s');
    expect(protoDuration(1234.2)).toBe('1.235s');
    expect(protoDuration(0.01)).toBe('0.001s');
  });

  it('takes the model and stream from the path, charges systemInstruction and contents, in camelCase or snake_case', () => {
    const contents = [{ role: 'user', parts: [{ text: 'hello' }, { inlineData: { mimeType: 'image/png', data: 'x' } }] }, { role: 'model', parts: [{ text: 'ab' }] }];
    expect(parseGeminiRequest({ contents, systemInstruction: { parts: [{ text: 'abc' }] }, generationConfig: { maxOutputTokens: 9 } }, context(true))).toEqual({
      model: 'gemini-x',
      promptTokens: 3 + 5 + 2 + 3 * 3 + 3,
      maxTokens: 9,
      stream: true,
      includeUsage: false,
    });
    expect(parseGeminiRequest({ contents, system_instruction: { parts: [{ text: 'abc' }] }, generation_config: { max_output_tokens: 4 } }, context())).toMatchObject({
      promptTokens: 3 + 5 + 2 + 3 * 3 + 3,
      maxTokens: 4,
      stream: false,
    });
    expect(parseGeminiRequest({ contents }, context())).toMatchObject({ maxTokens: 16 });
  });

  it('names what is invalid', () => {
    expect(parseGeminiRequest([], context())).toMatchObject({ param: null });
    expect(parseGeminiRequest({}, context())).toMatchObject({ param: 'contents' });
    expect(parseGeminiRequest({ contents: [{ role: 'user' }] }, context())).toMatchObject({ param: 'contents[0]' });
    expect(parseGeminiRequest({ contents: [{ parts: [{ text: 'x' }] }], systemInstruction: 'x' }, context())).toMatchObject({ param: 'systemInstruction' });
    expect(parseGeminiRequest({ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { maxOutputTokens: -1 } }, context())).toMatchObject({
      param: 'generationConfig.maxOutputTokens',
    });
  });
});
