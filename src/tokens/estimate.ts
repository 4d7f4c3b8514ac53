/**
 * Up-front token estimate for a chat request: what a tokens-per-minute limiter should
 * debit before the call. OpenAI and Azure count (prompt tokens + max_tokens) against
 * TPM when the request arrives, and Anthropic reserves output from max_tokens, so the
 * estimate is prompt tokens + message framing + the completion reservation.
 *
 * One function reads every client's request shape (the fields do not collide): openai chat completions and
 * the Responses API, Anthropic messages, the Vercel AI SDK's call options, `@google/genai`'s
 * `generateContent` parameters.
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
  /** AI SDK `tool-call` part: the tool's name (its `input` is counted as JSON). */
  readonly toolName?: string;
  /** AI SDK `tool-result` part: `{ type: 'text' | 'json' | 'content' | ..., value }`. */
  readonly output?: unknown;
  /** Gemini part: a function call (`name` and `args` counted). */
  readonly functionCall?: { readonly name?: string; readonly args?: unknown };
  /** Gemini part: a function's response (`name` and `response` counted). */
  readonly functionResponse?: { readonly name?: string; readonly response?: unknown };
  /** Gemini part: code the model wrote. */
  readonly executableCode?: { readonly code?: string };
  /** Gemini part: the output of code it ran. */
  readonly codeExecutionResult?: { readonly output?: string };
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
  /** Gemini `Content`: its parts. */
  readonly parts?: ReadonlyArray<ContentPartLike | string>;
}

/** One item of an openai Responses API `input` array: a message, or a function call, its output, a reasoning item... */
export interface ResponsesInputItemLike {
  /** `message`, `function_call`, `function_call_output`, `custom_tool_call`, `reasoning`, ... */
  readonly type?: string | null;
  /** Role of a message item. */
  readonly role?: string | null;
  /** Content of a message item: a string or parts (`input_text`, `input_image`, `output_text`, ...). */
  readonly content?: unknown;
  /** Tool name of a call. */
  readonly name?: string | null;
  /** Arguments of a function call (JSON text; other kinds of call are counted as their JSON). */
  readonly arguments?: unknown;
  /** Input of a custom tool call. */
  readonly input?: unknown;
  /** Output of a tool call: a string or parts. */
  readonly output?: unknown;
  /** Summary parts of a reasoning item. */
  readonly summary?: unknown;
}

/** A Gemini `contents` value or `systemInstruction`: a string, a `Content`, a part, or a list of them. */
export type GeminiContentsLike = string | ChatMessageLike | ContentPartLike | ReadonlyArray<string | ChatMessageLike | ContentPartLike>;

/**
 * The parts of a request that cost tokens, for every client shape {@link estimateChatTokens} reads.
 * Structural and SDK-independent: openai `ChatCompletionCreateParams` and `ResponseCreateParams`,
 * @anthropic-ai/sdk `MessageCreateParams`, the AI SDK's `generateText` / `streamText` options and
 * @google/genai `GenerateContentParameters` values are assignable to it.
 */
