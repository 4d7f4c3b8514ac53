/**
 * The Gemini dialect of the emulator (`POST /v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`): `candidates` and `usageMetadata`, and Google API errors
 * (`{ error: { code, message, status, details } }`) — a 429 `RESOURCE_EXHAUSTED` carries a
 * `google.rpc.QuotaFailure` and a `google.rpc.RetryInfo` `retryDelay`. Gemini sends no rate-limit headers.
 * @packageDocumentation
 */
import { contentTokens, TOKENS_PER_MESSAGE, TOKENS_PER_REQUEST } from './chat-request';
import { isRecord, type Answer, type Dialect, type ErrorReply, type InvalidRequest, type ParsedRequest, type RequestContext, type ServerFault, type StreamPlan } from './dialect';
import type { ModelQuota, QuotaRefusal } from './quota';
import { completionChunks, completionText } from './text';

function invalid(message: string, param: string | null): InvalidRequest {
  return { message, param };
}

/** Tokens of a `Content` (`{ role?, parts: [{ text }] }`), or null when malformed. */
function contentObjectTokens(content: unknown, model: string, context: RequestContext): number | null {
  if (!isRecord(content)) return null;
  return Array.isArray(content.parts) ? contentTokens(content.parts, model, context.countTokens) : null;
}

/**
 * Validates a parsed JSON body of `generateContent` and computes its token charge: `systemInstruction` and
 * each of `contents` count as chat messages do; the output budget is `generationConfig.maxOutputTokens`.
 * Field names are accepted in camelCase and snake_case, as the REST API accepts both.
 * @param body - the parsed JSON value.
 * @param context - the model from the path, stream flag and counting options.
 * @returns the request, or why it is invalid.
 */
export function parseGeminiRequest(body: unknown, context: RequestContext): ParsedRequest | InvalidRequest {
  const model = context.pathModel ?? '';
  if (!isRecord(body)) return invalid('Invalid JSON payload received. Expected an object.', null);
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    return invalid('* GenerateContentRequest.contents: contents is not specified', 'contents');
  }
  let promptTokens = TOKENS_PER_REQUEST;
  const system = body.systemInstruction ?? body.system_instruction;
  if (system !== undefined && system !== null) {
    const tokens = contentObjectTokens(system, model, context);
    if (tokens === null) return invalid('Invalid value at \'system_instruction\': expected a Content with parts.', 'systemInstruction');
    promptTokens += tokens + TOKENS_PER_MESSAGE;
  }
  for (let i = 0; i < contents.length; i++) {
    const tokens = contentObjectTokens(contents[i], model, context);
    if (tokens === null) return invalid(`Invalid value at 'contents[${i}]': expected a Content with parts.`, `contents[${i}]`);
    promptTokens += tokens + TOKENS_PER_MESSAGE;
  }
  const config = body.generationConfig ?? body.generation_config;
  let maxTokens = context.defaultMaxTokens;
  if (isRecord(config)) {
    const max = config.maxOutputTokens ?? config.max_output_tokens;
    if (max !== undefined && max !== null) {
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
        return invalid(`Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), ${JSON.stringify(max)}`, 'generationConfig.maxOutputTokens');
      }
      maxTokens = max;
    }
  }
  return { model, promptTokens, maxTokens, stream: context.pathStream, includeUsage: false };
}

function googleError(code: number, status: string, message: string, details?: readonly object[]): string {
  return JSON.stringify({ error: details === undefined ? { code, message, status } : { code, message, status, details } });
}

/**
 * A protobuf `Duration` in its JSON form, rounded up to the millisecond: `"1s"`, `"0.350s"`.
 * @param ms - the duration in ms (> 0).
 * @returns the duration string.
 */
