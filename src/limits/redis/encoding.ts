/**
 * How the Redis store's operations become script arguments (`KEYS` and `ARGV`, as the scripts in `scripts.ts`
 * read them) and how the scripts' replies become results. Pure: no I/O.
 * @packageDocumentation
 */

import { PolicyConfigError } from '../../errors';
import type { RateLimitSnapshot } from '../../providers/rate-limit-headers';
import type { DemandPart, KeyView, LimitSpec } from '../store';
import { hashKeyName } from './keys';
import { LINE_GRACE_MS, PART_ARGS } from './scripts';

/**
 * The ARGV encoding of a spec (`SPEC_ARGS` slots): requests per minute, request burst, tokens per minute, token
 * burst, tokens per day (empty string when undefined), learn-requests and learn-tokens flags (`1`/`0`).
 * @param spec - the limits.
 */
export function specArgs(spec: LimitSpec): string[] {
  return [
    opt(spec.requestsPerMinute),
    String(spec.requestBurst),
    opt(spec.tokensPerMinute),
    String(spec.tokenBurst),
    opt(spec.tokensPerDay),
    spec.learnRequests ? '1' : '0',
    spec.learnTokens ? '1' : '0',
  ];
}

/** Per-spec data computed once: the state key's name, its hash tag and the spec's ARGV encoding. */
export interface SpecEntry {
  /** The Redis key holding the limit key's state. */
  readonly name: string;
  /** Its hash tag. */
  readonly tag: string;
  /** {@link specArgs} of the spec. */
  readonly args: readonly string[];
}

/** Names the state keys of one store (prefix and hash tags) and caches each spec's {@link SpecEntry}. */
export class SpecEntries {
  private readonly entries = new WeakMap<LimitSpec, SpecEntry>();

  /**
   * @param prefix - a validated key prefix.
   * @param hashTag - maps a limit key to its hash tag; undefined: the key itself.
   */
  constructor(
    readonly prefix: string,
    private readonly hashTag: ((key: string) => string) | undefined,
  ) {}

  /**
   * The spec's entry (computed on first use, then cached while the spec object lives).
   * @throws PolicyConfigError when the `hashTag` option returns something other than a non-empty string.
   */
  entry(spec: LimitSpec): SpecEntry {
    let entry = this.entries.get(spec);
    if (entry === undefined) {
      const tag = this.tagOf(spec.key);
      entry = { name: hashKeyName(this.prefix, spec.key, tag), tag, args: specArgs(spec) };
      this.entries.set(spec, entry);
    }
    return entry;
  }

  /**
   * The Redis key holding a limit key's state.
   * @throws PolicyConfigError when the `hashTag` option returns something other than a non-empty string.
   */
  redisKey(key: string): string {
    return hashKeyName(this.prefix, key, this.tagOf(key));
  }

  private tagOf(key: string): string {
    if (this.hashTag === undefined) return key;
    const tag = this.hashTag(key);
    if (typeof tag !== 'string' || tag.length === 0) {
      throw new PolicyConfigError('RedisStore', 'hashTag', tag, `a function returning a non-empty string (called with ${JSON.stringify(key)})`);
    }
    return tag;
  }
}

/** One acquire, encoded: its slice of the acquire script's `KEYS` and `ARGV`. */
export interface EncodedDemand {
  /** The state key of every part, in order. */
  readonly keys: readonly string[];
  /** The waiter id, the number of parts, then per part {@link PART_ARGS} slots. */
  readonly argv: readonly string[];
  /** The hash tag shared by every key of the demand (checked only when `oneTag`; else `''`). */
  readonly tag: string;
}

/**
 * Encodes one acquire.
 * @param parts - the demand.
 * @param waiterId - the waiting-line identity of the demand's queue.
 * @param entries - the store's spec entries.
 * @param oneTag - a Cluster client: every key must share one hash tag (one slot).
 * @throws PolicyConfigError when `oneTag` and the parts' keys map to different hash tags, or when `hashTag`
 * returns something other than a non-empty string.
 */
export function encodeDemand(parts: readonly DemandPart[], waiterId: string, entries: SpecEntries, oneTag: boolean): EncodedDemand {
  const n = parts.length;
  const keys = new Array<string>(n);
  const argv = new Array<string>(2 + n * PART_ARGS);
  argv[0] = waiterId;
  argv[1] = String(n);
  let a = 2;
  let tag: string | undefined;
  for (let i = 0; i < n; i++) {
    const part = parts[i];
    const entry = entries.entry(part.spec);
    if (oneTag) {
      if (tag === undefined) tag = entry.tag;
      else if (entry.tag !== tag) throw crossSlot(parts.map((p) => p.spec.key));
    }
    keys[i] = entry.name;
    argv[a++] = String(part.requests);
    argv[a++] = String(part.tokens);
    const specArgv = entry.args;
    // eslint-disable-next-line @typescript-eslint/prefer-for-of -- hot path: an index loop allocates no iterator
    for (let j = 0; j < specArgv.length; j++) argv[a++] = specArgv[j];
  }
  return { keys, argv, tag: tag ?? '' };
}

