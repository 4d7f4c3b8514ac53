import { parseMessagesRequest } from '../../../../src/testing/emulator/anthropic-messages';
import type { RequestContext } from '../../../../src/testing/emulator/dialect';

const context: RequestContext = { countTokens: (text) => text.length, defaultMaxTokens: 16, pathModel: undefined, pathStream: false };

describe('emulator Anthropic Messages dialect', () => {
  it('charges system and each message like chat messages, and the required max_tokens', () => {
    const messages = [
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: [{ type: 'text', text: 'ab' }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'x' }] },
    ];
    expect(parseMessagesRequest({ model: 'c', max_tokens: 40, system: 'abc', messages, stream: true }, context)).toEqual({
      model: 'c',
      promptTokens: 3 + 5 + 2 + 0 + 4 * 3 + 3,
      maxTokens: 40,
      stream: true,
      includeUsage: false,
    });
    expect(parseMessagesRequest({ model: 'c', max_tokens: 1, system: [{ type: 'text', text: 'abcd' }], messages: [messages[0]] }, context)).toMatchObject({
      promptTokens: 4 + 5 + 2 * 3 + 3,
    });
  });

  it('names what is invalid as Anthropic does (max_tokens is required)', () => {
    const messages = [{ role: 'user', content: 'x' }];
    expect(parseMessagesRequest({ model: 'c', messages }, context)).toEqual({ message: 'max_tokens: Field required', param: 'max_tokens' });
    expect(parseMessagesRequest({ model: 'c', max_tokens: 0, messages }, context)).toMatchObject({ param: 'max_tokens' });
    expect(parseMessagesRequest({ max_tokens: 5, messages }, context)).toMatchObject({ param: 'model' });
    expect(parseMessagesRequest({ model: 'c', max_tokens: 5, messages: [] }, context)).toMatchObject({ param: 'messages' });
    expect(parseMessagesRequest({ model: 'c', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] }, context)).toMatchObject({ param: 'messages.0.role' });
    expect(parseMessagesRequest({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 1 }] }, context)).toMatchObject({ param: 'messages.0.content' });
    expect(parseMessagesRequest({ model: 'c', max_tokens: 5, messages, system: 3 }, context)).toMatchObject({ param: 'system' });
    expect(parseMessagesRequest(null, context)).toMatchObject({ param: null });
  });
});
