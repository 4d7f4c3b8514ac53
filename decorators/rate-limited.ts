import { policyDecorator, type PolicyDecorator } from '../src/policy/decorator';
import type { RateLimitedOptions } from '../src/policy/options';
import { resolveRateLimit } from '../src/policy/validate';

/**
 * Limits the method to a number of requests per minute per key (token bucket, continuous refill, default
 * burst one second of quota). Calls over the limit wait in FIFO order (`onLimit: 'queue'`) or are refused.
 * Give the options inline, or a policy name whose limits come from `configureResilience({ policies })`.
 * Works as a standard (TC39) decorator and with `experimentalDecorators`; a `key` function must accept the
 * method's parameters (checked at compile time).
 * @param options - see {@link RateLimitedOptions}, or the name of a configured policy (also the key).
 * @throws PolicyConfigError naming the method (and its class when known), option and value.
 */
export function RateLimited<A extends readonly unknown[] = never[]>(options: RateLimitedOptions<A> | string): PolicyDecorator<A> {
  return policyDecorator('rateLimit', (where) => resolveRateLimit(where, options));
}
