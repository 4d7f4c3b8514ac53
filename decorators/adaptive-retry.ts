import { applyPolicy } from '../src/policy/method-wrapper';
import type { AdaptiveRetryOptions } from '../src/policy/options';
import { resolveRetry } from '../src/policy/validate';
import type { AsyncMethodDecorator } from './types';

/**
 * Retries the method on retryable failures (408, 409, 429, 5xx incl. 529, network errors) with exponential
 * backoff and jitter, honouring the server's wait hints (`retry-after-ms`, `retry-after`, reset headers,
 * Gemini `RetryInfo`) as a floor. Non-retryable errors are rethrown unchanged; exhaustion throws
 * `RetryExhaustedError`. Options are validated here, at class definition time.
 * @param options - see {@link AdaptiveRetryOptions}; all optional.
 * @throws PolicyConfigError naming class, method, option and value.
 */
export function AdaptiveRetry(options?: AdaptiveRetryOptions): AsyncMethodDecorator {
  return (target, propertyKey, descriptor) => {
    applyPolicy(target, propertyKey, descriptor, 'retry', (where) => resolveRetry(where, options ?? {}));
  };
}
