import fc from 'fast-check';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { TextStreamPart, ToolSet } from 'ai';
import { GenerateContentResponse } from '@google/genai';
import { AIMessageChunk } from '@langchain/core/messages';
import { detectChunkDialect, readStreamChunk } from '../../../../src/providers/streams/read-chunk';
import type { StreamDialect } from '../../../../src/providers/streams/chunk-facts';

const openaiChunk: ChatCompletionChunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] };
const responsesDelta: ResponseStreamEvent = { type: 'response.output_text.delta', item_id: 'm', output_index: 0, content_index: 0, delta: 'Hi', logprobs: [], sequence_number: 3 };
const responsesError: ResponseStreamEvent = { type: 'error', code: 'server_error', message: 'x', param: null, sequence_number: 4 };
const anthropicDelta: RawMessageStreamEvent = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } };
const anthropicError = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
const aiDelta: TextStreamPart<ToolSet> = { type: 'text-delta', id: 't', text: 'Hi' };
const aiError: TextStreamPart<ToolSet> = { type: 'error', error: new Error('x') };
const gemini = Object.assign(new GenerateContentResponse(), { candidates: [{ content: { role: 'model', parts: [{ text: 'Hi' }] } }] });
const langchain = new AIMessageChunk({ content: 'Hi' });

describe('detectChunkDialect', () => {
  it.each<[string, unknown, StreamDialect]>([
    ['openai chat chunk', openaiChunk, 'openai-chat'],
    ['openai chat chunk without `object`', { choices: [] }, 'openai-chat'],
    ['bare { error }', { error: { message: 'x' } }, 'openai-chat'],
    ['Responses event', responsesDelta, 'openai-responses'],
    ['Responses error event', responsesError, 'openai-responses'],
    ['Anthropic event', anthropicDelta, 'anthropic'],
    ['Anthropic ping', { type: 'ping' }, 'anthropic'],
    ['Anthropic error event', anthropicError, 'anthropic'],
    ['AI SDK part', aiDelta, 'ai-sdk'],
    ['AI SDK error part', aiError, 'ai-sdk'],
    ['AI SDK error part holding an object', { type: 'error', error: { message: 'x' } }, 'ai-sdk'],
    ['Gemini GenerateContentResponse', gemini, 'gemini'],
    ['Gemini usage-only chunk', { usageMetadata: { totalTokenCount: 3 } }, 'gemini'],
    ['LangChain AIMessageChunk', langchain, 'langchain'],
    ['LangChain-like chunk without type', { content: 'x', tool_call_chunks: [] }, 'langchain'],
    ['a string', 'Hi', 'text'],
  ])('%s', (_name, chunk, dialect) => {
    expect(detectChunkDialect(chunk)).toBe(dialect);
  });

  it('unknown shapes have no dialect', () => {
    for (const chunk of [undefined, null, 1, true, {}, [], { type: 'brand-new' }, { data: 'x' }, new Uint8Array([1, 2])]) expect(detectChunkDialect(chunk)).toBeUndefined();
  });
});

