/**
 * The OpenAI Responses dialect of the emulator (`POST /v1/responses`): a `response` object with one assistant
 * message, or the Responses stream events (`response.created` … `response.output_text.delta` …
 * `response.completed`). Quotas, headers and errors are OpenAI's, as on the chat endpoint.
 * @packageDocumentation
 */
import { contentTokens, TOKENS_PER_MESSAGE, TOKENS_PER_REQUEST } from './chat-request';
import { isRecord, positiveIntegerField, type Answer, type Dialect, type InvalidRequest, type ParsedRequest, type RequestContext, type StreamPlan } from './dialect';
import { setRateLimitHeaders } from './headers';
import { invalidRequestBody, openAiFault, openAiInsufficientQuota, openAiRateLimited } from './openai-errors';
import { completionChunks, completionText } from './text';

function invalid(message: string, param: string | null): InvalidRequest {
  return { message, param };
}

/**
 * Tokens of one `input` item: a message's content (string or parts), or a tool output / call's text.
 * @returns the tokens, or null when the item is not an object or its content is malformed.
 */
function itemTokens(item: unknown, model: string, context: RequestContext): number | null {
  if (!isRecord(item)) return null;
  if (item.content !== undefined) return contentTokens(item.content, model, context.countTokens);
  let tokens = 0;
  if (typeof item.output === 'string') tokens += context.countTokens(item.output, model);
  if (typeof item.arguments === 'string') tokens += context.countTokens(item.arguments, model);
  return tokens;
}

/**
 * Validates a parsed JSON body of `POST /v1/responses` and computes its token charge: `instructions` and each
 * `input` item count as chat messages do; the output budget is `max_output_tokens`.
 * @param body - the parsed JSON value.
 * @param context - counting options.
 * @returns the request, or why it is invalid.
 */
export function parseResponsesRequest(body: unknown, context: RequestContext): ParsedRequest | InvalidRequest {
  if (!isRecord(body)) return invalid('The request body must be a JSON object.', null);
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) {
    return invalid("Missing required parameter: 'model'.", 'model');
  }
  let promptTokens = TOKENS_PER_REQUEST;
  const instructions = body.instructions;
  if (typeof instructions === 'string') promptTokens += context.countTokens(instructions, model) + TOKENS_PER_MESSAGE;
  else if (instructions !== undefined && instructions !== null) {
    return invalid("Invalid 'instructions': expected a string.", 'instructions');
  }
  const input = body.input;
  if (typeof input === 'string') {
    promptTokens += context.countTokens(input, model) + TOKENS_PER_MESSAGE;
  } else if (Array.isArray(input) && input.length > 0) {
    for (let i = 0; i < input.length; i++) {
      const tokens = itemTokens(input[i], model, context);
      if (tokens === null) return invalid(`Invalid 'input[${i}]': expected an input item object.`, `input[${i}]`);
      promptTokens += tokens + TOKENS_PER_MESSAGE;
    }
  } else {
    return invalid("Invalid 'input': expected a string or a non-empty array of input items.", 'input');
  }
  const maxOutput = positiveIntegerField(body, 'max_output_tokens');
  if (typeof maxOutput === 'object') return maxOutput;
  return {
    model,
    promptTokens,
    maxTokens: maxOutput ?? context.defaultMaxTokens,
    stream: body.stream === true,
    includeUsage: false,
  };
}

/** Usage of a Responses answer. */
function usage(answer: Answer): object {
  return {
    input_tokens: answer.promptTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: answer.completionTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: answer.promptTokens + answer.completionTokens,
  };
}

function outputText(text: string): object {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

function message(id: string, status: 'in_progress' | 'completed', content: readonly object[]): object {
  return { id, type: 'message', status, content, role: 'assistant' };
}

/** A `response` object; `usage` null while in progress. */
function responseObject(
  answer: Answer,
  createdAt: number,
  status: 'in_progress' | 'completed',
  output: readonly object[],
): object {
  return {
    id: `resp_emu${answer.sequence.toString(36)}`,
    object: 'response',
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: answer.maxTokens,
    model: answer.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: status === 'completed' ? usage(answer) : null,
    user: null,
    metadata: {},
  };
}

function messageId(answer: Answer): string {
  return `msg_emu${answer.sequence.toString(36)}`;
}

/**
 * @param answer - the answer.
 * @returns the JSON `response` object of a completed answer.
 */
export function responsesBody(answer: Answer): string {
  const text = completionText(answer.completionTokens);
  const created = Math.floor(Date.now() / 1000);
  return JSON.stringify(
    responseObject(answer, created, 'completed', [message(messageId(answer), 'completed', [outputText(text)])]),
  );
}

function event(type: string, sequence: number, fields: object): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence, ...fields })}\n\n`;
}

/**
 * The event frames of a streamed answer: `response.created`, `response.in_progress`,
 * `response.output_item.added`, `response.content_part.added`, one `response.output_text.delta` per text chunk,
 * `response.output_text.done`, `response.content_part.done`, `response.output_item.done` and
 * `response.completed` (with `usage`). The error is an `error` event whose `error` member names a
 * `server_error`.
 * @param answer - the answer.
 * @param tokensPerChunk - completion tokens per delta.
 * @returns the stream's frames.
 */
export function responsesStream(answer: Answer, tokensPerChunk: number): StreamPlan {
  const created = Math.floor(Date.now() / 1000);
  const itemId = messageId(answer);
  const place = { item_id: itemId, output_index: 0, content_index: 0 };
  const inProgress = responseObject(answer, created, 'in_progress', []);
  const opening =
    event('response.created', 0, { response: inProgress }) +
    event('response.in_progress', 1, { response: inProgress }) +
    event('response.output_item.added', 2, { output_index: 0, item: message(itemId, 'in_progress', []) }) +
    event('response.content_part.added', 3, { ...place, part: outputText('') });
  const pieces = completionChunks(answer.completionTokens, tokensPerChunk);
  const chunks = pieces.map((delta, i) => event('response.output_text.delta', 4 + i, { ...place, delta, logprobs: [] }));
  const text = pieces.join('');
  const part = outputText(text);
  let sequence = 4 + pieces.length;
  const closing =
    event('response.output_text.done', sequence++, { ...place, text, logprobs: [] }) +
    event('response.content_part.done', sequence++, { ...place, part }) +
    event('response.output_item.done', sequence++, { output_index: 0, item: message(itemId, 'completed', [part]) }) +
    event('response.completed', sequence, { response: responseObject(answer, created, 'completed', [message(itemId, 'completed', [part])]) });
  return {
    opening,
    chunks,
    closing,
    error: (sent) =>
      event('error', sent === 0 ? 0 : 4 + sent, {
        error: {
          type: 'server_error',
          code: 'server_error',
          message: 'The server had an error while processing your request. Sorry about that!',
          param: null,
        },
      }),
  };
}

/** The Responses dialect. */
export const OPENAI_RESPONSES: Dialect = {
  endpoint: 'responses',
  requestIdHeader: 'x-request-id',
  invalidJsonMessage:
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
  parse: parseResponsesRequest,
  invalid: (_status, message, param) => invalidRequestBody(message, param),
  quotaHeaders: setRateLimitHeaders,
  rateLimited: openAiRateLimited,
  insufficientQuota: openAiInsufficientQuota,
  fault: openAiFault,
  body: responsesBody,
  stream: responsesStream,
};
