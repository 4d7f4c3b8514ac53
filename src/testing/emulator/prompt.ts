/**
 * Validation and up-front token accounting of chat completion requests in the provider emulator.
 * @packageDocumentation
 */

/** Tokens charged per message on top of its content (OpenAI's chat format overhead). */
export const TOKENS_PER_MESSAGE = 3;
/** Tokens charged once per request (the primed assistant reply). */
export const TOKENS_PER_REQUEST = 3;

/** A valid chat completion request, reduced to what the emulator needs. */
export interface ParsedChatRequest {
  /** The `model` field. */
  readonly model: string;
  /** Prompt tokens: content tokens + {@link TOKENS_PER_MESSAGE} per message + {@link TOKENS_PER_REQUEST}. */
  readonly promptTokens: number;
  /** `max_completion_tokens ?? max_tokens ?? defaultMaxTokens`. */
  readonly maxTokens: number;
  /** `stream: true` was requested. */
  readonly stream: boolean;
  /** `stream_options.include_usage: true` was requested. */
  readonly includeUsage: boolean;
}

/** A request the emulator rejects with 400. */
export interface InvalidChatRequest {
  /** Human-readable reason. */
  readonly message: string;
  /** The offending parameter, or null. */
  readonly param: string | null;
}

function invalid(message: string, param: string | null): InvalidChatRequest {
  return { message, param };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function contentTokens(
  content: unknown,
  model: string,
  count: (text: string, model?: string) => number,
): number | null {
  if (content === undefined || content === null) return 0;
  if (typeof content === 'string') return count(content, model);
  if (!Array.isArray(content)) return null;
  let tokens = 0;
  for (const part of content) {
    if (!isRecord(part)) return null;
    if (part.type === 'text') {
      if (typeof part.text !== 'string') return null;
      tokens += count(part.text, model);
    }
    // Non-text parts (images, audio, files) are not charged by the emulator.
  }
  return tokens;
}

function tokenLimit(body: Record<string, unknown>, key: string): number | undefined | InvalidChatRequest {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    return invalid(`Invalid '${key}': expected an integer >= 1, got ${JSON.stringify(value)}.`, key);
  }
  return value;
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
  count: (text: string, model?: string) => number,
  defaultMaxTokens: number,
): ParsedChatRequest | InvalidChatRequest {
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
  const maxCompletion = tokenLimit(body, 'max_completion_tokens');
  if (typeof maxCompletion === 'object') return maxCompletion;
  const maxTokensField = tokenLimit(body, 'max_tokens');
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

/**
 * @param value - a result of {@link parseChatRequest}.
 * @returns true when the request was rejected.
 */
export function isInvalid(value: ParsedChatRequest | InvalidChatRequest): value is InvalidChatRequest {
  return 'message' in value;
}
