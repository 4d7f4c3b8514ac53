import { contentTokens, parseChatRequest } from '../../../../src/testing/emulator/chat-request';

const count = (text: string): number => text.length;

describe('emulator chat request', () => {
  it('counts string content and the text of parts; parts without text are free; anything else is malformed', () => {
    expect(contentTokens('hello', 'm', count)).toBe(5);
    expect(contentTokens(null, 'm', count)).toBe(0);
    expect(contentTokens(undefined, 'm', count)).toBe(0);
    expect(contentTokens([{ type: 'text', text: 'ab' }, { type: 'input_text', text: 'cde' }, { type: 'image_url', image_url: { url: 'x' } }], 'm', count)).toBe(5);
    expect(contentTokens([{ type: 'text' }], 'm', count)).toBeNull();
    expect(contentTokens([{ text: 5 }], 'm', count)).toBeNull();
    expect(contentTokens(['x'], 'm', count)).toBeNull();
    expect(contentTokens(42, 'm', count)).toBeNull();
  });

  it('charges content + 3 per message + 3, and max_completion_tokens ?? max_tokens ?? the default', () => {
    const messages = [{ role: 'system', content: 'abc' }, { role: 'user', content: 'hello' }];
    expect(parseChatRequest({ model: 'm', messages }, count, 16)).toEqual({
      model: 'm',
      promptTokens: 3 + 5 + 2 * 3 + 3,
      maxTokens: 16,
      stream: false,
      includeUsage: false,
    });
    expect(parseChatRequest({ model: 'm', messages, max_tokens: 7 }, count, 16)).toMatchObject({ maxTokens: 7 });
    expect(parseChatRequest({ model: 'm', messages, max_tokens: 7, max_completion_tokens: 9 }, count, 16)).toMatchObject({ maxTokens: 9 });
    expect(parseChatRequest({ model: 'm', messages, stream: true, stream_options: { include_usage: true } }, count, 16)).toMatchObject({
      stream: true,
      includeUsage: true,
    });
  });

  it('names what is invalid', () => {
    const messages = [{ role: 'user', content: 'x' }];
    expect(parseChatRequest([], count, 16)).toEqual({ message: 'The request body must be a JSON object.', param: null });
    expect(parseChatRequest({ messages }, count, 16)).toMatchObject({ param: 'model' });
    expect(parseChatRequest({ model: 'm', messages: [] }, count, 16)).toMatchObject({ param: 'messages' });
    expect(parseChatRequest({ model: 'm', messages: [{ content: 'x' }] }, count, 16)).toMatchObject({ param: 'messages[0]' });
    expect(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 7 }] }, count, 16)).toMatchObject({ param: 'messages[0].content' });
    expect(parseChatRequest({ model: 'm', messages, max_tokens: 0 }, count, 16)).toMatchObject({ param: 'max_tokens' });
    expect(parseChatRequest({ model: 'm', messages, max_completion_tokens: 2.5 }, count, 16)).toMatchObject({ param: 'max_completion_tokens' });
  });
});
