/**
 * The Anthropic Messages dialect of the emulator (`POST /v1/messages`): a `message` body, or the Messages
 * stream (`message_start` … `content_block_delta` … `message_stop`), `anthropic-ratelimit-*` headers,
 * `request-id`, and Anthropic's error bodies (`rate_limit_error` with `retry-after`, 529 `overloaded_error`).
 * @packageDocumentation
 */
import { setAnthropicRateLimitHeaders, setAnthropicRetryAfter } from './anthropic-headers';
import { contentTokens, TOKENS_PER_MESSAGE, TOKENS_PER_REQUEST } from './chat-request';
import { isRecord, type Answer, type Dialect, type ErrorReply, type InvalidRequest, type ParsedRequest, type RequestContext, type ServerFault, type StreamPlan } from './dialect';
import { EMULATOR_ORGANIZATION } from './openai-errors';
import type { ModelQuota, QuotaRefusal } from './quota';
import { completionChunks, completionText } from './text';

function invalid(message: string, param: string | null): InvalidRequest {
  return { message, param };
}

/**
 * Validates a parsed JSON body of `POST /v1/messages` and computes its token charge: `system` and each message
 * count as chat messages do; `max_tokens` is required, as Anthropic requires it.
 * @param body - the parsed JSON value.
 * @param context - counting options.
 * @returns the request, or why it is invalid.
 */
export function parseMessagesRequest(body: unknown, context: RequestContext): ParsedRequest | InvalidRequest {
  if (!isRecord(body)) return invalid('The request body must be a JSON object.', null);
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) return invalid('model: Field required', 'model');
  const maxTokens = body.max_tokens;
  if (maxTokens === undefined || maxTokens === null) return invalid('max_tokens: Field required', 'max_tokens');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    return invalid(`max_tokens: Input should be an integer >= 1, got ${JSON.stringify(maxTokens)}`, 'max_tokens');
  }
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return invalid('messages: at least one message is required', 'messages');
  }
  const count = context.countTokens;
  let promptTokens = TOKENS_PER_REQUEST;
  if (body.system !== undefined && body.system !== null) {
    const system = contentTokens(body.system, model, count);
    if (system === null) return invalid('system: Input should be a valid string or a list of text blocks', 'system');
    promptTokens += system + TOKENS_PER_MESSAGE;
  }
  for (let i = 0; i < messages.length; i++) {
    const message: unknown = messages[i];
    if (!isRecord(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      return invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`, `messages.${i}.role`);
    }
    const tokens = contentTokens(message.content, model, count);
    if (tokens === null) {
      return invalid(`messages.${i}.content: Input should be a valid string or a list of content blocks`, `messages.${i}.content`);
    }
    promptTokens += tokens + TOKENS_PER_MESSAGE;
  }
  return { model, promptTokens, maxTokens, stream: body.stream === true, includeUsage: false };
}

function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message } });
}

/**
 * The Anthropic 429 of a refused request: `rate_limit_error` with `retry-after` in whole seconds; a request
 * larger than the minute's token limit gets no `retry-after` (it can never be served).
 * @param headers - the header object to fill (rate-limit headers already set).
 * @param request - the refused request.
 * @param quota - the model's quota state.
 * @param refusal - why it was refused.
 * @returns the error body.
 */
export function anthropicRateLimited(
  headers: Record<string, string>,
  request: ParsedRequest,
  quota: ModelQuota,
  refusal: QuotaRefusal,
): string {
  const requests = refusal.kind === 'requests';
  const limit = requests ? `${quota.limits.requestsPerMinute} requests per minute` : `${quota.limits.tokensPerMinute} tokens per minute`;
  if (!refusal.tooLarge) setAnthropicRetryAfter(headers, refusal.waitMs);
  return errorBody(
    'rate_limit_error',
    `This request would exceed the rate limit for your organization (${EMULATOR_ORGANIZATION}) of ${limit} ` +
      `for model ${request.model}. For details, refer to: https://docs.claude.com/en/api/rate-limits. ` +
      'You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.',
  );
}

const CREDIT: ErrorReply = {
  status: 400,
  body: errorBody(
    'invalid_request_error',
    'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
  ),
};
const SERVER_ERROR: ErrorReply = { status: 500, body: errorBody('api_error', 'Internal server error') };
const OVERLOADED: ErrorReply = { status: 529, body: errorBody('overloaded_error', 'Overloaded') };
const UNAVAILABLE: ErrorReply = { status: 503, body: errorBody('api_error', 'Service unavailable') };

/**
 * @param kind - the injected failure.
 * @returns 500 `api_error`, 529 `overloaded_error` or 503 `api_error`.
 */
export function anthropicFault(kind: ServerFault): ErrorReply {
  return kind === 'serverError' ? SERVER_ERROR : kind === 'overloaded' ? OVERLOADED : UNAVAILABLE;
}

function messageId(answer: Answer): string {
  return `msg_emu${answer.sequence.toString(36)}`;
}

function messageObject(answer: Answer, content: readonly object[], done: boolean, outputTokens: number): object {
  return {
    id: messageId(answer),
    type: 'message',
    role: 'assistant',
    model: answer.model,
    content,
    stop_reason: done ? 'end_turn' : null,
    stop_sequence: null,
    usage: {
      input_tokens: answer.promptTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: outputTokens,
      service_tier: 'standard',
    },
  };
}

/**
 * @param answer - the answer.
 * @returns the JSON `message` body.
 */
export function messageBody(answer: Answer): string {
  return JSON.stringify(
    messageObject(answer, [{ type: 'text', text: completionText(answer.completionTokens) }], true, answer.completionTokens),
  );
}

function event(type: string, data: object): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

const STREAM_ERROR = `event: error\ndata: ${errorBody('overloaded_error', 'Overloaded')}\n\n`;

/**
 * The event frames of a streamed message: `message_start` (input usage, 1 output token), `content_block_start`,
 * `ping`, one `content_block_delta` (`text_delta`) per text chunk, `content_block_stop`, `message_delta`
 * (`stop_reason` and the output usage) and `message_stop`. The error is an `error` event with an
 * `overloaded_error`, as Anthropic sends mid-stream.
 * @param answer - the answer.
 * @param tokensPerChunk - completion tokens per delta.
 * @returns the stream's frames.
 */
export function messagesStream(answer: Answer, tokensPerChunk: number): StreamPlan {
  const opening =
    event('message_start', { message: messageObject(answer, [], false, 1) }) +
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
    event('ping', {});
  const chunks = completionChunks(answer.completionTokens, tokensPerChunk).map((text) =>
    event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
  );
  const closing =
    event('content_block_stop', { index: 0 }) +
    event('message_delta', {
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: answer.completionTokens },
    }) +
    event('message_stop', {});
  return { opening, chunks, closing, error: () => STREAM_ERROR };
}

/** The Anthropic Messages dialect. */
export const ANTHROPIC_MESSAGES: Dialect = {
  endpoint: 'messages',
  requestIdHeader: 'request-id',
  invalidJsonMessage: 'There was an issue with the request body: it is not valid JSON.',
  parse: parseMessagesRequest,
  invalid: (status, message) => errorBody(status === 413 ? 'request_too_large' : 'invalid_request_error', message),
  quotaHeaders: (headers, quota) => setAnthropicRateLimitHeaders(headers, quota, Date.now()),
  rateLimited: anthropicRateLimited,
  insufficientQuota: () => CREDIT,
  fault: anthropicFault,
  body: messageBody,
  stream: messagesStream,
};
