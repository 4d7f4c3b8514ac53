/**
 * `@google/genai` stream chunks (`models.generateContentStream()`: `GenerateContentResponse` instances):
 * content, usage and in-band errors. Only data properties are read: the class's getters (`text`,
 * `functionCalls`, ...) are never called.
 * @packageDocumentation
 */

import { dataElements, dataObject, dataProp, dataString } from '../data-props';
import { geminiUsage } from '../usage-counts';
import { chunkFacts, chunkUsage, errorFacts, hasText, type ChunkFacts } from './chunk-facts';

const MAX_CANDIDATES = 8;
const MAX_PARTS = 64;
const MAX_KEYS = 32;
/** Part fields that are not content by themselves (`text` is content when non-empty). */
const METADATA_KEYS: ReadonlySet<string> = new Set([
  'text',
  'thought',
  'thoughtSignature',
  'videoMetadata',
  'partMetadata',
  'mediaResolution',
  'mediaProcessing',
  'speechMetadata',
  'willContinue',
  'jsonPath',
]);

/**
 * One `GenerateContentResponse` chunk:
 * - content: a candidate's `content.parts[]` with a non-empty `text` (thoughts included) or any other
 *   non-metadata field (`functionCall`, `inlineData`, `executableCode`, `codeExecutionResult`, `fileData`, ...).
 * - usage: `usageMetadata` (`promptTokenCount`, `candidatesTokenCount`, `thoughtsTokenCount`,
 *   `totalTokenCount`) is on every chunk and cumulative: each is the running total (the SDK says so, and adds
 *   earlier hops' usage when it continues a stream). The chunk whose candidate has a `finishReason` (or whose
 *   `promptFeedback` has a `blockReason`) ends the usage (`final`).
 * - error: a chunk `{ error: { code, message, status } }` (the SDK throws it as an `ApiError`; a raw reader sees
 *   it as a chunk).
 * Never throws.
 * @param chunk - one chunk.
 */
export function readGeminiChunk(chunk: unknown): ChunkFacts {
  const error = dataObject(chunk, 'error');
  if (error !== undefined && dataProp(chunk, 'candidates') === undefined) return errorFacts(error);
  let content = false;
  let final = dataString(dataObject(chunk, 'promptFeedback'), 'blockReason') !== undefined;
  for (const candidate of dataElements(dataProp(chunk, 'candidates'), MAX_CANDIDATES) ?? []) {
    if (!final && hasText(dataProp(candidate, 'finishReason'))) final = true;
    if (content) continue;
    const parts = dataElements(dataProp(dataObject(candidate, 'content'), 'parts'), MAX_PARTS) ?? [];
    content = parts.some(partHasContent);
  }
  return chunkFacts(content, chunkUsage(geminiUsage(chunk), 'cumulative', final));
}

function partHasContent(part: unknown): boolean {
  if (typeof part !== 'object' || part === null) return false;
  if (hasText(dataProp(part, 'text'))) return true;
  try {
    const keys = Object.keys(part);
    const n = Math.min(keys.length, MAX_KEYS);
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      if (METADATA_KEYS.has(key)) continue;
      const value = dataProp(part, key);
      if (value !== undefined && value !== null) return true;
    }
  } catch {
    // a hostile Proxy: no content known
  }
  return false;
}
