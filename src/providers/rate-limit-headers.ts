/**
 * Reads the rate-limit state a provider reports on every response (OpenAI/Azure `x-ratelimit-*`,
 * Anthropic `anthropic-ratelimit-*`, IETF `RateLimit` / `RateLimit-Policy`) into one snapshot.
 * @packageDocumentation
 */

import { readHeader, type HeadersLike } from './headers';
import {
  parseGoDuration,
  parseHeaderNumber,
  parseRateLimitField,
  parseResetTimestamp,
  secondsToMs,
  type RateLimitFieldItem,
} from './header-values';

/** One limited resource (requests or tokens) as the server reported it. */
export interface ResourceSnapshot {
  /** The limit per window. */
  readonly limit?: number;
  /** What is left now. */
  readonly remaining?: number;
  /** ms until the resource is fully replenished / the window resets */
  readonly resetMs?: number;
  /**
   * `limit` is per minute and counts what a configured limit of the same resource counts: OpenAI/Azure
   * `x-ratelimit-*`, Anthropic's requests, input-tokens, output-tokens and their sum. (Anthropic's `tokens-*` is
   * its most restrictive token limit, not input + output per minute; an IETF `RateLimit-Policy` limit counts its
   * own window: neither is marked.)
   */
  readonly perMinute?: true;
  /**
   * `limit` is the most restrictive of several limits (Anthropic's `tokens-*`: input or output, whichever is
   * tighter): it is never learned as the resource's limit, nor compared with a configured one.
   */
  readonly mostRestrictive?: true;
}

/** The rate-limit state read off one response; only resources the server reported are present. */
export interface RateLimitSnapshot {
  /** Requests per window. */
  readonly requests?: ResourceSnapshot;
  /**
   * Tokens per window, input and output together. Anthropic, which limits them apart: the input and output
   * limits summed (and their remaining figures), else its `tokens-*` figures (its most restrictive limit).
   */
  readonly tokens?: ResourceSnapshot;
  /** Anthropic input tokens per minute. */
  readonly inputTokens?: ResourceSnapshot;
  /** Anthropic output tokens per minute. */
  readonly outputTokens?: ResourceSnapshot;
}

/** Counts above this are treated as malformed. */
const MAX_COUNT = 1e15;

interface ResourceHeaders {
  readonly limit: string;
  readonly remaining: string;
  readonly reset: string;
}

const OPENAI_REQUESTS = openAiNames('requests');
const OPENAI_TOKENS = openAiNames('tokens');
const ANTHROPIC_REQUESTS = anthropicNames('requests');
const ANTHROPIC_TOKENS = anthropicNames('tokens');
const ANTHROPIC_INPUT = anthropicNames('input-tokens');
const ANTHROPIC_OUTPUT = anthropicNames('output-tokens');

/**
 * Reads OpenAI/Azure `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, Anthropic
 * `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`,
 * and IETF `RateLimit-Policy` (`"name";q=100;w=60`) + `RateLimit` (`"name";r=50;t=30`) — IETF fields map to `requests` only when no provider requests fields are present; also accept the older draft `ratelimit-limit`/`ratelimit-remaining`/`ratelimit-reset` numbers.
 * Returns undefined when no rate-limit header is present (make that check cheap: a few `readHeader` calls).
 * A resource object appears only when at least one of its fields parsed.
 *
 * The presence check reads six headers: each family is recognised by its `remaining` field(s)
 * (`x-ratelimit-remaining-{requests,tokens}`, `anthropic-ratelimit-{requests,tokens}-remaining`,
 * `ratelimit`, `ratelimit-remaining`), which every provider sends; only then are the family's other
 * fields read. With several IETF `RateLimit` items the most constraining one (lowest `r`) is used,
 * with the `RateLimit-Policy` item of the same name for the limit.
 *
 * @param headers - response headers (nullish → `undefined`).
 * @param nowMs - the current time (epoch ms), for Anthropic's RFC 3339 reset stamps.
 */
