/**
 * openai Responses API stream events (`responses.create({ stream: true })`, `.stream()`): content, usage and
 * in-band errors.
 * @packageDocumentation
 */

import { dataObject, dataProp, dataString } from '../data-props';
import { readUsageCounts } from '../usage-counts';
import { chunkFacts, chunkUsage, CONTENT, errorFacts, hasText, NO_CONTENT, type ChunkFacts } from './chunk-facts';

/** The events that end a response, carrying `response.usage`. */
const TERMINAL: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete', 'response.failed']);
/** Output items that are announced empty and fill through later events. */
const EMPTY_ITEMS: ReadonlySet<string> = new Set(['message', 'reasoning']);
/** Events about output that carry it whole (after its deltas, or instead of them). */
const OUTPUT_EVENTS: ReadonlySet<string> = new Set([
  'response.output_item.done',
  'response.content_part.done',
  'response.output_text.annotation.added',
  'response.image_generation_call.partial_image',
]);

/**
 * One `ResponseStreamEvent`:
 * - content: a `*.delta` event with a non-empty `delta` (output text, refusal, reasoning text and summary,
 *   function / custom tool / MCP / code interpreter arguments, audio and its transcript), a `*.done` event of
 *   output (`response.output_text.done`, `response.function_call_arguments.done`, ...; not the response's own
 *   lifecycle), `response.output_item.added` of an item that is not an empty `message` or `reasoning` (a
 *   function call names its tool), `response.output_item.done`, `response.content_part.done`, an annotation, a
 *   partial image. `response.created`, `response.in_progress`, `response.queued` and tool progress events
 *   (`*.in_progress`, `*.searching`, `*.completed`) carry none.
 * - usage: `response.usage` (`input_tokens`, `output_tokens`, `total_tokens`) of `response.completed`,
 *   `response.incomplete` or `response.failed`, cumulative and final: that event ends the usage.
 * - error: the `error` event itself (`{ type: 'error', code, message }`: the openai SDK yields it rather than
 *   throwing), and `response.failed`'s `response.error` (`{ code, message }`).
 * Never throws.
 * @param event - one event.
 */
export function readOpenAIResponsesEvent(event: unknown): ChunkFacts {
  const type = dataString(event, 'type');
  if (type === undefined) return NO_CONTENT;
  if (type === 'error') return errorFacts(event);
  if (TERMINAL.has(type)) {
    const response = dataObject(event, 'response');
    const usage = chunkUsage(readUsageCounts(dataProp(response, 'usage')), 'cumulative', true);
    if (type === 'response.failed') return { content: false, ...(usage === undefined ? {} : { usage }), error: dataObject(response, 'error') ?? event };
    return chunkFacts(false, usage);
  }
  if (type.endsWith('.delta')) {
    const delta = dataProp(event, 'delta');
    return hasText(delta) || (typeof delta === 'object' && delta !== null) ? CONTENT : NO_CONTENT;
  }
  if (type === 'response.output_item.added') {
    const itemType = dataString(dataObject(event, 'item'), 'type');
    return itemType !== undefined && EMPTY_ITEMS.has(itemType) ? NO_CONTENT : CONTENT;
  }
  if (OUTPUT_EVENTS.has(type)) return CONTENT;
  if (type.endsWith('.done') && type.startsWith('response.') && type !== 'response.done') return CONTENT;
  return NO_CONTENT;
}
