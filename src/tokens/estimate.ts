/**
 * Up-front token estimate for a chat request: what a tokens-per-minute limiter should
 * debit before the call. OpenAI and Azure count (prompt tokens + max_tokens) against
 * TPM when the request arrives, and Anthropic reserves output from max_tokens, so the
 * estimate is prompt tokens + message framing + the completion reservation.
 */
import { countTextTokens } from './count';
import { isObject } from '../util/values';

/**
 * One content part (OpenAI chat / Responses) or content block (Anthropic). Structural:
 * SDK param types are assignable to it without casts.
 */
export interface ContentPartLike {
  /** Part kind: `text`, `image_url`, `image`, `tool_use`, `tool_result`, ... */
  readonly type?: string;
  /** Text of a text part. */
  readonly text?: string;
  /** OpenAI refusal part text. */
  readonly refusal?: string | null;
  /** Anthropic extended-thinking text. */
  readonly thinking?: string;
  /** Tool name of an Anthropic `tool_use` block. */
  readonly name?: string;
  /** Arguments of an Anthropic `tool_use` block (counted as JSON). */
  readonly input?: unknown;
  /** Nested content of an Anthropic `tool_result` block. */
  readonly content?: unknown;
  /** OpenAI chat image part; only `detail` is read. */
  readonly image_url?: { readonly url?: string; readonly detail?: string | null } | string;
  /** OpenAI Responses `input_image` detail. */
  readonly detail?: string | null;
  /** Anthropic image / document source; a `{ type: 'text', data }` source is counted. */
  readonly source?: unknown;
}

/** A function / custom tool call on an assistant message (OpenAI). */
export interface ToolCallLike {
  /** Function tool call. */
  readonly function?: { readonly name?: string; readonly arguments?: string };
  /** Custom (free-form) tool call. */
  readonly custom?: { readonly name?: string; readonly input?: string };
}

/** One chat message, OpenAI chat-completions or Anthropic messages shape. */
export interface ChatMessageLike {
  /** `system`, `developer`, `user`, `assistant`, `tool`, ... */
  readonly role?: string;
  /** A string or an array of parts / blocks. */
  readonly content?: string | readonly ContentPartLike[] | null;
  /** Optional participant name (OpenAI): costs its tokens + 1. */
  readonly name?: string;
  /** Tool calls made by an assistant message (OpenAI). */
  readonly tool_calls?: readonly ToolCallLike[];
  /** Legacy function call of an assistant message (OpenAI). */
  readonly function_call?: { readonly name?: string; readonly arguments?: string } | null;
  /** Id a tool-result message answers (OpenAI). */
  readonly tool_call_id?: string;
}

/**
 * The parts of an OpenAI chat-completions or Anthropic messages request that cost
 * tokens. Structural and SDK-independent: `ChatCompletionCreateParams` (openai) and
 * `MessageCreateParams` (@anthropic-ai/sdk) values are assignable to it.
 */
export interface ChatRequestLike {
  /** Model name; chooses the tokenizer (see `countTextTokens`). */
  readonly model?: string;
  /** Conversation messages. */
  readonly messages?: readonly ChatMessageLike[];
  /** Anthropic top-level system prompt. */
  readonly system?: string | readonly ContentPartLike[];
  /** Completion cap (Anthropic; legacy OpenAI). */
  readonly max_tokens?: number | null;
  /** Completion cap (current OpenAI); wins over `max_tokens`. */
  readonly max_completion_tokens?: number | null;
  /** Number of choices (OpenAI); multiplies the completion reservation. */
  readonly n?: number | null;
  /** Tool definitions; counted as their JSON. */
  readonly tools?: readonly unknown[];
  /** Legacy OpenAI function definitions; counted as their JSON. */
  readonly functions?: readonly unknown[];
}

/** Options for {@link estimateChatTokens}. */
export interface EstimateOptions {
  /**
   * Completion reservation when the request sets neither `max_completion_tokens` nor
   * `max_tokens`. Defaults to {@link DEFAULT_COMPLETION_RESERVATION}.
   */
  readonly defaultMaxTokens?: number;
}

