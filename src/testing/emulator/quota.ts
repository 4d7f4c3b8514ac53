/**
 * Per-model quota state of the provider emulator: a minute bucket and an optional slice bucket,
 * each for requests and tokens, checked and debited all-or-nothing.
 * @packageDocumentation
 */
import { TokenBucket } from './bucket';

/** Length of the quota window the limits are expressed in. */
export const MINUTE_MS = 60_000;

/** The per-minute limits of one model. */
export interface QuotaLimits {
  /** Requests per minute (> 0). */
  readonly requestsPerMinute: number;
  /** Tokens per minute (> 0). */
  readonly tokensPerMinute: number;
}

/** Why a request was refused by {@link ModelQuota.tryAdmit}. */
export interface QuotaRefusal {
  /** Which limit refused it: the one that needs the longest wait (requests on a tie). */
  readonly kind: 'requests' | 'tokens';
  /** Milliseconds until the request would fit (fractional); `Infinity` when it never can. */
  readonly waitMs: number;
  /** The request's token cost exceeds the per-minute token limit, so it can never be admitted. */
  readonly tooLarge: boolean;
}

/**
 * The quota state of one model. With `sliceMs > 0` each per-minute limit is also enforced as a
 * bucket of capacity `limit * sliceMs / 60000` refilling at the same rate (burst protection).
 */
export class ModelQuota {
  /** Minute bucket for requests. */
  readonly minuteRequests: TokenBucket;
  /** Minute bucket for tokens. */
  readonly minuteTokens: TokenBucket;
  /** Slice bucket for requests, or null when slicing is disabled. */
  readonly sliceRequests: TokenBucket | null;
  /** Slice bucket for tokens, or null when slicing is disabled. */
  readonly sliceTokens: TokenBucket | null;

  /**
   * @param limits - the per-minute limits.
   * @param sliceMs - enforcement slice in ms; 0 disables the slice buckets.
   * @param now - current time in ms.
   */
  constructor(
    readonly limits: QuotaLimits,
    sliceMs: number,
    now: number,
  ) {
    this.minuteRequests = new TokenBucket(limits.requestsPerMinute, MINUTE_MS, now);
    this.minuteTokens = new TokenBucket(limits.tokensPerMinute, MINUTE_MS, now);
    if (sliceMs > 0 && sliceMs < MINUTE_MS) {
      const f = sliceMs / MINUTE_MS;
      this.sliceRequests = new TokenBucket(limits.requestsPerMinute * f, sliceMs, now);
      this.sliceTokens = new TokenBucket(limits.tokensPerMinute * f, sliceMs, now);
    } else {
      this.sliceRequests = null;
      this.sliceTokens = null;
    }
  }

  /**
   * Checks one request costing `tokens` against every bucket and debits all of them only if
   * all fit.
   * @param tokens - the request's up-front token charge.
   * @param now - current time in ms.
   * @returns null when admitted (buckets debited), otherwise why it was refused (nothing debited).
   */
  tryAdmit(tokens: number, now: number): QuotaRefusal | null {
    this.refill(now);
    if (tokens > this.limits.tokensPerMinute) {
      return { kind: 'tokens', waitMs: Infinity, tooLarge: true };
    }
    let requestWait = this.minuteRequests.waitMs(1);
    let tokenWait = this.minuteTokens.waitMs(tokens);
    if (this.sliceRequests !== null && this.sliceTokens !== null) {
      const sr = this.sliceRequests.waitMs(1);
      const st = this.sliceTokens.waitMs(tokens);
      if (sr > requestWait) requestWait = sr;
      if (st > tokenWait) tokenWait = st;
    }
    if (requestWait > 0 || tokenWait > 0) {
      return requestWait >= tokenWait
        ? { kind: 'requests', waitMs: requestWait, tooLarge: false }
        : { kind: 'tokens', waitMs: tokenWait, tooLarge: false };
    }
    this.minuteRequests.take(1);
    this.minuteTokens.take(tokens);
    if (this.sliceRequests !== null && this.sliceTokens !== null) {
      this.sliceRequests.take(1);
      this.sliceTokens.take(tokens);
    }
    return null;
  }

  /**
   * Gives unused tokens back to both token buckets (capped at their capacity).
   * @param tokens - tokens to refund.
   * @param now - current time in ms.
   */
  refund(tokens: number, now: number): void {
    if (tokens <= 0) return;
    this.minuteTokens.give(tokens, now);
    this.sliceTokens?.give(tokens, now);
  }

  /**
   * Brings every bucket up to date.
   * @param now - current time in ms.
   */
  refill(now: number): void {
    this.minuteRequests.refill(now);
    this.minuteTokens.refill(now);
    this.sliceRequests?.refill(now);
    this.sliceTokens?.refill(now);
  }
}
