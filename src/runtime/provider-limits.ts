/**
 * The per-minute limits providers report (`x-ratelimit-limit-*`, `anthropic-ratelimit-*-limit`), kept per key so a
 * configured limit above the provider's is lowered to it: a policy written for a higher tier than the account has
 * must not turn into a 429 storm. Limits the provider reports at or above the configured ones change nothing.
 * @packageDocumentation
 */

import type { LimitSpec } from '../limits/store';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers';
import { BoundedMap } from '../util/bounded-map';

/** Most keys whose provider limits are kept. */
export const MAX_PROVIDER_LIMIT_KEYS = 10_000;

/** What the provider last reported for one key, per minute. */
export interface ReportedLimits {
  /** Requests per minute. */
  readonly requests: number | undefined;
  /** Tokens per minute. */
  readonly tokens: number | undefined;
}

/** A configured limit the provider's report lowered (or released). */
export interface LimitChange {
  /** The key. */
  readonly key: string;
  /** Which limit. */
  readonly resource: 'requests' | 'tokens';
  /** The configured per-minute limit. */
  readonly configured: number;
  /** The provider's per-minute limit now in force for it (the configured one when the provider reports more). */
  readonly reported: number;
}

/** The provider's per-minute limits by key. */
export class ProviderLimits {
  /** Bumped when a key's limit in force changes: key plans built before are rebuilt. */
  generation = 0;
  private readonly keys = new BoundedMap<string, ReportedLimits>(MAX_PROVIDER_LIMIT_KEYS);

  /** What the provider last reported for `key` that lowers its configured limits, if anything. */
  get(key: string): ReportedLimits | undefined {
    return this.keys.get(key);
  }

  /**
   * Records a snapshot's per-minute limits for the keys of a call that have configured limits.
   * @param specs - the call's limits, as configured (the provider's limits are compared with these).
   * @param snapshot - what the provider reported.
   * @returns the configured limits whose limit in force changed.
   */
  observe(specs: readonly LimitSpec[], snapshot: RateLimitSnapshot): LimitChange[] {
    const changes: LimitChange[] = [];
    for (const own of specs) {
      const spec = own;
      const before = this.keys.get(spec.key);
      const requests = lowered(own.requestsPerMinute, snapshot.requests, before?.requests);
      const tokens = lowered(own.tokensPerMinute, snapshot.tokens, before?.tokens);
      if (requests === before?.requests && tokens === before?.tokens) continue;
      if (requests === undefined && tokens === undefined) this.keys.delete(spec.key);
      else this.keys.set(spec.key, { requests, tokens });
      this.generation++;
      if (requests !== before?.requests && own.requestsPerMinute !== undefined) {
        changes.push({ key: spec.key, resource: 'requests', configured: own.requestsPerMinute, reported: requests ?? own.requestsPerMinute });
      }
      if (tokens !== before?.tokens && own.tokensPerMinute !== undefined) {
        changes.push({ key: spec.key, resource: 'tokens', configured: own.tokensPerMinute, reported: tokens ?? own.tokensPerMinute });
      }
    }
    return changes;
  }
}

/**
 * The provider's per-minute limit when it is below the configured one; `undefined` when it is not (or the
 * resource is not configured, or the report is not per minute); the previous value when nothing was reported.
 */
function lowered(configured: number | undefined, reported: RateLimitSnapshot['requests'], previous: number | undefined): number | undefined {
  if (configured === undefined) return undefined;
  if (reported?.perMinute !== true || reported.limit === undefined) return previous;
  return reported.limit > 0 && reported.limit < configured ? reported.limit : undefined;
}
