/**
 * Token usage objects as each client reports them, read into one shape: input, output and total tokens.
 * Data properties only (see `data-props.ts`). Pure functions of untrusted input; never throw.
 * @packageDocumentation
 */

import { dataObject, dataProp, tokenCount } from './data-props';

/** Tokens a provider reported: any of input, output and total may be missing. */
export interface UsageCounts {
  /** Input (prompt) tokens that count against a limit. */
  readonly input?: number;
  /** Output (completion) tokens, reasoning included. */
  readonly output?: number;
  /** Total tokens, when the provider reports it. */
  readonly total?: number;
}

type MutableCounts = { -readonly [K in keyof UsageCounts]: UsageCounts[K] };

/**
 * One usage object of any known shape, tried in this order:
 * 1. snake_case with `total_tokens`, `prompt_tokens`/`completion_tokens` (openai chat and embeddings) or
 *    `input_tokens`/`output_tokens` (openai Responses, LangChain `usage_metadata`, Anthropic). Anthropic's
 *    `cache_creation_input_tokens` is input; `cache_read_input_tokens` is left out (for current Claude models
 *    cache reads do not count against the input-tokens-per-minute limit).
 * 2. camelCase: the AI SDK's `inputTokens`/`outputTokens`/`totalTokens` (ai 5 and 6; a nested `{ total }`
 *    as a provider's `LanguageModelV3Usage` has it is read too), or `promptTokens`/`completionTokens`/`totalTokens`
 *    (ai 3 and 4, LangChain's `llmOutput.tokenUsage`).
 * 3. Gemini `usageMetadata`: `promptTokenCount` + `toolUsePromptTokenCount` in, `candidatesTokenCount` +
 *    `thoughtsTokenCount` out, `totalTokenCount`.
 *
 * @param usage - the usage object (anything).
 * @returns the counts found, or `undefined` when none is.
 */
export function readUsageCounts(usage: unknown): UsageCounts | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  return snakeCase(usage) ?? camelCase(usage) ?? geminiCounts(usage);
}

/**
 * The tokens the counts stand for: `total` when reported, else input + output; `undefined` when neither is known.
 * @param counts - counts from {@link readUsageCounts}.
 */
export function countedTokens(counts: UsageCounts | undefined): number | undefined {
  if (counts === undefined) return undefined;
  if (counts.total !== undefined) return counts.total;
  if (counts.input === undefined && counts.output === undefined) return undefined;
  return Math.min((counts.input ?? 0) + (counts.output ?? 0), Number.MAX_SAFE_INTEGER);
}

/**
 * {@link countedTokens} of {@link readUsageCounts}, read the short way when the usage reports `total_tokens` (the
 * openai shape): the total is what counts, so no other field is read (the success path of every call runs this).
 * @param usage - the usage object (anything).
 */
export function usageTotal(usage: unknown): number | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  return tokenCount(dataProp(usage, 'total_tokens')) ?? countedTokens(readUsageCounts(usage));
}

function snakeCase(u: object): UsageCounts | undefined {
  const total = tokenCount(dataProp(u, 'total_tokens'));
  const prompt = tokenCount(dataProp(u, 'prompt_tokens'));
  const completion = tokenCount(dataProp(u, 'completion_tokens'));
  if (prompt !== undefined || completion !== undefined) return counts(prompt, completion, total);
  let input = tokenCount(dataProp(u, 'input_tokens'));
  const output = tokenCount(dataProp(u, 'output_tokens'));
  const cacheCreation = tokenCount(dataProp(u, 'cache_creation_input_tokens'));
  if (input !== undefined && cacheCreation !== undefined) input = safeSum(input, cacheCreation);
  else if (input === undefined && output === undefined && total === undefined) return undefined;
  return counts(input, output, total);
}

function camelCase(u: object): UsageCounts | undefined {
  const total = tokenCount(dataProp(u, 'totalTokens'));
  const input = tokenCount(nestedTotal(dataProp(u, 'inputTokens')) ?? dataProp(u, 'promptTokens'));
  const output = tokenCount(nestedTotal(dataProp(u, 'outputTokens')) ?? dataProp(u, 'completionTokens'));
  if (input === undefined && output === undefined && total === undefined) return undefined;
  return counts(input, output, total);
}

/** A number, or the `total` of a `{ total, ... }` object (the AI SDK's provider-level usage). */
function nestedTotal(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? dataProp(value, 'total') : value;
}

function geminiCounts(u: object): UsageCounts | undefined {
  const total = tokenCount(dataProp(u, 'totalTokenCount'));
  const prompt = tokenCount(dataProp(u, 'promptTokenCount'));
  const toolPrompt = tokenCount(dataProp(u, 'toolUsePromptTokenCount'));
  const candidates = tokenCount(dataProp(u, 'candidatesTokenCount'));
  const thoughts = tokenCount(dataProp(u, 'thoughtsTokenCount'));
  const input = optionalSum(prompt, toolPrompt);
  const output = optionalSum(candidates, thoughts);
  if (input === undefined && output === undefined && total === undefined) return undefined;
  return counts(input, output, total);
}

/**
 * The usage object of a Gemini response (`usageMetadata`), read with {@link readUsageCounts}.
 * @param response - a `GenerateContentResponse` or a stream chunk.
 */
export function geminiUsage(response: unknown): UsageCounts | undefined {
  const meta = dataObject(response, 'usageMetadata');
  return meta === undefined ? undefined : geminiCounts(meta);
}

function counts(input: number | undefined, output: number | undefined, total: number | undefined): UsageCounts {
  const out: MutableCounts = {};
  if (input !== undefined) out.input = input;
  if (output !== undefined) out.output = output;
  if (total !== undefined) out.total = total;
  return out;
}

function optionalSum(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : safeSum(a, b);
}

function safeSum(a: number, b: number): number {
  return Math.min(a + b, Number.MAX_SAFE_INTEGER);
}
