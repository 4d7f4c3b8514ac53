import { applyPolicy } from '../src/policy/method-wrapper';
import type { TokenBudgetOptions } from '../src/policy/options';
import { resolveTokenBudget } from '../src/policy/validate';
import type { AsyncMethodDecorator } from './types';

/**
 * Limits the method to a number of tokens per minute per key: `estimate(...args)` is taken before the call
 * (together with the request, all or nothing) and reconciled with the real usage after it. A call larger than
 * the per-minute limit fails at once with `TokenBudgetExceededError`; `tokensPerDay` is a hard daily budget.
 * @param options - see {@link TokenBudgetOptions}.
 * @throws PolicyConfigError naming class, method, option and value.
 */
export function TokenBudget<A extends readonly unknown[] = never[]>(options: TokenBudgetOptions<A>): AsyncMethodDecorator {
  return (target, propertyKey, descriptor) => {
    applyPolicy(target, propertyKey, descriptor, 'tokenBudget', (where) => resolveTokenBudget(where, options));
  };
}
