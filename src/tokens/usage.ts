/**
 * Read the real token usage a provider reports on a response, to reconcile the
 * up-front estimate after the call.
 */

import { dataObject, dataProp } from '../providers/data-props';
import { countedTokens, geminiUsage, usageTotal } from '../providers/usage-counts';

/** How deep `{ data, response }` / `{ response }` wrappers are unwrapped. */
const MAX_DEPTH = 2;

/** Usage objects on a result, in the order they are tried. */
const USAGE_KEYS = ['totalUsage', 'usage', 'usage_metadata'] as const;

function read(r: unknown, depth: number): number | undefined {
  if (typeof r !== 'object' || r === null) return undefined;
  for (const key of USAGE_KEYS) {
    const n = usageTotal(dataProp(r, key));
    if (n !== undefined) return n;
  }
  const gemini = countedTokens(geminiUsage(r));
  if (gemini !== undefined) return gemini;
  // LangChain `generate()`: { generations, llmOutput: { tokenUsage } }.
  const llmOutput = dataObject(r, 'llmOutput');
  if (llmOutput !== undefined) {
    const n = usageTotal(dataProp(llmOutput, 'tokenUsage'));
    if (n !== undefined) return n;
  }
  if (depth >= MAX_DEPTH) return undefined;
  const response = dataProp(r, 'response');
  if (response === undefined) return undefined;
  // openai `.withResponse()`: { data, response: Response, request_id }.
  const data = dataProp(r, 'data');
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const n = read(data, depth + 1);
    if (n !== undefined) return n;
  }
  // @google/generative-ai: { response: { usageMetadata } }.
  return read(response, depth + 1);
}

/**
 * Total tokens a completed call actually consumed, as reported by the provider, or
 * `undefined` when the result carries no usage (streams, custom return values).
 *
 * Recognised shapes (the usage object is read by `readUsageCounts`, see `providers/usage-counts.ts`):
 * - OpenAI chat completions / embeddings / Responses: `usage.total_tokens`, else
 *   `usage.prompt_tokens + usage.completion_tokens`. Cached prompt tokens are part of
 *   `prompt_tokens` and do count against OpenAI TPM.
 * - Anthropic: `usage.input_tokens + usage.output_tokens +
 *   usage.cache_creation_input_tokens`. `cache_read_input_tokens` is left out: for
 *   current Claude models cache reads do not count towards the input-tokens-per-minute
 *   limit (some older models did count them).
 * - Vercel AI SDK `generateText` / `generateObject`: `totalUsage` (all steps; ai 5 and 6), else `usage`:
 *   `totalTokens`, else `inputTokens + outputTokens` (ai 5 and 6) or `promptTokens + completionTokens`
 *   (ai 3 and 4). The AI SDK counts cache reads in `inputTokens`, so they are charged here.
 * - LangChain: an `AIMessage`'s `usage_metadata` (`total_tokens`, else `input_tokens + output_tokens`), an
 *   `LLMResult`'s `llmOutput.tokenUsage`.
 * - Gemini (`@google/genai` `GenerateContentResponse`): `usageMetadata.totalTokenCount`, else prompt +
 *   tool-use prompt + candidates + thoughts.
 * - Wrappers: the openai SDK's `.withResponse()` result `{ data, response }` (usage read
 *   from `data`) and `{ response: { usageMetadata } }` from @google/generative-ai.
 *
 * Only data properties are read, own or inherited (`providers/data-props.ts`): a getter is never called. That
 * is how reading a `streamText` result is safe: its `usage`, `totalUsage` and `response` are getters returning
 * promises (which would reject unhandled on a failed stream); they are skipped and the result reads as
 * `undefined`. `generateText`'s `totalUsage` is a data property; its `usage` getter (the last step only) is
 * skipped. Usage exposed only through a getter is not read: give `@TokenBudget` an `actual` function for it.
 *
 * Never throws.
 *
 * @param result - the value the decorated method resolved with.
 * @returns consumed tokens, or `undefined` when not reported.
 */
export function usageTokens(result: unknown): number | undefined {
  try {
    return read(result, 0);
  } catch {
    return undefined; // nothing here should throw; a hostile value must still not escape
  }
}
