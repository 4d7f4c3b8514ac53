/**
 * OpenAI-shaped error bodies of the provider emulator (`{ error: { message, type, param, code } }`), shared by the
 * chat completions and Responses endpoints.
 * @packageDocumentation
 */

import type { ErrorReply, ParsedRequest, ServerFault } from './dialect';
import { goDuration, setRetryAfterHeaders } from './headers';
import type { ModelQuota, QuotaRefusal } from './quota';

/** Organization name used in emulated error messages. */
export const EMULATOR_ORGANIZATION = 'org-emulator';

/**
 * @param message - human-readable message.
 * @param type - the error `type`.
 * @param param - the offending parameter, or null.
 * @param code - the error `code`, or null.
 * @returns an OpenAI error body.
 */
export function openAiError(message: string, type: string, param: string | null, code: string | null): string {
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

/**
 * The OpenAI 429 of a refused request: `rate_limit_exceeded` naming the limit, with `retry-after` and
 * `retry-after-ms`; a request larger than the minute's token limit gets "Request too large" and no wait.
 * @param headers - the header object to fill (rate-limit headers already set).
 * @param request - the refused request.
 * @param quota - the model's quota state, refilled to now.
 * @param refusal - why it was refused.
 * @returns the error body.
 */
export function openAiRateLimited(
  headers: Record<string, string>,
  request: ParsedRequest,
  quota: ModelQuota,
  refusal: QuotaRefusal,
): string {
  const cost = request.promptTokens + request.maxTokens;
  if (refusal.tooLarge) return tooLargeBody(request.model, quota.limits.tokensPerMinute, cost);
  setRetryAfterHeaders(headers, refusal.waitMs);
  const requests = refusal.kind === 'requests';
  const limit = requests ? quota.limits.requestsPerMinute : quota.limits.tokensPerMinute;
  const level = requests ? quota.minuteRequests.current() : quota.minuteTokens.current();
  return rateLimitBody(
    request.model,
    refusal.kind,
    limit,
    Math.max(0, Math.ceil(limit - level)),
    requests ? 1 : cost,
    goDuration(refusal.waitMs),
  );
}

const INSUFFICIENT_QUOTA: ErrorReply = { status: 429, body: INSUFFICIENT_QUOTA_BODY };
const SERVER_ERROR: ErrorReply = { status: 500, body: SERVER_ERROR_BODY };
const OVERLOADED: ErrorReply = { status: 529, body: OVERLOADED_BODY };
const UNAVAILABLE: ErrorReply = { status: 503, body: UNAVAILABLE_BODY };

/** @returns the OpenAI 429 `insufficient_quota`. */
export function openAiInsufficientQuota(): ErrorReply {
  return INSUFFICIENT_QUOTA;
}

/**
 * @param kind - the injected failure.
 * @returns 500 `server_error`, 529 (Anthropic's `overloaded_error` body, which OpenAI-compatible gateways
 * pass through) or 503.
 */
export function openAiFault(kind: ServerFault): ErrorReply {
  return kind === 'serverError' ? SERVER_ERROR : kind === 'overloaded' ? OVERLOADED : UNAVAILABLE;
}