/**
 * The arguments of one acquire script call for a batch of demands: the key count, every key in order, then the
 * line grace, the number of demands and each demand's ARGV slice.
 * @param batch - the demands, in call order.
 */
export function acquireArgs(batch: readonly EncodedDemand[]): Array<string | number> {
  let keyCount = 0;
  let argCount = 2;
  for (const demand of batch) {
    keyCount += demand.keys.length;
    argCount += demand.argv.length;
  }
  const args = new Array<string | number>(1 + keyCount + argCount);
  args[0] = keyCount;
  let k = 1;
  let a = 1 + keyCount;
  args[a++] = LINE_GRACE_MS;
  args[a++] = batch.length;
  for (const demand of batch) {
    for (const key of demand.keys) args[k++] = key;
    for (const arg of demand.argv) args[a++] = arg;
  }
  return args;
}

/**
 * Whether an acquire reply fits its batch: one result per demand.
 * @param reply - what the script answered.
 * @param size - the number of demands sent.
 */
export function isAcquireReply(reply: unknown, size: number): reply is unknown[] {
  return Array.isArray(reply) && reply.length === size;
}

/**
 * One demand's acquire result: 0 (granted), the wait in ms (the script answers whole microseconds), or
 * `DAY_BUDGET_SPENT` (-1, passed through).
 * @param result - the demand's element of the script's reply.
 */
export function decodeWait(result: unknown): number {
  const micros = Number(result);
  return micros > 0 ? micros / 1000 : micros;
}

/** Arguments of the settle script: the key, delta tokens, the spec, delta requests. */
export function settleArgs(entry: SpecEntry, deltaTokens: number, deltaRequests: number): string[] {
  return [entry.name, String(deltaTokens), ...entry.args, String(deltaRequests)];
}

/** Arguments of the cooldown script: the key, the pause in ms (relative), the spec. */
export function cooldownArgs(entry: SpecEntry, ms: number): string[] {
  return [entry.name, String(ms), ...entry.args];
}

/**
 * Arguments of the observe script: the key, the spec, then requests and tokens (`tokens`, else `inputTokens`)
 * each as present flag, limit and remaining (empty strings for unknown values).
 */
export function observeArgs(entry: SpecEntry, snapshot: RateLimitSnapshot): string[] {
  const req = snapshot.requests;
  const tok = snapshot.tokens ?? snapshot.inputTokens;
  return [
    entry.name,
    ...entry.args,
    req === undefined ? '0' : '1',
    opt(req?.limit),
    opt(req?.remaining),
    tok === undefined ? '0' : '1',
    // Anthropic's tokens-* limit is its most restrictive one: not learned (see the memory bucket)
    opt(tok?.mostRestrictive === true ? undefined : tok?.limit),
    opt(tok?.remaining),
  ];
}

/** Arguments of the view script: the key, the spec. */
export function viewArgs(entry: SpecEntry): string[] {
  return [entry.name, ...entry.args];
}

/**
 * The view script's reply as a {@link KeyView}; undefined for an unknown key (or any reply that is not an
 * array). `cooldownUntil` is translated to the caller's clock: `now` + the time left by Redis's clock.
 * @param reply - the script's reply.
 * @param now - the caller's clock.
 */
export function decodeView(reply: unknown, now: number): KeyView | undefined {
  if (!Array.isArray(reply)) return undefined;
  const [requests, tokens, cooldownLeft, dayUsed, rpm, tpm] = reply as string[];
  const left = Number(cooldownLeft);
  return {
    requests: optNumber(requests),
    tokens: optNumber(tokens),
    cooldownUntil: left > 0 ? now + left : 0,
    dayUsed: Number(dayUsed),
    requestsPerMinute: optNumber(rpm),
    tokensPerMinute: optNumber(tpm),
  };
}

function crossSlot(keys: readonly string[]): PolicyConfigError {
  return new PolicyConfigError(
    'RedisStore',
    'hashTag',
    keys,
    'one hash tag for every key a call uses on a Redis Cluster: pass RedisStoreOptions.hashTag mapping these keys to one tag',
  );
}

function opt(value: number | undefined): string {
  return value === undefined ? '' : String(value);
}

function optNumber(text: string | undefined): number | undefined {
  return text === undefined || text === '' ? undefined : Number(text);
}
