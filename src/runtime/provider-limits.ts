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

/** What the provider last reported for one key, per minute (only for resources a policy configures). */
export interface ReportedLimits {
  /** Requests per minute. */
  readonly requests: number | undefined;
  /** Tokens per minute. */
  readonly tokens: number | undefined;
}

/** A configured limit whose limit in force changed: lowered to the provider's, or back to the configured one. */
export interface LimitChange {
  /** The key. */
  readonly key: string;
  /** Which limit. */
  readonly resource: 'requests' | 'tokens';
  /** The configured per-minute limit. */
  readonly configured: number;
  /** The per-minute limit now in force: the lower of the configured one and the provider's. */
  readonly inForce: number;
}

/**
 * The provider's per-minute limits by key. What is kept is the provider's own figure, not one relative to a
 * policy: two methods configuring the same key differently each get the lower of their own and the provider's,
 * and their observations never undo each other.
 */
export class ProviderLimits {
  /** Bumped when a key's reported limit changes: key plans built before are rebuilt. */
  generation = 0;
  private readonly keys = new BoundedMap<string, ReportedLimits>(MAX_PROVIDER_LIMIT_KEYS);

  /** What the provider last reported for `key`, if it reported a per-minute limit for a configured resource. */
  get(key: string): ReportedLimits | undefined {
    return this.keys.get(key);
  }

  /**
   * Records a snapshot's per-minute limits for the keys of a call, for the resources they configure.
   * @param specs - the call's limits, as configured.
   * @param snapshot - what the provider reported.
   * @returns the configured limits whose limit in force changed.
   */
  observe(specs: readonly LimitSpec[], snapshot: RateLimitSnapshot): LimitChange[] {
    let changes: LimitChange[] | undefined;
    for (const spec of specs) {
      const before = this.keys.get(spec.key);
      const requests = reported(spec.requestsPerMinute, snapshot.requests) ?? before?.requests;
      const tokens = reported(spec.tokensPerMinute, snapshot.tokens) ?? before?.tokens;
      if (requests === before?.requests && tokens === before?.tokens) continue;
      this.keys.set(spec.key, { requests, tokens });
      this.generation++;
      const request = change(spec.key, 'requests', spec.requestsPerMinute, before?.requests, requests);
      const token = change(spec.key, 'tokens', spec.tokensPerMinute, before?.tokens, tokens);
      if (request !== undefined) (changes ??= []).push(request);
      if (token !== undefined) (changes ??= []).push(token);
    }
    return changes ?? NONE;
  }
}

const NONE: LimitChange[] = [];

/** The lower of a configured per-minute limit and the provider's. */
export function limitInForce(configured: number, reported: number | undefined): number {
  return reported !== undefined && reported < configured ? reported : configured;
}

/** The provider's per-minute limit for a configured resource; `undefined` when not reported per minute. */
function reported(configured: number | undefined, resource: RateLimitSnapshot['requests']): number | undefined {
  if (configured === undefined || resource?.perMinute !== true || resource.limit === undefined) return undefined;
  return resource.limit > 0 ? resource.limit : undefined;
}

function change(
  key: string,
  resource: LimitChange['resource'],
  configured: number | undefined,
  before: number | undefined,
  now: number | undefined,
): LimitChange | undefined {
  if (configured === undefined) return undefined;
  const was = limitInForce(configured, before);
  const inForce = limitInForce(configured, now);
  return was === inForce ? undefined : { key, resource, configured, inForce };
}
