import { policyDecorator, type PolicyDecorator } from '../src/policy/decorator';
import type { AdaptiveRetryOptions } from '../src/policy/options';
import { resolveRetry } from '../src/policy/validate';

/**
 * Retries the method on retryable failures (408, 409, 429, 5xx incl. 529, network errors) with exponential
 * backoff and jitter, honouring the server's wait hints (`retry-after-ms`, `retry-after`, reset headers,
 * Gemini `RetryInfo`) as a floor. Non-retryable errors are rethrown unchanged; exhaustion throws
 * `RetryExhaustedError`. Options are validated when the decorator is applied, as the class is defined.
 * Works as a standard (TC39) decorator and with `experimentalDecorators`.
 * @param options - see {@link AdaptiveRetryOptions}; all optional.
 * @throws PolicyConfigError naming the method (and its class when known), option and value.
 */
export function AdaptiveRetry(options?: AdaptiveRetryOptions): PolicyDecorator {
  return policyDecorator('retry', (where) => resolveRetry(where, options ?? {}));
}
