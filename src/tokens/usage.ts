/**
 * Read the real token usage a provider reports on a response, to reconcile the
 * up-front estimate after the call.
 */

import { isObject } from '../util/values';

/** How deep `{ data, response }` / `{ response }` wrappers are unwrapped. */
const MAX_DEPTH = 2;

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Sum of the present counts, or undefined when none is present. */
function sum(a: number | undefined, b: number | undefined, c?: number): number | undefined {
  if (a === undefined && b === undefined) return undefined;
  return (a ?? 0) + (b ?? 0) + (c ?? 0);
}

/** OpenAI (chat, responses, embeddings) or Anthropic `usage` object. */
function fromUsage(u: Record<string, unknown>): number | undefined {
  const total = num(u.total_tokens);
  if (total !== undefined) return total;
  const openai = sum(num(u.prompt_tokens), num(u.completion_tokens));
  if (openai !== undefined) return openai;
  return sum(num(u.input_tokens), num(u.output_tokens), num(u.cache_creation_input_tokens));
}

/** Gemini `usageMetadata` object. */
function fromGemini(u: Record<string, unknown>): number | undefined {
  const total = num(u.totalTokenCount);
  if (total !== undefined) return total;
  return sum(num(u.promptTokenCount), num(u.candidatesTokenCount), num(u.thoughtsTokenCount));
}

function read(r: unknown, depth: number): number | undefined {
  if (!isObject(r)) return undefined;
  const usage = r.usage;
  if (isObject(usage)) {
    const n = fromUsage(usage);
    if (n !== undefined) return n;
  }
  const meta = r.usageMetadata;
  if (isObject(meta)) {
    const n = fromGemini(meta);
    if (n !== undefined) return n;
  }
  if (depth >= MAX_DEPTH || !('response' in r)) return undefined;
  // openai `.withResponse()`: { data, response: Response, request_id }.
  const data = r.data;
  if (isObject(data) && !Array.isArray(data)) {
    const n = read(data, depth + 1);
    if (n !== undefined) return n;
  }
  // @google/generative-ai: { response: { usageMetadata } }.
  return read(r.response, depth + 1);
}

/**
 * Total tokens a completed call actually consumed, as reported by the provider, or
 * `undefined` when the result carries no usage (streams, custom return values).
 *
 * Recognised shapes:
 * - OpenAI chat completions / embeddings / Responses: `usage.total_tokens`, else
 *   `usage.prompt_tokens + usage.completion_tokens`. Cached prompt tokens are part of
 *   `prompt_tokens` and do count against OpenAI TPM.
 * - Anthropic: `usage.input_tokens + usage.output_tokens +
 *   usage.cache_creation_input_tokens`. `cache_read_input_tokens` is left out: for
 *   current Claude models cache reads do not count towards the input-tokens-per-minute
 *   limit (some older models did count them).
 * - Gemini: `usageMetadata.totalTokenCount`, else prompt + candidates + thoughts.
 * - Wrappers: the openai SDK's `.withResponse()` result `{ data, response }` (usage read
 *   from `data`) and `{ response: { usageMetadata } }` from @google/generative-ai.
 *
 * Never throws.
 *
 * @param result - the value the decorated method resolved with.
 * @returns consumed tokens, or `undefined` when not reported.
 */
export function usageTokens(result: unknown): number | undefined {
  try {
    const n = read(result, 0);
    return n === undefined ? undefined : Math.min(Math.ceil(n), Number.MAX_SAFE_INTEGER);
  } catch {
    return undefined; // throwing getter / revoked proxy
  }
}
