/**
 * openai chat completion chunks (`chat.completions.create({ stream: true })`, `.stream()`, and the legacy
 * `completions` stream): content, usage and in-band errors.
 * @packageDocumentation
 */

import { dataElements, dataObject, dataProp } from '../data-props';
import { readUsageCounts } from '../usage-counts';
import { chunkFacts, chunkUsage, errorFacts, hasText, NO_CONTENT, type ChunkFacts } from './chunk-facts';

/** How many choices of one chunk are looked at (`n` is at most 128; content is in the first ones). */
const MAX_CHOICES = 16;

/**
 * One `ChatCompletionChunk`:
 * - content: a choice whose `delta` has non-empty `content` or `refusal` text, `tool_calls` or a
 *   `function_call`, `audio`, or non-empty `reasoning_content` / `reasoning` (openai-compatible servers); a
 *   legacy completion choice with non-empty `text`. The first chunk (`delta: { role, content: '' }`) and the
 *   `finish_reason` chunk carry none.
 * - usage: `usage` (`prompt_tokens`, `completion_tokens`, `total_tokens`), cumulative. With
 *   `stream_options: { include_usage: true }` it comes once, on the last chunk, whose `choices` is empty: that
 *   chunk ends the usage (`final`), as does usage on a chunk with a `finish_reason` (some compatible servers).
 *   Without `include_usage` openai reports no usage in a stream.
 * - error: a chunk `{ error: {...} }` without choices (the SDK throws it as an `APIError` without status; a raw
 *   SSE reader sees it as a chunk).
 * Never throws.
 * @param chunk - one chunk.
 */
export function readOpenAIChatChunk(chunk: unknown): ChunkFacts {
  const choices = dataElements(dataProp(chunk, 'choices'), MAX_CHOICES);
  const error = dataObject(chunk, 'error');
  if (error !== undefined && (choices === undefined || choices.length === 0)) return errorFacts(error);
  let content = false;
  let finished = false;
  for (const choice of choices ?? []) {
    if (!content && choiceHasContent(choice)) content = true;
    if (!finished && typeof dataProp(choice, 'finish_reason') === 'string') finished = true;
  }
  const counts = readUsageCounts(dataProp(chunk, 'usage'));
  if (counts === undefined) return content ? chunkFacts(true, undefined) : NO_CONTENT;
  const final = choices === undefined || choices.length === 0 || finished;
  return chunkFacts(content, chunkUsage(counts, 'cumulative', final));
}

function choiceHasContent(choice: unknown): boolean {
  if (hasText(dataProp(choice, 'text'))) return true; // legacy completions
  const delta = dataObject(choice, 'delta');
  if (delta === undefined) return false;
  if (hasText(dataProp(delta, 'content')) || hasText(dataProp(delta, 'refusal'))) return true;
  const calls = dataProp(delta, 'tool_calls');
  if (Array.isArray(calls) && calls.length > 0) return true;
  if (dataObject(delta, 'function_call') !== undefined || dataObject(delta, 'audio') !== undefined) return true;
  return hasText(dataProp(delta, 'reasoning_content')) || hasText(dataProp(delta, 'reasoning'));
}
