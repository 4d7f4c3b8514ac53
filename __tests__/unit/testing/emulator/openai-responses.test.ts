import type { Answer, RequestContext } from '../../../../src/testing/emulator/dialect';
import { parseResponsesRequest, responsesStream } from '../../../../src/testing/emulator/openai-responses';

const context: RequestContext = { countTokens: (text) => text.length, defaultMaxTokens: 16, pathModel: undefined, pathStream: false };

describe('emulator Responses dialect', () => {
  it('charges instructions and each input item like chat messages, and max_output_tokens', () => {
    expect(parseResponsesRequest({ model: 'm', instructions: 'abc', input: 'hello', max_output_tokens: 9 }, context)).toEqual({
      model: 'm',
      promptTokens: 3 + 3 + 5 + 3 + 3,
      maxTokens: 9,
      stream: false,
      includeUsage: false,
    });
    const items = [
      { role: 'user', content: [{ type: 'input_text', text: 'ab' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'cd' }] },
      { type: 'function_call', call_id: 'c', name: 'f', arguments: '{"x":1}' },
      { type: 'function_call_output', call_id: 'c', output: 'done' },
    ];
    expect(parseResponsesRequest({ model: 'm', input: items, stream: true }, context)).toEqual({
      model: 'm',
      promptTokens: 2 + 2 + 7 + 4 + 4 * 3 + 3,
      maxTokens: 16,
      stream: true,
      includeUsage: false,
    });
  });

  it('names what is invalid', () => {
    expect(parseResponsesRequest('x', context)).toMatchObject({ param: null });
    expect(parseResponsesRequest({ input: 'x' }, context)).toMatchObject({ param: 'model' });
    expect(parseResponsesRequest({ model: 'm' }, context)).toMatchObject({ param: 'input' });
    expect(parseResponsesRequest({ model: 'm', input: [] }, context)).toMatchObject({ param: 'input' });
    expect(parseResponsesRequest({ model: 'm', input: ['x'] }, context)).toMatchObject({ param: 'input[0]' });
    expect(parseResponsesRequest({ model: 'm', input: [{ role: 'user', content: 3 }] }, context)).toMatchObject({ param: 'input[0]' });
    expect(parseResponsesRequest({ model: 'm', input: 'x', instructions: 4 }, context)).toMatchObject({ param: 'instructions' });
    expect(parseResponsesRequest({ model: 'm', input: 'x', max_output_tokens: 0 }, context)).toMatchObject({ param: 'max_output_tokens' });
  });

  it('numbers the stream events in order, and the error event after the chunks sent', () => {
    const answer: Answer = { sequence: 7, model: 'm', promptTokens: 10, completionTokens: 3, maxTokens: 5, includeUsage: false };
    const plan = responsesStream(answer, 1);
    const frames = (plan.opening + plan.chunks.join('') + plan.closing).split('\n\n').filter((f) => f.length > 0);
    const sequences = frames.map((f) => (JSON.parse(f.split('\ndata: ')[1]) as { sequence_number: number }).sequence_number);
    expect(sequences).toEqual(frames.map((_, i) => i));
    const error = (n: number) => JSON.parse(plan.error(n).split('\ndata: ')[1]) as Record<string, unknown>;
    expect(error(0)).toMatchObject({ type: 'error', sequence_number: 0, error: { type: 'server_error', code: 'server_error' } });
    expect(error(2)).toMatchObject({ sequence_number: 6 });
    expect(plan.error(0)).toMatch(/^event: error\n/);
  });
});
