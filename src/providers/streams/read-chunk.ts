/**
 * The entry point the runtime calls on every chunk of a stream: tells the client's dialect apart by the chunk's
 * shape and reads it with that dialect's reader. Pure; never throws; bounded work per chunk.
 * @packageDocumentation
 */

import { dataObject, dataProp, dataString } from '../data-props';
import { AI_SDK_PART_TYPES, readAiSdkPart } from './ai-sdk';
import { readAnthropicEvent } from './anthropic';
import { CONTENT, NO_CONTENT, type ChunkFacts, type StreamDialect } from './chunk-facts';
import { readGeminiChunk } from './gemini';
import { readLangChainChunk } from './langchain';
import { readOpenAIChatChunk } from './openai-chat';
import { readOpenAIResponsesEvent } from './openai-responses';

/** Anthropic event types (`error` is shared, told apart below). */
const ANTHROPIC_TYPES: ReadonlySet<string> = new Set([
  'message_start',
  'message_delta',
  'message_stop',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'ping',
]);

/** The reader of each dialect. */
const READERS: Readonly<Record<StreamDialect, (chunk: unknown) => ChunkFacts>> = {
  'openai-chat': readOpenAIChatChunk,
  'openai-responses': readOpenAIResponsesEvent,
  anthropic: readAnthropicEvent,
  'ai-sdk': readAiSdkPart,
  gemini: readGeminiChunk,
  langchain: readLangChainChunk,
  text: (chunk) => (typeof chunk === 'string' && chunk.length > 0 ? CONTENT : NO_CONTENT),
};

/**
 * The dialect a chunk is written in, by its shape, or `undefined` when it is none of them:
 * 1. a string → `'text'`;
 * 2. a string `type`: Anthropic's event types → `'anthropic'`; `response.*` → `'openai-responses'`; `'ai'` →
 *    `'langchain'` (an `AIMessageChunk`); the AI SDK's part types → `'ai-sdk'`; `'error'` is shared: with a
 *    `code` or `sequence_number` and no `error` field it is the Responses API's, with an `error` whose `type`
 *    ends in `_error` Anthropic's, otherwise the AI SDK's;
 * 3. no `type`: `object: 'chat.completion.chunk'` / `'text_completion'` or a `choices` array →
 *    `'openai-chat'`; a `candidates` array, `usageMetadata` or `promptFeedback` → `'gemini'`;
 *    `tool_call_chunks`, `usage_metadata` or `lc_kwargs` → `'langchain'`; a bare `{ error }` → `'openai-chat'`
 *    (read as an in-band error).
 * Never throws.
 * @param chunk - one chunk of a stream.
 */
export function detectChunkDialect(chunk: unknown): StreamDialect | undefined {
  if (typeof chunk === 'string') return 'text';
  if (typeof chunk !== 'object' || chunk === null) return undefined;
  const type = dataString(chunk, 'type');
  if (type !== undefined) {
    if (ANTHROPIC_TYPES.has(type)) return 'anthropic';
    if (type.startsWith('response.')) return 'openai-responses';
    if (type === 'ai') return 'langchain';
    if (type === 'error') return errorDialect(chunk);
    if (AI_SDK_PART_TYPES.has(type)) return 'ai-sdk';
  }
  const object = dataString(chunk, 'object');
  if (object === 'chat.completion.chunk' || object === 'text_completion' || Array.isArray(dataProp(chunk, 'choices'))) return 'openai-chat';
  if (Array.isArray(dataProp(chunk, 'candidates')) || dataObject(chunk, 'usageMetadata') !== undefined || dataObject(chunk, 'promptFeedback') !== undefined) return 'gemini';
  if (Array.isArray(dataProp(chunk, 'tool_call_chunks')) || dataObject(chunk, 'usage_metadata') !== undefined || dataObject(chunk, 'lc_kwargs') !== undefined) return 'langchain';
  if (type === undefined && dataObject(chunk, 'error') !== undefined) return 'openai-chat';
  return undefined;
}

function errorDialect(chunk: object): StreamDialect {
  const error = dataProp(chunk, 'error');
  if (error === undefined && (dataProp(chunk, 'code') !== undefined || dataProp(chunk, 'sequence_number') !== undefined)) return 'openai-responses';
  const errorType = dataString(error, 'type');
  if (errorType?.endsWith('_error') === true && dataString(error, 'message') !== undefined) return 'anthropic';
  return 'ai-sdk';
}

/**
 * What one chunk of a stream carries: whether it is content for the caller, the usage it reports, an error
 * sent inside the stream. Each dialect's reader documents its rules and which chunk ends the usage
 * (`readOpenAIChatChunk`, `readOpenAIResponsesEvent`, `readAnthropicEvent`, `readAiSdkPart`,
 * `readGeminiChunk`, `readLangChainChunk`); a non-empty string is content (`'text'`).
 *
 * Pass the dialect once known (e.g. from the stream's first chunk, or from the client the stream came from) to
 * skip telling it apart on every chunk; a chunk of no known shape reads as `{ content: false }` with no usage.
 * Only data properties are read (no getter runs). Never throws; bounded work (a few dozen property reads).
 * @param chunk - one chunk, as the client's stream yielded it.
 * @param dialect - the stream's dialect, when known.
 */
export function readStreamChunk(chunk: unknown, dialect?: StreamDialect): ChunkFacts {
  try {
    const known = dialect ?? detectChunkDialect(chunk);
    if (known === undefined) return NO_CONTENT;
    const reader = Object.hasOwn(READERS, known) ? READERS[known] : undefined;
    return reader === undefined ? NO_CONTENT : reader(chunk);
  } catch {
    return NO_CONTENT; // the readers do not throw; this keeps a future mistake from reaching a stream
  }
}
