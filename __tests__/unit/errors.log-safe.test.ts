import { RetryExhaustedError, StoreUnavailableError, StreamInterruptedError } from '../../index';
import { logSafeReason } from '../../src/errors';

/** A provider error whose message quotes the prompt, as some do. */
const quoting = Object.assign(new Error('Invalid request: user prompt "my SSN is 123-45-6789"'), { name: 'BadRequestError' });

describe('logSafeReason', () => {
  it("names a wrapped foreign error by its name only: a provider's message never reaches events or logs", () => {
    const exhausted = new RetryExhaustedError(3, 'deadline', quoting, 'capacity frees after the deadline');
    const stream = new StreamInterruptedError('k', 2, quoting);
    const store = new StoreUnavailableError(quoting);
    const nested = new RetryExhaustedError(2, 'max-retries', stream);
    for (const error of [exhausted, stream, store, nested]) {
      expect(error.message).toContain('123-45-6789'); // the caller's own error keeps the whole story
      expect(logSafeReason(error)).not.toContain('123-45-6789');
      expect(logSafeReason(error)).toContain('BadRequestError');
    }
    expect(logSafeReason(exhausted)).toBe('Gave up after 3 attempts (deadline): capacity frees after the deadline; last error: BadRequestError');
    expect(logSafeReason(quoting)).toBe('BadRequestError');
    expect(logSafeReason('text')).toBe('string');
  });
});
