/**
 * The OpenAI chat completions dialect of the emulator (`POST /v1/chat/completions`): a `chat.completion` body,
 * or `chat.completion.chunk` server-sent events ending in `data: [DONE]`.
 * @packageDocumentation
 */
import { parseChatRequest } from './chat-request';
import type { Answer, Dialect, StreamPlan } from './dialect';
import { setRateLimitHeaders } from './headers';
import { invalidRequestBody, openAiError, openAiFault, openAiInsufficientQuota, openAiRateLimited } from './openai-errors';
import { completionChunks, completionText } from './text';

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
 * @param sequence - the answer's unique number.
 * @returns its `chatcmpl-…` id.
 */
function completionId(sequence: number): string {
  return `chatcmpl-emu${sequence.toString(36)}`;
}

/**
 * @param answer - the answer.
 * @returns a JSON `chat.completion` object.
 */
export function completionBody(answer: Answer): string {
  const { promptTokens, completionTokens } = answer;
  return JSON.stringify({
    id: completionId(answer.sequence),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: answer.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: completionText(completionTokens), refusal: null },
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

/** The mid-stream error: a `data:` frame whose object has an `error` member, as OpenAI sends it. */
const STREAM_ERROR = `data: ${openAiError(
  'The server had an error while processing your request. Sorry about that!',
  'server_error',
  null,
  null,
)}\n\n`;

/**
 * The frames of a streamed completion: a role chunk, one content delta per text chunk, a finish chunk, with
 * `include_usage` a last chunk with empty `choices` and the usage (every other chunk then carries
 * `"usage": null`), and `data: [DONE]`.
 * @param answer - the answer.
 * @param tokensPerChunk - completion tokens per content delta.
 * @returns the stream's frames.
 */
export function chatStream(answer: Answer, tokensPerChunk: number): StreamPlan {
  const { promptTokens, completionTokens } = answer;
  const created = Math.floor(Date.now() / 1000);
  const head =
    `data: {"id":"${completionId(answer.sequence)}","object":"chat.completion.chunk","created":${created},` +
    `"model":${JSON.stringify(answer.model)},"choices":[{"index":0,"delta":`;
  const usageNull = answer.includeUsage ? ',"usage":null' : '';
  const open = `,"logprobs":null,"finish_reason":null}]${usageNull}}\n\n`;
  const chunks = completionChunks(completionTokens, tokensPerChunk).map(
    (piece) => `${head}{"content":${JSON.stringify(piece)}}${open}`,
  );
  let closing = `${head}{},"logprobs":null,"finish_reason":"stop"}]${usageNull}}\n\n`;
  if (answer.includeUsage) {
    const usage: Usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    closing +=
      `data: {"id":"${completionId(answer.sequence)}","object":"chat.completion.chunk","created":${created},` +
      `"model":${JSON.stringify(answer.model)},"choices":[],"usage":${JSON.stringify(usage)}}\n\n`;
  }
  return {
    opening: `${head}{"role":"assistant","content":"","refusal":null}${open}`,
    chunks,
    closing: `${closing}data: [DONE]\n\n`,
    error: () => STREAM_ERROR,
  };
}

/** The chat completions dialect. */
export const CHAT_COMPLETIONS: Dialect = {
  endpoint: 'chat.completions',
  requestIdHeader: 'x-request-id',
  invalidJsonMessage:
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
  parse: (body, context) => parseChatRequest(body, context.countTokens, context.defaultMaxTokens),
  invalid: (_status, message, param) => invalidRequestBody(message, param),
  quotaHeaders: setRateLimitHeaders,
  rateLimited: openAiRateLimited,
  insufficientQuota: openAiInsufficientQuota,
  fault: openAiFault,
  body: completionBody,
  stream: chatStream,
};