/**
 * Completion tokens reserved when a request has no `max_completion_tokens` /
 * `max_tokens` (Anthropic always sends `max_tokens`, so this is an OpenAI case).
 *
 * OpenAI then reserves the model's maximum output (16k for gpt-4o, 100k+ for reasoning
 * models), which at low tiers is more than a whole minute of TPM and would make the
 * request unschedulable; 0 would under-reserve and let concurrent calls overshoot into
 * 429s. 4096 covers typical chat answers; the post-call reconciliation with real usage
 * corrects the bucket either way. Override it per call with `defaultMaxTokens`.
 */
export const DEFAULT_COMPLETION_RESERVATION = 4096;

/** OpenAI: every message is framed as `<|start|>{role/name}\n{content}<|end|>\n`. */
const TOKENS_PER_MESSAGE = 3;
/** OpenAI: a `name` field costs one extra token. */
const TOKENS_PER_NAME = 1;
/** Every role name (system, user, assistant, tool, developer) is one token. */
const TOKENS_PER_ROLE = 1;
/** OpenAI: every reply is primed with `<|start|>assistant<|message|>`. */
const REPLY_PRIMING = 3;
/** OpenAI image with `detail: 'low'`: a flat 85 tokens (documented). */
const IMAGE_LOW_DETAIL = 85;
/**
 * OpenAI image at `high` / `auto` detail: 85 + 170 per 512px tile; 765 is a 1024x1024
 * image (4 tiles). Real cost grows with resolution, so this is a typical value.
 */
const IMAGE_OPENAI = 765;
/**
 * Anthropic image: about width * height / 750 tokens, ~1600 for an image at the
 * 1.15-megapixel size Anthropic downscales to; used as the conservative flat value.
 * Also used for documents, files, audio and unknown non-text parts.
 */
const ATTACHMENT = 1600;
/** Maximum nesting of blocks (tool_result -> content) that is followed. */
const MAX_DEPTH = 4;
/** OpenAI's upper bound for `n`. */
const MAX_N = 128;

function nonNegative(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.ceil(v) : undefined;
}

/** JSON.stringify as it behaves: undefined for a function or a symbol, which its declared type leaves out. */
const stringify: (value: unknown) => string | undefined = JSON.stringify;

function json(v: unknown): string {
  try {
    return stringify(v) ?? '';
  } catch {
    return ''; // cycles, BigInt, throwing toJSON
  }
}

function countStr(v: unknown, model: string | undefined): number {
  return typeof v === 'string' ? countTextTokens(v, model) : 0;
}

function countPart(part: unknown, model: string | undefined, depth: number): number {
  if (typeof part === 'string') return countTextTokens(part, model);
  if (!isObject(part)) return 0;
  switch (part.type) {
    case 'text':
    case 'input_text':
    case 'output_text':
      return countStr(part.text, model);
    case 'refusal':
      return countStr(part.refusal, model);
    case 'thinking':
      return countStr(part.thinking, model);
    case 'image_url': {
      const img = part.image_url;
      return isObject(img) && img.detail === 'low' ? IMAGE_LOW_DETAIL : IMAGE_OPENAI;
    }
    case 'input_image':
      return part.detail === 'low' ? IMAGE_LOW_DETAIL : IMAGE_OPENAI;
    case 'image':
      return ATTACHMENT;
    case 'tool_use':
    case 'server_tool_use':
      return countStr(part.name, model) + countTextTokens(json(part.input), model);
    case 'tool_result':
      return countContent(part.content, model, depth + 1);
    case 'document': {
      const src = part.source;
      if (isObject(src) && src.type === 'text') return countStr(src.data, model);
      if (isObject(src) && src.type === 'content') return countContent(src.content, model, depth + 1);
      return ATTACHMENT;
    }
    default:
      if (typeof part.text === 'string') return countTextTokens(part.text, model);
      return Array.isArray(part.content) ? countContent(part.content, model, depth + 1) : ATTACHMENT;
  }
}

function countContent(content: unknown, model: string | undefined, depth: number): number {
  if (typeof content === 'string') return countTextTokens(content, model);
  if (!Array.isArray(content) || depth > MAX_DEPTH) return 0;
  let total = 0;
  for (const part of content) total += countPart(part, model, depth);
  return total;
}

