/**
 * Response bodies of the provider emulator: completions, stream chunks and OpenAI/Anthropic
 * shaped errors.
 * @packageDocumentation
 */

/** Organization name used in emulated error messages. */
export const EMULATOR_ORGANIZATION = 'org-emulator';

const WORDS = [
  'the', 'quick', 'model', 'replied', 'with', 'a', 'short', 'answer', 'about', 'rate',
  'limits', 'and', 'tokens', 'so', 'that', 'tests', 'can', 'check', 'every', 'response',
  'from', 'this', 'emulated', 'provider', 'while', 'it', 'keeps', 'time', 'under', 'quota',
];
/** Longest generated completion, in words; longer completions reuse this text. */
const MAX_WORDS = 4096;
const { text: TEXT, ends: WORD_ENDS } = buildText();

function buildText(): { text: string; ends: Uint32Array } {
  const parts: string[] = [];
  const ends = new Uint32Array(MAX_WORDS);
  let length = 0;
  for (let i = 0; i < MAX_WORDS; i++) {
    // A fixed stride through the word list gives varied but reproducible text.
    const word = (i === 0 ? '' : ' ') + WORDS[(i * 7) % WORDS.length];
    parts.push(word);
    length += word.length;
    ends[i] = length;
  }
  return { text: parts.join(''), ends };
}

/**
 * Generated assistant text of about one word per completion token (a substring of a fixed text,
 * so no per-call string building).
 * @param completionTokens - completion length in tokens (>= 1).
 * @returns the text.
 */
export function completionText(completionTokens: number): string {
  const words = completionTokens < MAX_WORDS ? completionTokens : MAX_WORDS;
  return TEXT.slice(0, WORD_ENDS[words - 1]);
}

/** Token usage reported in a completion. */
export interface Usage {
  /** Prompt tokens as counted by the emulator. */
  readonly prompt_tokens: number;
  /** Generated tokens. */
  readonly completion_tokens: number;
  /** Sum of both. */
  readonly total_tokens: number;
}

/**
 * @param id - completion id.
 * @param model - model name.
 * @param content - assistant text.
 * @param promptTokens - prompt tokens.
 * @param completionTokens - completion tokens.
 * @returns a JSON `chat.completion` object.
 */
export function completionBody(
  id: string,
  model: string,
  content: string,
  promptTokens: number,
  completionTokens: number,
): string {
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    } satisfies Usage,
  });
}

/**
 * A complete server-sent-events stream of `chat.completion.chunk` objects ending in `[DONE]`.
 * @param id - completion id.
 * @param model - model name.
 * @param content - assistant text (sent in one delta).
 * @param promptTokens - prompt tokens.
 * @param completionTokens - completion tokens.
 * @param includeUsage - append the usage chunk (`stream_options.include_usage`).
 * @returns the SSE body.
 */
export function streamBody(
  id: string,
  model: string,
  content: string,
  promptTokens: number,
  completionTokens: number,
  includeUsage: boolean,
): string {
  const created = Math.floor(Date.now() / 1000);
  const usage = includeUsage ? null : undefined;
  const chunk = (delta: object, finishReason: string | null): string =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      usage,
    })}\n\n`;
  let body =
    chunk({ role: 'assistant', content: '', refusal: null }, null) +
    chunk({ content }, null) +
    chunk({}, 'stop');
  if (includeUsage) {
    body += `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      } satisfies Usage,
    })}\n\n`;
  }
  return body + 'data: [DONE]\n\n';
}

function openAiError(message: string, type: string, param: string | null, code: string | null): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

/**
 * @param model - model name.
 * @param kind - the limit that refused the request.
 * @param limit - the per-minute limit.
 * @param used - units used in the minute bucket.
 * @param requested - units the request asked for.
 * @param retryIn - human-readable wait (Go duration).
 * @returns an OpenAI `rate_limit_exceeded` error body.
 */
export function rateLimitBody(
  model: string,
  kind: 'requests' | 'tokens',
  limit: number,
  used: number,
  requested: number,
  retryIn: string,
): string {
  const unit = kind === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)';
  return openAiError(
    `Rate limit reached for ${model} in organization ${EMULATOR_ORGANIZATION} on ${unit}: ` +
      `Limit ${limit}, Used ${used}, Requested ${requested}. Please try again in ${retryIn}. ` +
      'Visit https://platform.openai.com/account/rate-limits to learn more.',
    kind,
    null,
    'rate_limit_exceeded',
  );
}

/**
 * @param model - model name.
 * @param limit - the per-minute token limit.
 * @param requested - the request's token charge.
 * @returns an OpenAI "request too large" 429 body (`type: 'tokens'`).
 */
export function tooLargeBody(model: string, limit: number, requested: number): string {
  return openAiError(
    `Request too large for ${model} in organization ${EMULATOR_ORGANIZATION} on tokens per min (TPM): ` +
      `Limit ${limit}, Requested ${requested}. The input or output tokens must be reduced in order to run successfully. ` +
      'Visit https://platform.openai.com/account/rate-limits to learn more.',
    'tokens',
    null,
    'rate_limit_exceeded',
  );
}

/**
 * @param message - what is wrong.
 * @param param - the offending parameter, or null.
 * @returns an OpenAI `invalid_request_error` body.
 */
export function invalidRequestBody(message: string, param: string | null): string {
  return openAiError(message, 'invalid_request_error', param, null);
}

/**
 * @param method - request method.
 * @param path - request path.
 * @returns an OpenAI-style 404 body.
 */
export function notFoundBody(method: string, path: string): string {
  return openAiError(`Invalid URL (${method} ${path})`, 'invalid_request_error', null, 'unknown_url');
}

/** 429 body for an account out of credit (`code: 'insufficient_quota'`, must not be retried). */
export const INSUFFICIENT_QUOTA_BODY = openAiError(
  'You exceeded your current quota, please check your plan and billing details. ' +
    'For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
  'insufficient_quota',
  null,
  'insufficient_quota',
);

/** 500 body (OpenAI `server_error`). */
export const SERVER_ERROR_BODY = openAiError(
  'The server had an error while processing your request. Sorry about that!',
  'server_error',
  null,
  null,
);

/** 529 body (Anthropic `overloaded_error`). */
export const OVERLOADED_BODY = JSON.stringify({
  type: 'error',
  error: { type: 'overloaded_error', message: 'Overloaded' },
});

/** 503 body (injected fault or outage). */
export const UNAVAILABLE_BODY = openAiError(
  'The server is temporarily unavailable. Please try again later.',
  'server_error',
  null,
  'service_unavailable',
);
