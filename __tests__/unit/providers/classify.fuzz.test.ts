import fc from 'fast-check';
import { classifyError, errorFacts } from '../../../src/providers/classify';
import { RUNS, anyBody, anyHeaders } from '../../helpers/header-arbitraries';

describe('header parsers under fuzzing', () => {
  it('errorFacts and classifyError never throw on anything, and the verdict is coherent', () => {
    const retryReasons = ['rate-limited', 'overloaded', 'server-error', 'request-timeout', 'conflict', 'network', 'attempt-timeout', 'should-retry-header'];
    const noRetryReasons = ['aborted', 'client-error', 'quota-exhausted', 'should-retry-header', 'not-retryable'];
    const errorLike = fc.oneof(
      fc.anything(),
      fc.record(
        {
          status: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.anything()),
          statusCode: fc.anything(),
          headers: fc.oneof(anyHeaders, fc.anything()),
          body: anyBody,
          error: anyBody,
          code: fc.oneof(fc.constantFrom('ECONNRESET', 'ABORT_ERR', 'ATTEMPT_TIMEOUT', 'insufficient_quota', 'rate_limit_exceeded', 'server_error'), fc.anything()),
          type: fc.oneof(fc.constantFrom('overloaded_error', 'api_error', 'invalid_request_error', 'error'), fc.anything()),
          name: fc.oneof(fc.constantFrom('AbortError', 'TypeError', 'APIConnectionError', 'TimeoutError', 'AI_APICallError', 'ModelAbortError'), fc.string()),
          message: fc.oneof(fc.constantFrom('fetch failed', 'socket hang up', 'insufficient_quota', 'terminated'), fc.string()),
          isRetryable: fc.anything(),
          responseBody: anyBody,
          cause: fc.anything(),
          response: fc.record({ status: fc.anything(), headers: fc.oneof(anyHeaders, fc.anything()), data: anyBody }),
        },
        { requiredKeys: [] },
      ),
    );
    // the AI SDK's RetryError around any of them (its verdict is its last error's)
    const retryErrorLike = fc.record(
      { name: fc.constant('AI_RetryError'), reason: fc.oneof(fc.constantFrom('maxRetriesExceeded', 'errorNotRetryable', 'abort'), fc.anything()), lastError: errorLike, errors: fc.array(errorLike, { maxLength: 3 }) },
      { requiredKeys: ['name'] },
    );
    fc.assert(
      fc.property(fc.oneof(errorLike, retryErrorLike), (error) => {
        const facts = errorFacts(error);
        if (facts.status !== undefined) {
          expect(Number.isInteger(facts.status)).toBe(true);
          expect(facts.status).toBeGreaterThanOrEqual(100);
        }
        const c = classifyError(error);
        expect(typeof c.retryable).toBe('boolean');
        expect(c.retryable ? retryReasons : noRetryReasons).toContain(c.reason);
        if (c.sdkRetried === true) {
          // a RetryError: the verdict is its last error's, whose status it carries
          expect((error as { name?: unknown }).name).toBe('AI_RetryError');
          if (c.status !== undefined) expect(Number.isInteger(c.status)).toBe(true);
          return;
        }
        // Aborts and attempt timeouts are decided before the facts are read; otherwise the status is carried.
        if (c.reason !== 'aborted' && c.reason !== 'attempt-timeout') expect(c.status).toBe(facts.status);
        else expect(c.status).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('huge strings and hostile wrappers never throw', () => {
    const huge = `{"error":${'x'.repeat(5_000_000)}`;
    expect(classifyError({ status: 429, message: huge, responseBody: huge })).toMatchObject({ retryable: true, reason: 'rate-limited' });
    expect(classifyError({ name: 'AI_RetryError', lastError: { message: huge, type: huge, code: huge } })).toEqual({ retryable: false, reason: 'not-retryable', sdkRetried: true });
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        has() {
          throw new Error('boom');
        },
      },
    );
    expect(classifyError({ name: 'AI_RetryError', lastError: hostile })).toEqual({ retryable: false, reason: 'not-retryable', sdkRetried: true });
    const c = classifyError({ message: 'x', cause: hostile, error: hostile });
    expect([c.retryable, c.reason]).toEqual([false, 'not-retryable']);
    expect(c.body).toBe(hostile); // carried as found, not read
  });
});
