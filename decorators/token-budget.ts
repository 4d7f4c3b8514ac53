import { policyDecorator, type PolicyDecorator } from '../src/policy/decorator';
import type { TokenBudgetOptions } from '../src/policy/options';
import { resolveTokenBudget } from '../src/policy/validate';

/**
 * Limits the method to a number of tokens per minute per key: `estimate(...args)` is taken before the call
 * (together with the request, all or nothing) and reconciled with the real usage after it. A call larger than
 * the per-minute limit fails at once with `TokenBudgetExceededError`; `tokensPerDay` is a hard daily budget.
 * Works as a standard (TC39) decorator and with `experimentalDecorators`; `key` and `estimate` functions must
 * accept the method's parameters (checked at compile time).
 * @param options - see {@link TokenBudgetOptions}.
 * @throws PolicyConfigError naming the method (and its class when known), option and value.
 */
export function TokenBudget<A extends readonly unknown[] = never[]>(options: TokenBudgetOptions<A>): PolicyDecorator<A> {
  return policyDecorator('tokenBudget', (where) => resolveTokenBudget(where, options));
}