describe('readStreamChunk', () => {
  it('reads each dialect’s content chunk as content', () => {
    for (const chunk of [openaiChunk, responsesDelta, anthropicDelta, aiDelta, gemini, langchain, 'Hi']) expect(readStreamChunk(chunk).content).toBe(true);
    expect(readStreamChunk('')).toEqual({ content: false });
  });

  it('hands over in-band errors', () => {
    expect(readStreamChunk(responsesError).error).toBe(responsesError);
    expect(readStreamChunk(anthropicError).error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(readStreamChunk(aiError).error).toBeInstanceOf(Error);
  });

  it('a given dialect skips detection; an unknown one reads as nothing', () => {
    expect(readStreamChunk({ type: 'message_delta', usage: { output_tokens: 3 } }, 'anthropic').usage).toEqual({ output: 3, mode: 'cumulative', final: true });
    expect(readStreamChunk({ usage_metadata: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } }, 'langchain').usage).toEqual({ input: 1, output: 2, total: 3, mode: 'increment' });
    expect(readStreamChunk(openaiChunk, 'gemini')).toEqual({ content: false });
    expect(readStreamChunk(openaiChunk, 'nonsense' as StreamDialect)).toEqual({ content: false });
    expect(readStreamChunk(openaiChunk, 'toString' as StreamDialect)).toEqual({ content: false });
  });

  it('unknown shapes: no content, no usage', () => {
    for (const chunk of [undefined, null, 42, {}, { type: 'brand-new', usage: { total_tokens: 5 } }, new Uint8Array([104, 105])]) expect(readStreamChunk(chunk)).toEqual({ content: false });
  });

  it('bounded work: a chunk with a million choices is read in a few dozen property reads', () => {
    let reads = 0;
    const choices = new Proxy(new Array<unknown>(1_000_000).fill({ index: 0, delta: { content: '' } }), {
      getOwnPropertyDescriptor(target, key) {
        reads++;
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
    });
    expect(readStreamChunk({ object: 'chat.completion.chunk', choices }).content).toBe(false);
    expect(reads).toBeLessThan(40);
  });

  it('huge strings: a multi-megabyte delta is content, read without copying it', () => {
    expect(readStreamChunk({ type: 'text-delta', id: 't', text: 'x'.repeat(5_000_000) }).content).toBe(true);
  });

  it('never throws and never calls a getter, on anything', () => {
    const getter = jest.fn(() => 'x');
    const withGetters = Object.defineProperties({}, { type: { get: getter }, choices: { get: getter }, candidates: { get: getter } });
    const throwing = new Proxy({}, {
      getOwnPropertyDescriptor() {
        throw new Error('boom');
      },
      getPrototypeOf() {
        throw new Error('boom');
      },
      ownKeys() {
        throw new Error('boom');
      },
    });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    for (const chunk of [withGetters, throwing, revoked.proxy, { candidates: [{ content: { parts: [throwing] } }] }, { content: [throwing] }]) {
      expect(readStreamChunk(chunk)).toEqual({ content: false });
    }
    expect(getter).not.toHaveBeenCalled();
    const dialects: Array<StreamDialect | undefined> = [undefined, 'openai-chat', 'openai-responses', 'anthropic', 'ai-sdk', 'gemini', 'langchain', 'text'];
    const chunkLike = fc.oneof(
      fc.anything(),
      fc.record(
        {
          type: fc.oneof(fc.constantFrom('message_start', 'message_delta', 'content_block_start', 'content_block_delta', 'error', 'response.completed', 'response.failed', 'text-delta', 'finish', 'finish-step', 'ai'), fc.anything()),
          choices: fc.oneof(fc.array(fc.record({ delta: fc.anything(), finish_reason: fc.anything(), text: fc.anything() }, { requiredKeys: [] })), fc.anything()),
          candidates: fc.oneof(fc.array(fc.record({ content: fc.record({ parts: fc.array(fc.anything()) }), finishReason: fc.anything() }, { requiredKeys: [] })), fc.anything()),
          usage: fc.anything(),
          usageMetadata: fc.anything(),
          usage_metadata: fc.anything(),
          totalUsage: fc.anything(),
          response: fc.anything(),
          message: fc.anything(),
          delta: fc.anything(),
          content_block: fc.anything(),
          content: fc.anything(),
          error: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(chunkLike, fc.constantFrom(...dialects), (chunk, dialect) => {
        const facts = readStreamChunk(chunk, dialect);
        expect(typeof facts.content).toBe('boolean');
        if (facts.usage !== undefined) {
          expect(['cumulative', 'increment']).toContain(facts.usage.mode);
          for (const n of [facts.usage.input, facts.usage.output, facts.usage.total]) if (n !== undefined) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