export function protoDuration(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${(whole / 1000).toFixed(3)}s`;
}

const QUOTA_HELP = 'https://ai.google.dev/gemini-api/docs/rate-limits';

function quotaFailure(metric: string, quotaId: string, model: string, limit: number): object {
  return {
    '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
    violations: [
      {
        quotaMetric: `generativelanguage.googleapis.com/${metric}`,
        quotaId,
        quotaDimensions: { location: 'global', model },
        quotaValue: String(limit),
      },
    ],
  };
}

const HELP = {
  '@type': 'type.googleapis.com/google.rpc.Help',
  links: [{ description: 'Learn more about Gemini API quotas', url: QUOTA_HELP }],
};

/**
 * The Gemini 429 of a refused request: `RESOURCE_EXHAUSTED` with a `QuotaFailure` naming the per-minute quota,
 * and a `RetryInfo` whose `retryDelay` is the wait (none for a request larger than the minute's token limit).
 * @param _headers - unused: Gemini sends no retry headers.
 * @param request - the refused request.
 * @param quota - the model's quota state.
 * @param refusal - why it was refused.
 * @returns the error body.
 */
export function geminiRateLimited(
  _headers: Record<string, string>,
  request: ParsedRequest,
  quota: ModelQuota,
  refusal: QuotaRefusal,
): string {
  const requests = refusal.kind === 'requests';
  const limit = requests ? quota.limits.requestsPerMinute : quota.limits.tokensPerMinute;
  const metric = requests ? 'generate_content_requests' : 'generate_content_input_token_count';
  const quotaId = requests ? 'GenerateRequestsPerMinutePerProjectPerModel' : 'GenerateContentInputTokensPerModelPerMinute';
  const details: object[] = [quotaFailure(metric, quotaId, request.model, limit), HELP];
  let message =
    `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: ${QUOTA_HELP}.\n` +
    `* Quota exceeded for metric: generativelanguage.googleapis.com/${metric}, limit: ${limit}, model: ${request.model}`;
  if (!refusal.tooLarge) {
    const delay = protoDuration(refusal.waitMs);
    details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay });
    message += `\nPlease retry in ${delay}.`;
  }
  return googleError(429, 'RESOURCE_EXHAUSTED', message, details);
}

const NO_CREDIT: ErrorReply = {
  status: 429,
  body: googleError(
    429,
    'RESOURCE_EXHAUSTED',
    `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: ${QUOTA_HELP}.`,
    [quotaFailure('generate_content_requests', 'GenerateRequestsPerDayPerProjectPerModel', 'all', 0), HELP],
  ),
};
const SERVER_ERROR: ErrorReply = {
  status: 500,
  body: googleError(500, 'INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'),
};
const OVERLOADED: ErrorReply = { status: 503, body: googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.') };
const UNAVAILABLE: ErrorReply = { status: 503, body: googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.') };

/**
 * @param kind - the injected failure.
 * @returns 500 `INTERNAL`, or 503 `UNAVAILABLE` ("The model is overloaded" for `overloaded`: Gemini has no 529).
 */
export function geminiFault(kind: ServerFault): ErrorReply {
  return kind === 'serverError' ? SERVER_ERROR : kind === 'overloaded' ? OVERLOADED : UNAVAILABLE;
}

function usage(answer: Answer, completionTokens: number | undefined): object {
  const prompt = answer.promptTokens;
  const details = [{ modality: 'TEXT', tokenCount: prompt }];
  return completionTokens === undefined
    ? { promptTokenCount: prompt, totalTokenCount: prompt, promptTokensDetails: details }
    : { promptTokenCount: prompt, candidatesTokenCount: completionTokens, totalTokenCount: prompt + completionTokens, promptTokensDetails: details };
}

function responseObject(answer: Answer, text: string, last: boolean): object {
  const candidate = last
    ? { content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }
    : { content: { parts: [{ text }], role: 'model' }, index: 0 };
  return {
    candidates: [candidate],
    usageMetadata: usage(answer, last ? answer.completionTokens : undefined),
    modelVersion: answer.model,
    responseId: `emu${answer.sequence.toString(36)}`,
  };
}

/**
 * @param answer - the answer.
 * @returns the JSON `GenerateContentResponse`.
 */
export function geminiBody(answer: Answer): string {
  return JSON.stringify(responseObject(answer, completionText(answer.completionTokens), true));
}

const STREAM_ERROR = `data: ${googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.')}\r\n\r\n`;

/**
 * The frames of a streamed answer (`alt=sse`, frames ended by `\r\n\r\n` as Google sends them): one
 * `GenerateContentResponse` per text chunk, each with the prompt's `usageMetadata`; the last adds
 * `finishReason: "STOP"` and the full usage. No opening or closing frames. The error is a frame holding a
 * 503 `UNAVAILABLE` error object.
 * @param answer - the answer.
 * @param tokensPerChunk - completion tokens per chunk.
 * @returns the stream's frames.
 */
export function geminiStream(answer: Answer, tokensPerChunk: number): StreamPlan {
  const pieces = completionChunks(answer.completionTokens, tokensPerChunk);
  const last = pieces.length - 1;
  const chunks = pieces.map((text, i) => `data: ${JSON.stringify(responseObject(answer, text, i === last))}\r\n\r\n`);
  return { opening: '', chunks, closing: '', error: () => STREAM_ERROR };
}

/** The Gemini dialect. */
export const GEMINI: Dialect = {
  endpoint: 'generateContent',
  requestIdHeader: null,
  invalidJsonMessage: 'Invalid JSON payload received. Unexpected token.',
  parse: parseGeminiRequest,
  invalid: (status, message) => googleError(status, 'INVALID_ARGUMENT', message),
  quotaHeaders: () => undefined,
  rateLimited: geminiRateLimited,
  insufficientQuota: () => NO_CREDIT,
  fault: geminiFault,
  body: geminiBody,
  stream: geminiStream,
};