function countCall(call: unknown, model: string | undefined): number {
  if (!isObject(call)) return 0;
  const fn = isObject(call.function) ? call.function : isObject(call.custom) ? call.custom : undefined;
  if (fn === undefined) return 0;
  return countStr(fn.name, model) + countStr(fn.arguments, model) + countStr(fn.input, model);
}

function countMessage(msg: unknown, model: string | undefined): number {
  if (!isObject(msg)) return 0;
  let total = TOKENS_PER_MESSAGE + TOKENS_PER_ROLE + countContent(msg.content, model, 0);
  if (typeof msg.name === 'string') total += countTextTokens(msg.name, model) + TOKENS_PER_NAME;
  total += countStr(msg.tool_call_id, model);
  const calls = msg.tool_calls;
  if (Array.isArray(calls)) for (const call of calls) total += countCall(call, model);
  if (isObject(msg.function_call)) total += countCall({ function: msg.function_call }, model);
  return total;
}

/**
 * Estimate the tokens a chat request will be charged against a tokens-per-minute limit
 * before it is sent: prompt tokens + message framing + completion reservation.
 *
 * - Messages use OpenAI's documented formula: 3 tokens per message + 1 for the role +
 *   content tokens (+ name tokens + 1 when `name` is set), plus 3 tokens priming the
 *   reply. Tool calls (name + arguments) and `tool_call_id` are counted as text. The
 *   same framing is applied to Anthropic requests; a top-level `system` counts as one
 *   more message.
 * - Text is counted with {@link countTextTokens} for `request.model` (real BPE for
 *   OpenAI models, characters / 4 otherwise).
 * - Images: 85 tokens at `detail: 'low'`, 765 otherwise (OpenAI, a 1024x1024 image),
 *   1600 for Anthropic `image` blocks. Documents, files, audio and unknown non-text
 *   parts: 1600. Anthropic `tool_use` input and `tools` / `functions` definitions are
 *   counted as their JSON text (a rough but usually slightly high figure).
 * - Completion reservation: `max_completion_tokens`, else `max_tokens`, else
 *   `options.defaultMaxTokens` ({@link DEFAULT_COMPLETION_RESERVATION} = 4096),
 *   multiplied by `n` (1..128).
 *
 * Never throws: junk input yields a finite non-negative integer (0 for a non-object).
 *
 * @param request - the request body about to be sent.
 * @param options - optional default completion reservation.
 * @returns estimated tokens, a non-negative safe integer.
 */
export function estimateChatTokens(request: ChatRequestLike, options?: EstimateOptions): number {
  if (!isObject(request)) return 0;
  try {
    const req = request;
    const model = typeof req.model === 'string' ? req.model : undefined;
    let prompt = 0;
    let framed = false;
    if (req.system !== undefined && req.system !== null) {
      prompt += TOKENS_PER_MESSAGE + TOKENS_PER_ROLE + countContent(req.system, model, 0);
      framed = true;
    }
    const messages = req.messages;
    if (Array.isArray(messages)) {
      for (const message of messages) prompt += countMessage(message, model);
      framed = framed || messages.length > 0;
    }
    if (framed) prompt += REPLY_PRIMING;
    if (Array.isArray(req.tools) && req.tools.length > 0) prompt += countTextTokens(json(req.tools), model);
    if (Array.isArray(req.functions) && req.functions.length > 0) {
      prompt += countTextTokens(json(req.functions), model);
    }

    const completion =
      nonNegative(req.max_completion_tokens) ??
      nonNegative(req.max_tokens) ??
      nonNegative(options?.defaultMaxTokens) ??
      DEFAULT_COMPLETION_RESERVATION;
    const n = nonNegative(req.n);
    const choices = n === undefined || n < 1 ? 1 : Math.min(n, MAX_N);
    const total = prompt + completion * choices;
    return Number.isFinite(total) ? Math.min(total, Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER;
  } catch {
    return 0; // a throwing getter or proxy; nothing sensible to estimate
  }
}
