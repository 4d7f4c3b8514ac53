/**
 * What a provider dialect of the emulator supplies: how a request body is read and charged, and how answers,
 * streams, rate-limit headers and errors are written. The server (quota, faults, latency, counters) is shared;
 * each endpoint plugs in one {@link Dialect}.
 * @packageDocumentation
 */
import type { EmulatorEndpoint } from './types';
import type { ModelQuota, QuotaRefusal } from './quota';

/** A valid request, reduced to what the emulator needs. */
export interface ParsedRequest {
  /** The model (from the body, or from the path for Gemini). */
  readonly model: string;
  /** Prompt tokens as the emulator counts them. */
  readonly promptTokens: number;
  /** The output budget charged up front (and the longest answer generated). */
  readonly maxTokens: number;
  /** The answer is streamed (server-sent events). */
  readonly stream: boolean;
  /** Chat completions `stream_options.include_usage: true`. */
  readonly includeUsage: boolean;
}

/** A request the emulator rejects with 400. */
export interface InvalidRequest {
  /** Human-readable reason. */
  readonly message: string;
  /** The offending parameter, or null. */
  readonly param: string | null;
}

/**
 * @param value - a parse result.
 * @returns true when the request was rejected.
 */
export function isInvalid(value: ParsedRequest | InvalidRequest): value is InvalidRequest {
  return 'message' in value;
}

/** What the route and the options add to a request body. */
export interface RequestContext {
  /** Prompt text token counter. */
  readonly countTokens: (text: string, model?: string) => number;
  /** Output budget when the request sets none. */
  readonly defaultMaxTokens: number;
  /** The model named in the path (Gemini), else undefined. */
  readonly pathModel: string | undefined;
  /** The path asks for a stream (Gemini `:streamGenerateContent`). */
  readonly pathStream: boolean;
}

/** A status and a JSON body. */
export interface ErrorReply {
  /** HTTP status. */
  readonly status: number;
  /** JSON body. */
  readonly body: string;
}

/** An injected server-side failure answered before any content. */
export type ServerFault = 'serverError' | 'overloaded' | 'unavailable';

/** One successful answer, for the dialect to render. */
export interface Answer {
  /** A number unique to this answer, for its ids. */
  readonly sequence: number;
  /** The model. */
  readonly model: string;
  /** Prompt tokens. */
  readonly promptTokens: number;
  /** Completion tokens (>= 1). */
  readonly completionTokens: number;
  /** The request's output budget. */
  readonly maxTokens: number;
  /** Chat completions `stream_options.include_usage`. */
  readonly includeUsage: boolean;
}

/** A streamed answer, pre-rendered as server-sent-event frames. */
export interface StreamPlan {
  /** Frames sent before the first text chunk (with it): a role chunk, `message_start`, `response.created`… */
  readonly opening: string;
  /** One frame per text chunk. */
  readonly chunks: readonly string[];
  /** Frames after the last text chunk: finish, usage, `[DONE]`, `message_stop`… */
  readonly closing: string;
  /**
   * The dialect's mid-stream error event, which ends the stream.
   * @param sent - text chunks sent before it (0: right after the headers, before the opening frames).
   * @returns the frame.
   */
  readonly error: (sent: number) => string;
}

/** One provider's wire format. */
export interface Dialect {
  /** The counter key of this endpoint. */
  readonly endpoint: EmulatorEndpoint;
  /** Header carrying the request id, or null for none. */
  readonly requestIdHeader: string | null;
  /** Message of the 400 answered to a body that is not JSON. */
  readonly invalidJsonMessage: string;
  /**
   * Validates a parsed JSON body and computes its charge.
   * @param body - the parsed JSON value.
   * @param context - the route and the counting options.
   * @returns the request, or why it is invalid.
   */
  parse(body: unknown, context: RequestContext): ParsedRequest | InvalidRequest;
  /**
   * @param status - 400 or 413.
   * @param message - what is wrong.
   * @param param - the offending parameter, or null.
   * @returns the error body.
   */
  invalid(status: number, message: string, param: string | null): string;
  /**
   * Fills the dialect's rate-limit headers (none for Gemini) from refilled buckets.
   * @param headers - the header object to fill.
   * @param quota - the model's quota state, refilled to now.
   */
  quotaHeaders(headers: Record<string, string>, quota: ModelQuota): void;
  /**
   * The 429 of a refused request; fills its retry headers.
   * @param headers - the header object to fill (rate-limit headers already set).
   * @param request - the refused request.
   * @param quota - the model's quota state, refilled to now.
   * @param refusal - why it was refused.
   * @returns the error body.
   */
  rateLimited(
    headers: Record<string, string>,
    request: ParsedRequest,
    quota: ModelQuota,
    refusal: QuotaRefusal,
  ): string;
  /** @returns the answer while the account is out of credit (`setInsufficientQuota`). */
  insufficientQuota(): ErrorReply;
  /**
   * @param kind - the injected failure (an outage answers `unavailable`).
   * @returns its status and body.
   */
  fault(kind: ServerFault): ErrorReply;
  /**
   * @param answer - the answer.
   * @returns the JSON body of a non-streamed answer.
   */
  body(answer: Answer): string;
  /**
   * @param answer - the answer.
   * @param tokensPerChunk - completion tokens per text chunk.
   * @returns the stream's frames.
   */
  stream(answer: Answer, tokensPerChunk: number): StreamPlan;
}

/**
 * @param value - any JSON value.
 * @returns true for a plain object (not null, not an array).
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads an optional positive integer field.
 * @param body - the request object.
 * @param key - the field.
 * @returns the value, undefined when absent or null, or why it is invalid.
 */
export function positiveIntegerField(body: Record<string, unknown>, key: string): number | undefined | InvalidRequest {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    return { message: `Invalid '${key}': expected an integer >= 1, got ${JSON.stringify(value)}.`, param: key };
  }
  return value;
}
