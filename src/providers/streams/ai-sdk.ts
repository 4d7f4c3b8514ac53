/**
 * Vercel AI SDK stream parts (`streamText().fullStream`, `streamObject().fullStream`; ai 4 to 6, and a
 * provider's `doStream` parts): content, usage, in-band errors and aborts.
 * @packageDocumentation
 */

import { dataProp, dataString } from '../data-props';
import { readUsageCounts } from '../usage-counts';
import { chunkFacts, chunkUsage, CONTENT, errorFacts, hasText, NO_CONTENT, type ChunkFacts } from './chunk-facts';

/** Parts whose text field decides: content when it is non-empty. */
const TEXT_PARTS: ReadonlySet<string> = new Set(['text-delta', 'reasoning-delta', 'reasoning', 'tool-input-delta', 'tool-call-delta']);
/** Parts that are content whatever they hold. */
const CONTENT_PARTS: ReadonlySet<string> = new Set([
  'tool-call',
  'tool-result',
  'tool-error',
  'tool-input-start',
  'tool-call-streaming-start',
  'tool-approval-request',
  'tool-output-denied',
  'source',
  'file',
  'object',
  'redacted-reasoning',
]);
/** Parts that carry no content: framing, lifecycle, raw provider chunks. */
const FRAMING_PARTS: ReadonlySet<string> = new Set([
  'start',
  'start-step',
  'step-start',
  'finish-step',
  'step-finish',
  'finish',
  'text-start',
  'text-end',
  'reasoning-start',
  'reasoning-end',
  'reasoning-part-finish',
  'reasoning-signature',
  'tool-input-end',
  'raw',
  'stream-start',
  'response-metadata',
  'error',
  'abort',
]);

/** Every part type of the AI SDK's streams this reader knows (for telling the dialect apart). */
export const AI_SDK_PART_TYPES: ReadonlySet<string> = new Set([...TEXT_PARTS, ...CONTENT_PARTS, ...FRAMING_PARTS]);

/**
 * One part (`{ type, ... }`):
 * - content: `text-delta` (`text` in ai 5 and 6, `textDelta` in ai 4, `delta` in a provider's stream),
 *   `reasoning-delta`, `tool-input-delta` when their text is non-empty; `tool-call`, `tool-result`,
 *   `tool-error`, `tool-input-start` (names the tool), `tool-approval-request`, `tool-output-denied`, `source`,
 *   `file`, and `streamObject`'s `object`. `start`, `start-step`, `text-start`, `text-end`, `reasoning-start`,
 *   `reasoning-end`, `tool-input-end`, `finish-step`, `finish` and `raw` carry none.
 * - usage: `finish-step`'s `usage` is one step's (an increment; `step-finish` in ai 4); `finish`'s `totalUsage`
 *   (ai 5 and 6; `usage` in `streamObject`, in ai 4 and in a provider's stream) is the whole call's, cumulative
 *   and final: `finish` ends the usage and replaces the steps' sum. Fields: `inputTokens`, `outputTokens`,
 *   `totalTokens` (see `readUsageCounts`).
 * - error: the `error` part's `error` (an `APICallError`, a `RetryError`, or a provider's raw error object such
 *   as `{ type: 'overloaded_error', message }`); `abort` sets `aborted`.
 * Never throws.
 * @param part - one part.
 */
export function readAiSdkPart(part: unknown): ChunkFacts {
  const type = dataString(part, 'type');
  if (type === undefined) return NO_CONTENT;
  if (TEXT_PARTS.has(type)) return hasText(partText(part)) ? CONTENT : NO_CONTENT;
  if (CONTENT_PARTS.has(type)) return CONTENT;
  switch (type) {
    case 'finish-step':
    case 'step-finish':
      return chunkFacts(false, chunkUsage(readUsageCounts(dataProp(part, 'usage')), 'increment', false));
    case 'finish':
      return chunkFacts(false, chunkUsage(readUsageCounts(dataProp(part, 'totalUsage') ?? dataProp(part, 'usage')), 'cumulative', true));
    case 'error':
      return errorFacts(dataProp(part, 'error'));
    case 'abort':
      return { content: false, aborted: true };
    default:
      return NO_CONTENT;
  }
}

function partText(part: unknown): unknown {
  return dataProp(part, 'text') ?? dataProp(part, 'delta') ?? dataProp(part, 'textDelta') ?? dataProp(part, 'argsTextDelta');
}
