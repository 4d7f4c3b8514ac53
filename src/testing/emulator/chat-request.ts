/**
 * Validation and up-front token accounting of chat completion requests in the provider emulator, and the
 * counting scheme the other dialects share.
 * @packageDocumentation
 */
import { isRecord, positiveIntegerField, type InvalidRequest, type ParsedRequest } from './dialect';

/** Tokens charged per message on top of its content (OpenAI's chat format overhead). */
export const TOKENS_PER_MESSAGE = 3;
/** Tokens charged once per request (the primed assistant reply). */
export const TOKENS_PER_REQUEST = 3;

/** Counts prompt text. */
export type CountTokens = (text: string, model?: string) => number;

function invalid(message: string, param: string | null): InvalidRequest {
  return { message, param };
}

/**
 * Tokens of a message's content: a string, or an array of parts whose `text` strings are counted (parts
 * without text — images, audio, files — are not charged). `null`/absent content counts 0.
 * @param content - the content value.
 * @param model - the model, for the counter.
 * @param count - prompt text token counter.
 * @returns the tokens, or null when the content is neither a string nor an array of objects.
 */
export function contentTokens(content: unknown, model: string, count: CountTokens): number | null {
  if (content === undefined || content === null) return 0;
  if (typeof content === 'string') return count(content, model);
  if (!Array.isArray(content)) return null;
  let tokens = 0;
  for (const part of content) {
    if (!isRecord(part)) return null;
    const text = part.text;
    if (typeof text === 'string') tokens += count(text, model);
    else if (text !== undefined || part.type === 'text') return null;
  }
  return tokens;
}

/**
 * Validates a parsed JSON body of `POST /v1/chat/completions` and computes its token charge.
 * @param body - the parsed JSON value.
 * @param count - prompt text token counter.
 * @param defaultMaxTokens - completion budget charged when the request sets no maximum.
 * @returns the request, or why it is invalid.
 */
export function parseChatRequest(
  body: unknown,
  count: CountTokens,
  defaultMaxTokens: number,
): ParsedRequest | InvalidRequest {
  if (!isRecord(body)) return invalid('The request body must be a JSON object.', null);
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) {
    return invalid("Missing required parameter: 'model'.", 'model');
  }
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return invalid("Invalid 'messages': expected a non-empty array.", 'messages');
  }
  let promptTokens = TOKENS_PER_REQUEST;
  for (let i = 0; i < messages.length; i++) {
    const message: unknown = messages[i];
    if (!isRecord(message) || typeof message.role !== 'string') {
      return invalid(`Invalid 'messages[${i}]': expected an object with a 'role'.`, `messages[${i}]`);
    }
    const tokens = contentTokens(message.content, model, count);
    if (tokens === null) {
      return invalid(
        `Invalid 'messages[${i}].content': expected a string or an array of content parts.`,
        `messages[${i}].content`,
      );
    }
    promptTokens += tokens + TOKENS_PER_MESSAGE;
  }
  const maxCompletion = positiveIntegerField(body, 'max_completion_tokens');
  if (typeof maxCompletion === 'object') return maxCompletion;
  const maxTokensField = positiveIntegerField(body, 'max_tokens');
  if (typeof maxTokensField === 'object') return maxTokensField;
  const streamOptions = body.stream_options;
  return {
    model,
    promptTokens,
    maxTokens: maxCompletion ?? maxTokensField ?? defaultMaxTokens,
    stream: body.stream === true,
    includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
  };
}
