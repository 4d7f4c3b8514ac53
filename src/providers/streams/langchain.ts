/**
 * LangChain stream chunks (`chatModel.stream()`: `AIMessageChunk` instances): content and usage. Only data
 * properties are read: the class's getters (`text`, `contentBlocks`) are never called.
 * @packageDocumentation
 */

import { dataElements, dataObject, dataProp } from '../data-props';
import { readUsageCounts } from '../usage-counts';
import { chunkFacts, chunkUsage, hasText, type ChunkFacts } from './chunk-facts';

const MAX_PARTS = 64;
/** Text fields of content parts: a part holding one of them is content when it is non-empty. */
const TEXT_FIELDS = ['text', 'thinking', 'reasoning'] as const;

/**
 * One `AIMessageChunk`:
 * - content: `content` as a non-empty string, or an array of parts with a non-empty `text` / `thinking` /
 *   `reasoning`, or of another kind (an image, a `tool_use`, `input_json_delta`...); `tool_call_chunks` or
 *   `tool_calls` non-empty; `additional_kwargs.reasoning_content` non-empty.
 * - usage: `usage_metadata` (`input_tokens`, `output_tokens`, `total_tokens`) is an increment:
 *   `AIMessageChunk.concat` sums the chunks' usage (`@langchain/openai` sends it once, on a last chunk with
 *   empty content; other integrations split input and output over two chunks). No chunk says it is the last:
 *   the stream's end settles the usage.
 * - error: none; LangChain throws.
 * Never throws.
 * @param chunk - one chunk.
 */
export function readLangChainChunk(chunk: unknown): ChunkFacts {
  return chunkFacts(hasContent(chunk), chunkUsage(readUsageCounts(dataProp(chunk, 'usage_metadata')), 'increment', false));
}

function hasContent(chunk: unknown): boolean {
  const content = dataProp(chunk, 'content');
  if (hasText(content)) return true;
  const parts = dataElements(content, MAX_PARTS);
  if (parts?.some(partHasContent) === true) return true;
  if (nonEmptyArray(dataProp(chunk, 'tool_call_chunks')) || nonEmptyArray(dataProp(chunk, 'tool_calls'))) return true;
  return hasText(dataProp(dataObject(chunk, 'additional_kwargs'), 'reasoning_content'));
}

function partHasContent(part: unknown): boolean {
  if (typeof part === 'string') return part.length > 0;
  if (typeof part !== 'object' || part === null) return false;
  for (const field of TEXT_FIELDS) {
    const value = dataProp(part, field);
    if (typeof value === 'string') return value.length > 0;
  }
  return true;
}

function nonEmptyArray(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}
