/**
 * Anthropic Messages stream events (`messages.create({ stream: true })`, `messages.stream()`): content, usage
 * and in-band errors.
 * @packageDocumentation
 */

import { dataObject, dataProp, dataString } from '../data-props';
import { readUsageCounts } from '../usage-counts';
import { chunkFacts, chunkUsage, CONTENT, errorFacts, hasText, NO_CONTENT, type ChunkFacts } from './chunk-facts';

/** Block types that open empty and fill through `content_block_delta`s. */
const TEXT_BLOCKS: ReadonlyMap<string, string> = new Map([
  ['text', 'text'],
  ['thinking', 'thinking'],
]);
/** Delta types and the field holding their text; a delta with an empty text carries no content. */
const TEXT_DELTAS: ReadonlyMap<string, string> = new Map([
  ['text_delta', 'text'],
  ['input_json_delta', 'partial_json'],
  ['thinking_delta', 'thinking'],
]);

/**
 * One `RawMessageStreamEvent` (`type` is `message_start`, `content_block_start`, `content_block_delta`,
 * `content_block_stop`, `message_delta`, `message_stop`, `ping` or `error`):
 * - content: `content_block_start` of a block other than an empty `text` / `thinking` (a `tool_use` names its
 *   tool, server tool results, redacted thinking), and `content_block_delta` other than an empty one and a
 *   `signature_delta` (text, tool input JSON, thinking, citations; an unknown delta type counts as content).
 * - usage, cumulative: `message_start`'s `message.usage` (the input: `input_tokens` +
 *   `cache_creation_input_tokens`; output starts at 1 or so), then `message_delta`'s `usage`, whose counts are
 *   cumulative (`output_tokens` the output so far, `input_tokens` nullable): `message_delta` ends the usage
 *   (`final`); `message_stop` follows it with nothing. Cache reads are not counted (see `readUsageCounts`).
 * - error: the `error` event's `error` (`{ type: 'overloaded_error', message }`): the SDK throws it as an
 *   `APIError` without status; a raw SSE reader sees it as an event.
 * Never throws.
 * @param event - one event.
 */
export function readAnthropicEvent(event: unknown): ChunkFacts {
  switch (dataString(event, 'type')) {
    case 'message_start':
      return chunkFacts(false, chunkUsage(readUsageCounts(dataProp(dataObject(event, 'message'), 'usage')), 'cumulative', false));
    case 'message_delta':
      return chunkFacts(false, chunkUsage(readUsageCounts(dataProp(event, 'usage')), 'cumulative', true));
    case 'content_block_start':
      return blockStart(dataObject(event, 'content_block'));
    case 'content_block_delta':
      return blockDelta(dataObject(event, 'delta'));
    case 'error':
      return errorFacts(dataObject(event, 'error') ?? event);
    default:
      return NO_CONTENT;
  }
}

function blockStart(block: object | undefined): ChunkFacts {
  if (block === undefined) return NO_CONTENT;
  const type = dataString(block, 'type');
  const field = type === undefined ? undefined : TEXT_BLOCKS.get(type);
  if (field === undefined) return CONTENT;
  return hasText(dataProp(block, field)) ? CONTENT : NO_CONTENT;
}

function blockDelta(delta: object | undefined): ChunkFacts {
  if (delta === undefined) return NO_CONTENT;
  const type = dataString(delta, 'type');
  if (type === 'signature_delta') return NO_CONTENT;
  const field = type === undefined ? undefined : TEXT_DELTAS.get(type);
  if (field === undefined) return CONTENT;
  return hasText(dataProp(delta, field)) ? CONTENT : NO_CONTENT;
}