export interface ChatRequestLike {
  /** Model name, or an AI SDK model object (its `modelId` is read); chooses the tokenizer (see `countTextTokens`). */
  readonly model?: string | { readonly modelId?: string };
  /** Conversation messages (openai chat, Anthropic, AI SDK). */
  readonly messages?: readonly ChatMessageLike[];
  /**
   * Top-level system prompt: Anthropic (a string or text blocks), the AI SDK (a string, a system message or a
   * list of them).
   */
  readonly system?: string | ContentPartLike | ChatMessageLike | ReadonlyArray<ContentPartLike | ChatMessageLike> | null;
  /**
   * AI SDK: a text prompt, or messages. (An openai Responses API stored prompt reference, `{ id, variables }`,
   * is not counted: its text lives on the server.)
   */
  readonly prompt?: string | readonly ChatMessageLike[] | { readonly id?: string } | null;
  /** openai Responses API: the input, a string or items (an embeddings input of strings is counted too). */
  readonly input?: string | ReadonlyArray<ResponsesInputItemLike | string>;
  /** openai Responses API: the system instructions. */
  readonly instructions?: string | null;
  /** Gemini: the contents. */
  readonly contents?: GeminiContentsLike;
  /** Gemini: the generation config (its `systemInstruction`, `maxOutputTokens`, `candidateCount`, `tools`). */
  readonly config?: {
    readonly systemInstruction?: GeminiContentsLike;
    readonly maxOutputTokens?: number;
    readonly candidateCount?: number;
    readonly tools?: readonly unknown[];
  };
  /** Completion cap (Anthropic; legacy OpenAI). */
  readonly max_tokens?: number | null;
  /** Completion cap (current OpenAI); wins over `max_tokens`. */
  readonly max_completion_tokens?: number | null;
  /** Completion cap (openai Responses API). */
  readonly max_output_tokens?: number | null;
  /** Completion cap (AI SDK 5 and 6). */
  readonly maxOutputTokens?: number;
  /** Completion cap (AI SDK 4). */
  readonly maxTokens?: number;
  /** Number of choices (OpenAI); multiplies the completion reservation. */
  readonly n?: number | null;
  /**
   * Tool definitions; counted as their JSON (a list), or as their names and descriptions (the AI SDK's record
   * of tools, whose schemas are library objects).
   */
  readonly tools?: readonly unknown[] | Readonly<Record<string, unknown>>;
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
 * Completion tokens reserved when a request sets no completion cap (Anthropic always sends `max_tokens`, so
 * this is an OpenAI, AI SDK or Gemini case).
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
    case 'reasoning':
      return countStr(part.text, model);
    case 'tool-call':
      return countStr(part.toolName, model) + countTextTokens(json(part.input ?? part.args), model);
    case 'tool-result':
      return countStr(part.toolName, model) + countToolOutput(part.output ?? part.result, model, depth + 1);
    case 'tool-approval-request':
    case 'tool-approval-response':
      return 0;
    case 'document': {
      const src = part.source;
      if (isObject(src) && src.type === 'text') return countStr(src.data, model);
      if (isObject(src) && src.type === 'content') return countContent(src.content, model, depth + 1);
      return ATTACHMENT;
    }
    case undefined:
      return countUntypedPart(part, model, depth);
    default:
      if (typeof part.text === 'string') return countTextTokens(part.text, model);
      return Array.isArray(part.content) ? countContent(part.content, model, depth + 1) : ATTACHMENT;
  }
}

/** A part without `type`: a Gemini part (text, function call / response, code, inline or file data). */
function countUntypedPart(part: Readonly<Record<string, unknown>>, model: string | undefined, depth: number): number {
  if (typeof part.text === 'string') return countTextTokens(part.text, model);
  const call = part.functionCall;
  if (isObject(call)) return countStr(call.name, model) + countTextTokens(json(call.args), model);
  const response = part.functionResponse;
  if (isObject(response)) return countStr(response.name, model) + countTextTokens(json(response.response), model);
  const code = part.executableCode;
  if (isObject(code)) return countStr(code.code, model);
  const result = part.codeExecutionResult;
  if (isObject(result)) return countStr(result.output, model);
  return Array.isArray(part.content) ? countContent(part.content, model, depth + 1) : ATTACHMENT;
}

