/**
 * What one chunk of a streamed response tells the runtime: whether it carries content for the caller, the usage
 * it reports, an error it carries. The shared types and builders of the per-client readers in this folder.
 * @packageDocumentation
 */

import type { UsageCounts } from '../usage-counts';

/** The chunk shapes of the clients whose streams are read. */
export type StreamDialect =
  /** openai `chat.completions.create({ stream: true })` / `.stream()`: `ChatCompletionChunk`. */
  | 'openai-chat'
  /** openai `responses.create({ stream: true })` / `.stream()`: `ResponseStreamEvent`. */
  | 'openai-responses'
  /** @anthropic-ai/sdk `messages.create({ stream: true })` / `messages.stream()`: `RawMessageStreamEvent`. */
  | 'anthropic'
  /** Vercel AI SDK `streamText().fullStream` / `streamObject().fullStream` parts (ai 4 to 6). */
  | 'ai-sdk'
  /** @google/genai `generateContentStream()`: `GenerateContentResponse`. */
  | 'gemini'
  /** LangChain `.stream()`: `AIMessageChunk`. */
  | 'langchain'
  /** Plain text pieces: the AI SDK's `textStream`, a LangChain string output parser. */
  | 'text';

/** Usage reported by one chunk. */
export interface ChunkUsage extends UsageCounts {
  /**
   * How it combines with the stream's earlier reports:
   * - `'cumulative'`: the running total so far; it replaces earlier cumulative reports field by field
   *   (openai, Anthropic, Gemini, the AI SDK's `finish`);
   * - `'increment'`: tokens to add to the earlier reports (the AI SDK's per-step `finish-step`, LangChain's
   *   `usage_metadata`, which `AIMessageChunk.concat` sums).
   */
  readonly mode: 'cumulative' | 'increment';
  /** The dialect's closing usage report: nothing after it changes the stream's usage. */
  readonly final?: true;
}

/** What one chunk carries. */
export interface ChunkFacts {
  /**
   * The chunk carries content for the caller (text, refusal, reasoning, a tool call or its arguments, a file,
   * a source...). Once a content chunk has reached the caller, the stream must not be sent again.
   */
  readonly content: boolean;
  /** Usage the chunk reports, when it reports any. */
  readonly usage?: ChunkUsage;
  /**
   * An error carried in the stream itself (an SSE `error` event, an AI SDK `error` part, a Responses
   * `response.failed`). The value is one `classifyError` understands.
   */
  readonly error?: unknown;
  /** The stream reports it was aborted (the AI SDK's `abort` part). */
  readonly aborted?: true;
}

/** A chunk with nothing to report: no content, no usage, no error. */
export const NO_CONTENT: ChunkFacts = Object.freeze({ content: false });
/** A content chunk with no usage. */
export const CONTENT: ChunkFacts = Object.freeze({ content: true });

/**
 * The facts of one chunk (shared frozen objects when there is no usage and no error).
 * @param content - whether the chunk carries content.
 * @param usage - its usage report, if any.
 */
export function chunkFacts(content: boolean, usage: ChunkUsage | undefined): ChunkFacts {
  if (usage === undefined) return content ? CONTENT : NO_CONTENT;
  return { content, usage };
}

/** A chunk carrying an error in-band. */
export function errorFacts(error: unknown): ChunkFacts {
  return { content: false, error };
}

/**
 * A usage report, or `undefined` when the counts are missing or empty.
 * @param counts - the counts read off the chunk.
 * @param mode - how they combine with earlier reports.
 * @param final - whether this is the dialect's closing report.
 */
export function chunkUsage(counts: UsageCounts | undefined, mode: ChunkUsage['mode'], final: boolean): ChunkUsage | undefined {
  if (counts === undefined || (counts.input === undefined && counts.output === undefined && counts.total === undefined)) return undefined;
  return final ? { ...counts, mode, final: true } : { ...counts, mode };
}

/** A non-empty string. */
export function hasText(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}