export function parseRateLimitHeaders(headers: HeadersLike | null | undefined, nowMs: number): RateLimitSnapshot | undefined {
  if (headers === null || headers === undefined) return undefined;
  const openAiRequests = readHeader(headers, OPENAI_REQUESTS.remaining);
  const openAiTokens = readHeader(headers, OPENAI_TOKENS.remaining);
  const anthropicRequests = readHeader(headers, ANTHROPIC_REQUESTS.remaining);
  const anthropicTokens = readHeader(headers, ANTHROPIC_TOKENS.remaining);
  const ietf = readHeader(headers, 'ratelimit');
  const ietfOld = readHeader(headers, 'ratelimit-remaining');
  const openAi = openAiRequests !== undefined || openAiTokens !== undefined;
  const anthropic = anthropicRequests !== undefined || anthropicTokens !== undefined;
  if (!openAi && !anthropic && ietf === undefined && ietfOld === undefined) return undefined;

  let requests: ResourceSnapshot | undefined;
  let tokens: ResourceSnapshot | undefined;
  let inputTokens: ResourceSnapshot | undefined;
  let outputTokens: ResourceSnapshot | undefined;
  if (openAi) {
    requests = providerResource(headers, OPENAI_REQUESTS, openAiRequests, nowMs, false, true);
    tokens = providerResource(headers, OPENAI_TOKENS, openAiTokens, nowMs, false, true);
  }
  if (anthropic) {
    requests ??= providerResource(headers, ANTHROPIC_REQUESTS, anthropicRequests, nowMs, true, true);
    inputTokens = providerResource(headers, ANTHROPIC_INPUT, readHeader(headers, ANTHROPIC_INPUT.remaining), nowMs, true, true);
    outputTokens = providerResource(headers, ANTHROPIC_OUTPUT, readHeader(headers, ANTHROPIC_OUTPUT.remaining), nowMs, true, true);
    // A key's token budget counts input + output; Anthropic limits them apart, so their limits summed bound it
    // (a call Anthropic serves always fits the sum). Its tokens-* figures are its most restrictive token limit
    // (often the output one), not a limit on input + output: read only without the other two, and never learned
    tokens ??= summed(inputTokens, outputTokens) ?? providerResource(headers, ANTHROPIC_TOKENS, anthropicTokens, nowMs, true, undefined, true);
  }
  if (requests === undefined && (ietf !== undefined || ietfOld !== undefined)) {
    requests = ietfResource(headers, ietf, ietfOld);
  }
  if (requests === undefined && tokens === undefined && inputTokens === undefined && outputTokens === undefined) {
    return undefined;
  }
  const snapshot: { -readonly [K in keyof RateLimitSnapshot]: RateLimitSnapshot[K] } = {};
  if (requests !== undefined) snapshot.requests = requests;
  if (tokens !== undefined) snapshot.tokens = tokens;
  if (inputTokens !== undefined) snapshot.inputTokens = inputTokens;
  if (outputTokens !== undefined) snapshot.outputTokens = outputTokens;
  return snapshot;
}

function providerResource(
  headers: HeadersLike,
  names: ResourceHeaders,
  remainingText: string | undefined,
  nowMs: number,
  timestamps: boolean,
  perMinute: true | undefined,
  mostRestrictive?: true,
): ResourceSnapshot | undefined {
  const limitText = readHeader(headers, names.limit);
  const resetText = readHeader(headers, names.reset);
  const limit = limitText === undefined ? undefined : parseCount(limitText);
  const remaining = remainingText === undefined ? undefined : parseCount(remainingText);
  const resetMs = resetText === undefined ? undefined : timestamps ? parseResetTimestamp(resetText, nowMs) : parseGoDuration(resetText);
  return resource(limit, remaining, resetMs, perMinute, mostRestrictive);
}

/**
 * Input and output tokens as one resource: the limits summed, and the remaining figures summed when each
 * resource with a limit reports one; the later reset. Undefined when neither reports a limit.
 */