/** An AI SDK tool result's `output`: `{ type: 'text' | 'error-text', value }`, `{ type: 'json' | 'error-json', value }`, `{ type: 'content', value: parts }`. */
function countToolOutput(output: unknown, model: string | undefined, depth: number): number {
  if (typeof output === 'string') return countTextTokens(output, model);
  if (!isObject(output)) return 0;
  const value = output.value;
  switch (output.type) {
    case 'text':
    case 'error-text':
      return countStr(value, model);
    case 'content':
      return countContent(value, model, depth);
    case 'execution-denied':
      return countStr(output.reason, model);
    default:
      return countTextTokens(typeof value === 'string' ? value : json(value ?? output), model);
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
  let total = TOKENS_PER_MESSAGE + TOKENS_PER_ROLE + countContent(msg.content, model, 0) + countContent(msg.parts, model, 0);
  if (typeof msg.name === 'string') total += countTextTokens(msg.name, model) + TOKENS_PER_NAME;
  total += countStr(msg.tool_call_id, model);
  const calls = msg.tool_calls;
  if (Array.isArray(calls)) for (const call of calls) total += countCall(call, model);
  if (isObject(msg.function_call)) total += countCall({ function: msg.function_call }, model);
  return total;
}

/** A message-shaped object (has a role, or content / parts without a part type), as opposed to a part. */
function isMessageLike(value: Readonly<Record<string, unknown>>): boolean {
  return typeof value.role === 'string' || (value.type === undefined && (value.content !== undefined || Array.isArray(value.parts)));
}

/** One framed message holding text or a single part. */
function framedPiece(piece: unknown, model: string | undefined): number {
  if (isObject(piece) && isMessageLike(piece)) return countMessage(piece, model);
  return TOKENS_PER_MESSAGE + TOKENS_PER_ROLE + countPart(piece, model, 0);
}

/**
 * A top-level system prompt as one framed message: a string, Anthropic text blocks, the AI SDK's system
 * message(s), a Gemini `systemInstruction` (string, `Content`, part or parts).
 */
function countSystem(system: unknown, model: string | undefined): number {
  const pieces: readonly unknown[] = Array.isArray(system) ? system : [system];
  let total = TOKENS_PER_MESSAGE + TOKENS_PER_ROLE;
  for (const piece of pieces) {
    if (isObject(piece) && isMessageLike(piece)) total += countContent(piece.content, model, 0) + countContent(piece.parts, model, 0);
    else total += countPart(piece, model, 0);
  }
  return total;
}

/**
 * Gemini `contents`: a string or a part is one user message; a list of parts is one user message; a `Content`
 * (`{ role, parts }`) or a list of them is one message each.
 */
function countGeminiContents(contents: unknown, model: string | undefined): number {
  if (!Array.isArray(contents)) return framedPiece(contents, model);
  if (!contents.some((c) => isObject(c) && isMessageLike(c))) {
    return TOKENS_PER_MESSAGE + TOKENS_PER_ROLE + countContent(contents, model, 0);
  }
  let total = 0;
  for (const content of contents) total += framedPiece(content, model);
  return total;
}

/** openai Responses `input` items (and an embeddings input of strings). */
function countInputItems(items: readonly unknown[], model: string | undefined): number {
  let total = 0;
  for (const item of items) {
    if (typeof item === 'string') total += countTextTokens(item, model);
    else if (isObject(item)) total += countInputItem(item, model);
  }
  return total;
}

function countInputItem(item: Readonly<Record<string, unknown>>, model: string | undefined): number {
  if (typeof item.role === 'string') return countMessage(item, model);
  switch (item.type) {
    case 'function_call':
      return countStr(item.name, model) + countStr(item.arguments, model);
    case 'custom_tool_call':
      return countStr(item.name, model) + countStr(item.input, model);
    case 'function_call_output':
    case 'custom_tool_call_output':
      return countContent(item.output, model, 0);
    case 'reasoning':
      return countContent(item.summary, model, 0) + countContent(item.content, model, 0);
    case 'item_reference':
      return 0;
    default:
      return countTextTokens(json(item), model);
  }
}

/** The AI SDK's record of tools: each tool's name, description and (a plain JSON) schema. */
function countToolRecord(tools: Readonly<Record<string, unknown>>, model: string | undefined): number {
  let total = 0;
  for (const [name, tool] of Object.entries(tools)) {
    total += countTextTokens(name, model);
    if (!isObject(tool)) continue;
    total += countStr(tool.description, model);
    const schema = tool.inputSchema ?? tool.parameters;
    if (isPlainObject(schema)) total += countTextTokens(json(schema), model);
  }
  return total;
}

/** An object literal (not a class instance such as a zod schema). */
function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (!isObject(value) || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

function countTools(tools: unknown, model: string | undefined): number {
  if (Array.isArray(tools)) return tools.length > 0 ? countTextTokens(json(tools), model) : 0;
  return isPlainObject(tools) ? countToolRecord(tools, model) : 0;
}

function modelName(model: unknown): string | undefined {
  if (typeof model === 'string') return model;
  if (!isObject(model)) return undefined;
  const id = model.modelId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Estimate the tokens a chat request will be charged against a tokens-per-minute limit
 * before it is sent: prompt tokens + message framing + completion reservation.
 *
 * - Messages use OpenAI's documented formula: 3 tokens per message + 1 for the role +
 *   content tokens (+ name tokens + 1 when `name` is set), plus 3 tokens priming the
 *   reply. Tool calls (name + arguments) and `tool_call_id` are counted as text. The
 *   same framing is applied to every other client's messages; a top-level system
 *   prompt counts as one more message.
 * - What is read, per client (one request may mix them; everything found is counted):
 *   - openai chat completions: `messages`, `tools`, `functions`;
 *   - Anthropic: `system` (string or text blocks), `messages` (text, image, document,
 *     `tool_use`, `tool_result` blocks), `tools`;
 *   - openai Responses API: `instructions` (a system message), `input` (a string is one
 *     user message; items: messages with `input_text` / `input_image` / `input_file`
 *     parts, `function_call` and `custom_tool_call` name + arguments,
 *     `function_call_output` output, `reasoning` summaries, other items as their JSON),
 *     `tools`; an embeddings `input` of strings is counted as text;
 *   - Vercel AI SDK call options (`generateText`, `streamText`, `generateObject`, ...):
 *     `system` (a string or system messages), `prompt` (a string is one user message,
 *     or messages), `messages` with `text`, `reasoning`, `image`, `file`, `tool-call`
 *     (name + input JSON) and `tool-result` (its `output` value) parts, `tools` (a
 *     record: each name, description and plain JSON schema; a zod schema is not
 *     counted), and the model object's `modelId` for the tokenizer;
 *   - Gemini `generateContent` parameters: `contents` (a string, a part or a list of
 *     parts is one user message; each `Content` `{ role, parts }` is one message; parts:
 *     `text`, `functionCall` / `functionResponse` as name + JSON, `executableCode`,
 *     `codeExecutionResult`, `inlineData` / `fileData` as an attachment),
 *     `config.systemInstruction`, `config.tools`.
 * - Text is counted with {@link countTextTokens} for the model (real BPE for
 *   OpenAI models, characters / 4 otherwise: Claude, Gemini).
 * - Images: 85 tokens at `detail: 'low'`, 765 otherwise (OpenAI, a 1024x1024 image),
 *   1600 for Anthropic `image` blocks and AI SDK image parts. Documents, files, audio,
 *   Gemini inline / file data and unknown non-text parts: 1600. Anthropic `tool_use`
 *   input and `tools` / `functions` definitions are counted as their JSON text (a rough
 *   but usually slightly high figure).
 * - Completion reservation: the first of `max_completion_tokens`, `max_tokens`,
 *   `max_output_tokens` (Responses), `maxOutputTokens` (AI SDK 5 and 6), `maxTokens`
 *   (AI SDK 4), `config.maxOutputTokens` (Gemini), else `options.defaultMaxTokens`
 *   ({@link DEFAULT_COMPLETION_RESERVATION} = 4096), multiplied by `n` or Gemini's
 *   `config.candidateCount` (1..128).
 *
 * Never throws: junk input yields a finite non-negative integer (0 for a non-object).
 *
 * @param request - the request body (or client call options) about to be sent.
 * @param options - optional default completion reservation.
 * @returns estimated tokens, a non-negative safe integer.
 */
export function estimateChatTokens(request: ChatRequestLike, options?: EstimateOptions): number {
  if (!isObject(request)) return 0;
  try {
    const req = request;
    const model = modelName(req.model);
    const config = isObject(req.config) ? req.config : undefined;
    let prompt = 0;
    let framed = false;
    for (const system of [req.system, req.instructions, config?.systemInstruction]) {
      if (system === undefined || system === null) continue;
      prompt += countSystem(system, model);
      framed = true;
    }
    for (const list of [req.messages, Array.isArray(req.prompt) ? req.prompt : undefined]) {
      if (!Array.isArray(list)) continue;
      for (const message of list) prompt += countMessage(message, model);
      framed = framed || list.length > 0;
    }
    for (const text of [req.prompt, req.input]) {
      if (typeof text !== 'string') continue;
      prompt += TOKENS_PER_MESSAGE + TOKENS_PER_ROLE + countTextTokens(text, model);
      framed = true;
    }
    if (Array.isArray(req.input)) {
      prompt += countInputItems(req.input, model);
      framed = framed || req.input.some((item) => isObject(item));
    }
    if (req.contents !== undefined && req.contents !== null) {
      prompt += countGeminiContents(req.contents, model);
      framed = true;
    }
    if (framed) prompt += REPLY_PRIMING;
    prompt += countTools(req.tools, model) + countTools(config?.tools, model);
    if (Array.isArray(req.functions) && req.functions.length > 0) {
      prompt += countTextTokens(json(req.functions), model);
    }

    const completion =
      nonNegative(req.max_completion_tokens) ??
      nonNegative(req.max_tokens) ??
      nonNegative(req.max_output_tokens) ??
      nonNegative(req.maxOutputTokens) ??
      nonNegative(req.maxTokens) ??
      nonNegative(config?.maxOutputTokens) ??
      nonNegative(options?.defaultMaxTokens) ??
      DEFAULT_COMPLETION_RESERVATION;
    const n = nonNegative(req.n) ?? nonNegative(config?.candidateCount);
    const choices = n === undefined || n < 1 ? 1 : Math.min(n, MAX_N);
    const total = prompt + completion * choices;
    return Number.isFinite(total) ? Math.min(total, Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER;
  } catch {
    return 0; // a throwing getter or proxy; nothing sensible to estimate
  }
}
