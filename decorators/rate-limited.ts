import { applyPolicy } from '../src/policy/method-wrapper';
import type { RateLimitedOptions } from '../src/policy/options';
import { resolveRateLimit } from '../src/policy/validate';
import type { AsyncMethodDecorator } from './types';

/**
 * Limits the method to a number of requests per minute per key (token bucket, continuous refill, default
 * burst one second of quota). Calls over the limit wait in FIFO order (`onLimit: 'queue'`) or are refused.
 * Give the options inline, or a policy name whose limits come from `configureResilience({ policies })`.
 * @param options - see {@link RateLimitedOptions}, or the name of a configured policy (also the key).
 * @throws PolicyConfigError naming class, method, option and value.
 */
export function RateLimited<A extends readonly unknown[] = never[]>(
  options: RateLimitedOptions<A> | string,
): AsyncMethodDecorator {
  return (target, propertyKey, descriptor) => {
    applyPolicy(target, propertyKey, descriptor, 'rateLimit', (where) => resolveRateLimit(where, options));
  };
}