function summed(input: ResourceSnapshot | undefined, output: ResourceSnapshot | undefined): ResourceSnapshot | undefined {
  let limit: number | undefined;
  let remaining: number | undefined = 0;
  let resetMs: number | undefined;
  for (const part of [input, output]) {
    if (part?.limit === undefined) continue;
    limit = (limit ?? 0) + part.limit;
    remaining = remaining === undefined || part.remaining === undefined ? undefined : remaining + part.remaining;
    if (part.resetMs !== undefined && (resetMs === undefined || part.resetMs > resetMs)) resetMs = part.resetMs;
  }
  return limit === undefined ? undefined : resource(limit, remaining, resetMs, true, undefined);
}

function ietfResource(headers: HeadersLike, field: string | undefined, oldRemaining: string | undefined): ResourceSnapshot | undefined {
  let limit: number | undefined;
  let remaining: number | undefined;
  let resetMs: number | undefined;
  if (field !== undefined) {
    const item = mostConstraining(parseRateLimitField(field));
    if (item !== undefined) {
      remaining = countOf(item.r);
      resetMs = secondsToMs(item.t);
      limit = countOf(item.q); // draft-07 dictionary form carries the limit itself
      const policyText = readHeader(headers, 'ratelimit-policy');
      if (policyText !== undefined) {
        for (const policy of parseRateLimitField(policyText)) {
          if (policy.name === item.name) {
            limit = countOf(policy.q);
            break;
          }
        }
      }
    }
  }
  if (oldRemaining !== undefined) {
    remaining ??= parseCount(oldRemaining);
    const oldLimit = readHeader(headers, 'ratelimit-limit');
    if (oldLimit !== undefined) limit ??= parseCount(oldLimit);
    const oldReset = readHeader(headers, 'ratelimit-reset');
    if (oldReset !== undefined) resetMs ??= secondsToMs(parseHeaderNumber(oldReset));
  }
  return resource(limit, remaining, resetMs, undefined, undefined);
}

/** The item with the lowest remaining quota (ties: the longer reset); items without `r` only when none has one. */
function mostConstraining(items: readonly RateLimitFieldItem[]): RateLimitFieldItem | undefined {
  let best: RateLimitFieldItem | undefined;
  for (const item of items) {
    if (best === undefined) {
      best = item;
    } else if (item.r !== undefined) {
      if (best.r === undefined || item.r < best.r || (item.r === best.r && (item.t ?? 0) > (best.t ?? 0))) best = item;
    }
  }
  return best;
}

function resource(
  limit: number | undefined,
  remaining: number | undefined,
  resetMs: number | undefined,
  perMinute: true | undefined,
  mostRestrictive?: true,
): ResourceSnapshot | undefined {
  if (limit === undefined && remaining === undefined && resetMs === undefined) return undefined;
  // one object shape whatever is present (absent fields are `undefined`): readers stay monomorphic
  return { limit, remaining, resetMs, perMinute: limit === undefined ? undefined : perMinute, mostRestrictive: limit === undefined ? undefined : mostRestrictive };
}

/** Non-negative integer (decimals floored), at most {@link MAX_COUNT}. */
function parseCount(text: string): number | undefined {
  return countOf(parseHeaderNumber(text));
}

function countOf(value: number | undefined): number | undefined {
  return value !== undefined && value >= 0 && value <= MAX_COUNT ? Math.floor(value) : undefined;
}

function openAiNames(resource: string): ResourceHeaders {
  return {
    limit: `x-ratelimit-limit-${resource}`,
    remaining: `x-ratelimit-remaining-${resource}`,
    reset: `x-ratelimit-reset-${resource}`,
  };
}

function anthropicNames(resource: string): ResourceHeaders {
  return {
    limit: `anthropic-ratelimit-${resource}-limit`,
    remaining: `anthropic-ratelimit-${resource}-remaining`,
    reset: `anthropic-ratelimit-${resource}-reset`,
  };
}
