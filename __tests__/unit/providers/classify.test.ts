import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { AttemptTimeoutError, RetryExhaustedError } from '../../../src/errors';
import { classifyError, errorFacts } from '../../../src/providers/classify';
import { readHeader } from '../../../src/providers/headers';
import { serverWaitHint } from '../../../src/providers/wait-hints';

const openAiGenerate = (status: number, body: object | undefined, headers: Record<string, string> = {}) =>
  OpenAI.APIError.generate(status, body, undefined, new Headers(headers));
const anthropicGenerate = (status: number, body: object | undefined, headers: Record<string, string> = {}) =>
  Anthropic.APIError.generate(status, body, undefined, new Headers(headers));

const INSUFFICIENT_QUOTA_BODY = {
  error: {
    message: 'You exceeded your current quota, please check your plan and billing details.',
    type: 'insufficient_quota',
    param: null,
    code: 'insufficient_quota',
  },
};

const geminiBody = (quotaId: string, quotaMetric = 'generativelanguage.googleapis.com/generate_content_free_tier_requests') => ({
  error: {
    code: 429,
    message: 'You exceeded your current quota.',
    status: 'RESOURCE_EXHAUSTED',
    details: [
      { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric, quotaId, quotaValue: '50' }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '26s' },
    ],
  },
});

describe('errorFacts', () => {
  it('reads openai v6 APIError: status, Headers object, inner error object as body', () => {
    const err = openAiGenerate(429, INSUFFICIENT_QUOTA_BODY, { 'retry-after': '2' });
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const facts = errorFacts(err);
    expect(facts.status).toBe(429);
    expect(facts.headers).toBeInstanceOf(Headers);
    expect(readHeader(facts.headers, 'retry-after')).toBe('2');
    // openai's generate() unwraps `{ error: {...} }`: `.error` is the inner object.
    expect(facts.body).toEqual(INSUFFICIENT_QUOTA_BODY.error);
  });

  it('reads @anthropic-ai/sdk APIError: `.error` is the whole body', () => {
    const body = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const facts = errorFacts(anthropicGenerate(529, body, { 'retry-after': '4' }));
    expect(facts.status).toBe(529);
    expect(facts.body).toEqual(body);
    expect(readHeader(facts.headers, 'retry-after')).toBe('4');
  });

  it('reads a fetch Response, skipping its stream body', () => {
    const res = new Response('{"error":"x"}', { status: 429, headers: { 'retry-after': '3' } });
    const facts = errorFacts(res);
    expect(facts.status).toBe(429);
    expect(readHeader(facts.headers, 'retry-after')).toBe('3');
    expect(facts.body).toBeUndefined();
  });

  it('reads axios-style error.response', () => {
    const err = Object.assign(new Error('Request failed with status code 503'), {
      response: { status: 503, headers: { 'retry-after': '9' }, data: { error: { message: 'busy' } } },
    });
    expect(errorFacts(err)).toEqual({ status: 503, headers: { 'retry-after': '9' }, body: { error: { message: 'busy' } } });
  });

  it('parses a JSON text body (gaxios-style array body)', () => {
    const err = { response: { status: 429, headers: {}, data: JSON.stringify([geminiBody('PerMinute')]) } };
    expect(errorFacts(err).body).toEqual([geminiBody('PerMinute')]);
  });

  it('reads plain objects: status | statusCode, headers, body | error | data', () => {
    expect(errorFacts({ status: 400, body: { a: 1 } })).toEqual({ status: 400, body: { a: 1 } });
    expect(errorFacts({ statusCode: 502, headers: { 'x-a': '1' }, data: 'oops' })).toEqual({
      status: 502,
      headers: { 'x-a': '1' },
      body: 'oops',
    });
    expect(errorFacts({ status: 409, error: { code: 'conflict' } })).toEqual({ status: 409, body: { code: 'conflict' } });
  });

  it('reads Vercel AI SDK APICallError-style fields', () => {
    const err = Object.assign(new Error('Too Many Requests'), {
      statusCode: 429,
      responseHeaders: { 'retry-after': '5' },
      responseBody: '{"error":{"code":"rate_limit_exceeded"}}',
    });
    expect(errorFacts(err)).toEqual({
      status: 429,
      headers: { 'retry-after': '5' },
      body: { error: { code: 'rate_limit_exceeded' } },
    });
  });

  it('reads a JSON body embedded in the message when there is a status but no body (@google/genai style)', () => {
    class ApiError extends Error {
      constructor(readonly status: number, message: string) {
        super(message);
      }
    }
    const err = new ApiError(429, `got status: 429 Too Many Requests. ${JSON.stringify(geminiBody('PerMinute'))}`);
    expect(errorFacts(err).body).toEqual(geminiBody('PerMinute'));
  });

  it('ignores invalid statuses and non-header values', () => {
    expect(errorFacts({ status: '429', headers: 'retry-after: 1' })).toEqual({});
    expect(errorFacts({ status: 42.5, statusCode: Number.NaN })).toEqual({});
  });

  it('returns {} for non-objects', () => {
    for (const value of [undefined, null, 'boom', 42, true, Symbol('s')]) expect(errorFacts(value)).toEqual({});
  });

  it('never throws on throwing getters', () => {
    const hostile = {
      get status(): number {
        throw new Error('boom');
      },
      get headers(): unknown {
        throw new Error('boom');
      },
      get response(): unknown {
        throw new Error('boom');
      },
      get error(): unknown {
        throw new Error('boom');
      },
    };
    expect(errorFacts(hostile)).toEqual({});
    const proxy = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        getPrototypeOf() {
          throw new Error('boom');
        },
      },
    );
    expect(errorFacts(proxy)).toEqual({});
    expect(classifyError(proxy)).toEqual({ retryable: false, reason: 'not-retryable' });
  });
});

describe('classifyError', () => {
  describe('1. aborts', () => {
    it('never retries openai / anthropic APIUserAbortError', () => {
      expect(classifyError(new OpenAI.APIUserAbortError())).toEqual({ retryable: false, reason: 'aborted' });
      expect(classifyError(new Anthropic.APIUserAbortError())).toEqual({ retryable: false, reason: 'aborted' });
    });

    it('never retries DOMException / Node AbortError or ABORT_ERR', () => {
      const controller = new AbortController();
      controller.abort();
      expect(classifyError(controller.signal.reason)).toMatchObject({ retryable: false, reason: 'aborted' });
      expect(classifyError(new DOMException('aborted', 'AbortError'))).toMatchObject({ reason: 'aborted' });
      expect(classifyError(Object.assign(new Error('x'), { code: 'ABORT_ERR' }))).toMatchObject({ reason: 'aborted' });
      const named = new Error('The operation was aborted');
      named.name = 'AbortError';
      expect(classifyError(named)).toMatchObject({ retryable: false, reason: 'aborted' });
    });

    it('an abort wins over a retryable status and x-should-retry', () => {
      const err = { name: 'AbortError', status: 429, headers: { 'x-should-retry': 'true' } };
      expect(classifyError(err)).toMatchObject({ retryable: false, reason: 'aborted' });
    });
  });

  it('2. our AttemptTimeoutError is retryable', () => {
    expect(classifyError(new AttemptTimeoutError(1000))).toEqual({ retryable: true, reason: 'attempt-timeout' });
    expect(classifyError({ code: 'ATTEMPT_TIMEOUT' })).toMatchObject({ retryable: true, reason: 'attempt-timeout' });
  });

  describe('3. x-should-retry', () => {
    it('true makes a 400 retryable', () => {
      const c = classifyError(openAiGenerate(400, { error: { message: 'bad' } }, { 'x-should-retry': 'true' }));
      expect(c).toMatchObject({ retryable: true, reason: 'should-retry-header', status: 400 });
    });

    it('false stops a 429 and a 500', () => {
      expect(classifyError(openAiGenerate(429, undefined, { 'x-should-retry': 'false' }))).toMatchObject({
        retryable: false,
        reason: 'should-retry-header',
      });
      expect(classifyError(anthropicGenerate(500, undefined, { 'X-Should-Retry': 'FALSE' }))).toMatchObject({
        retryable: false,
        reason: 'should-retry-header',
      });
    });

    it('other values are ignored', () => {
      expect(classifyError({ status: 429, headers: { 'x-should-retry': 'maybe' } })).toMatchObject({ retryable: true, reason: 'rate-limited' });
    });
  });

  describe('4. exhausted quota', () => {
    it('openai insufficient_quota 429 is not retried', () => {
      const c = classifyError(openAiGenerate(429, INSUFFICIENT_QUOTA_BODY, { 'retry-after': '20' }));
      expect(c).toMatchObject({ retryable: false, reason: 'quota-exhausted', status: 429 });
    });

    it('insufficient_quota in body.code / body.type / message / text body', () => {
      expect(classifyError({ status: 429, body: { code: 'insufficient_quota' } }).reason).toBe('quota-exhausted');
      expect(classifyError({ status: 429, body: { type: 'insufficient_quota' } }).reason).toBe('quota-exhausted');
      expect(classifyError({ status: 429, body: { error: { type: 'insufficient_quota' } } }).reason).toBe('quota-exhausted');
      expect(classifyError(Object.assign(new Error('429 insufficient_quota'), { status: 429 })).reason).toBe('quota-exhausted');
      expect(classifyError({ status: 429, body: 'error: insufficient_quota' }).reason).toBe('quota-exhausted');
    });

    it('Gemini per-day QuotaFailure is not retried; per-minute is', () => {
      expect(classifyError({ status: 429, body: geminiBody('GenerateRequestsPerDayPerProjectPerModel-FreeTier') })).toMatchObject({
        retryable: false,
        reason: 'quota-exhausted',
      });
      expect(classifyError({ status: 429, body: [geminiBody('x', 'generate_requests_per_day')] }).reason).toBe('quota-exhausted');
      expect(classifyError({ status: 429, body: geminiBody('GenerateRequestsPerMinutePerProjectPerModel-FreeTier') })).toMatchObject({
        retryable: true,
        reason: 'rate-limited',
      });
    });

    it('the quota check only applies to 429', () => {
      expect(classifyError({ status: 400, body: { code: 'insufficient_quota' } }).reason).toBe('client-error');
    });
  });

  describe('5. retryable statuses', () => {
    it('openai RateLimitError → rate-limited, carrying headers for the wait hint', () => {
      const err = openAiGenerate(429, { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }, { 'retry-after-ms': '350' });
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      const c = classifyError(err);
      expect(c).toMatchObject({ retryable: true, reason: 'rate-limited', status: 429 });
      expect(serverWaitHint(c.headers, c.body, Date.now())).toEqual({ ms: 350, source: 'retry-after-ms' });
    });

    it('anthropic 529 → overloaded, 503 → server-error', () => {
      const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
      expect(classifyError(anthropicGenerate(529, overloaded))).toMatchObject({ retryable: true, reason: 'overloaded', status: 529 });
      expect(classifyError(anthropicGenerate(503, overloaded))).toMatchObject({ retryable: true, reason: 'server-error', status: 503 });
    });

    it.each([
      [408, 'request-timeout'],
      [409, 'conflict'],
      [429, 'rate-limited'],
      [500, 'server-error'],
      [502, 'server-error'],
      [504, 'server-error'],
      [599, 'server-error'],
    ])('openai %d → %s', (status, reason) => {
      expect(classifyError(openAiGenerate(status, undefined))).toMatchObject({ retryable: true, reason, status });
    });

    it('openai InternalServerError is retried', () => {
      const err = openAiGenerate(500, { error: { message: 'oops' } });
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect(classifyError(err).retryable).toBe(true);
    });

    it('a thrown fetch Response 429 is retried with its headers', () => {
      const c = classifyError(new Response(null, { status: 429, headers: { 'Retry-After': '7' } }));
      expect(c).toMatchObject({ retryable: true, reason: 'rate-limited', status: 429 });
      expect(serverWaitHint(c.headers, c.body, Date.now())).toEqual({ ms: 7000, source: 'retry-after' });
    });

    it('axios-style 503 is retried', () => {
      expect(classifyError({ message: 'x', response: { status: 503, headers: {}, data: '' } })).toMatchObject({
        retryable: true,
        reason: 'server-error',
        status: 503,
      });
    });
  });

  describe('6. client errors', () => {
    it.each([400, 401, 403, 404, 422, 451])('%d is not retried', (status) => {
      expect(classifyError(openAiGenerate(status, { error: { message: 'no' } }))).toMatchObject({ retryable: false, reason: 'client-error', status });
    });

    it('openai BadRequestError and anthropic 400 are client errors', () => {
      const err = openAiGenerate(400, { error: { message: 'bad' } });
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(classifyError(err).reason).toBe('client-error');
      expect(classifyError(anthropicGenerate(400, { type: 'error', error: { type: 'invalid_request_error' } })).reason).toBe('client-error');
    });

    it('plain statusCode 404 is not retried', () => {
      expect(classifyError({ statusCode: 404 })).toEqual({ retryable: false, reason: 'client-error', status: 404 });
    });
  });

  describe('7. network failures', () => {
    it('openai / anthropic APIConnectionError and APIConnectionTimeoutError', () => {
      expect(classifyError(new OpenAI.APIConnectionError({ message: 'Connection error.' }))).toEqual({ retryable: true, reason: 'network' });
      expect(classifyError(new OpenAI.APIConnectionTimeoutError())).toEqual({ retryable: true, reason: 'network' });
      expect(classifyError(new Anthropic.APIConnectionError({ message: 'Connection error.' }))).toEqual({ retryable: true, reason: 'network' });
      expect(classifyError(new Anthropic.APIConnectionTimeoutError())).toEqual({ retryable: true, reason: 'network' });
    });

    it('APIError.generate without a status yields a retryable connection error', () => {
      const err = OpenAI.APIError.generate(undefined, new Error('ECONNRESET'), undefined, undefined);
      expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
      expect(classifyError(err).reason).toBe('network');
    });

    it.each([
      'ECONNRESET',
      'ETIMEDOUT',
      'ECONNREFUSED',
      'EPIPE',
      'EAI_AGAIN',
      'ENETUNREACH',
      'EHOSTUNREACH',
      'ECONNABORTED',
      'UND_ERR_SOCKET',
      'UND_ERR_CONNECT_TIMEOUT',
      'UND_ERR_HEADERS_TIMEOUT',
      'UND_ERR_BODY_TIMEOUT',
    ])('errno code %s', (code) => {
      expect(classifyError(Object.assign(new Error('x'), { code }))).toEqual({ retryable: true, reason: 'network' });
    });

    it('"socket hang up" and undici "fetch failed" TypeError', () => {
      expect(classifyError(new Error('socket hang up'))).toMatchObject({ retryable: true, reason: 'network' });
      expect(classifyError(new TypeError('fetch failed'))).toMatchObject({ retryable: true, reason: 'network' });
      expect(classifyError(new Error('fetch failed'))).toMatchObject({ retryable: false, reason: 'not-retryable' });
    });

    it('looks through the cause chain, bounded', () => {
      const deep = (levels: number): Error => {
        let err: Error = Object.assign(new Error('inner'), { code: 'ECONNRESET' });
        for (let i = 0; i < levels; i++) err = new Error(`wrap ${i}`, { cause: err });
        return err;
      };
      expect(classifyError(deep(1))).toMatchObject({ retryable: true, reason: 'network' });
      expect(classifyError(deep(5))).toMatchObject({ retryable: true, reason: 'network' });
      expect(classifyError(deep(6))).toMatchObject({ retryable: false, reason: 'not-retryable' });
    });

    it('survives a cyclic cause chain', () => {
      const a = new Error('a');
      const b = new Error('b', { cause: a });
      (a as Error & { cause?: unknown }).cause = b;
      expect(classifyError(a)).toEqual({ retryable: false, reason: 'not-retryable' });
    });

    it('an error with an HTTP status is not a network failure', () => {
      expect(classifyError({ status: 400, code: 'ECONNRESET' })).toMatchObject({ reason: 'client-error' });
    });
  });

  describe('8. anything else', () => {
    it('is not retried', () => {
      expect(classifyError(new Error('bug'))).toEqual({ retryable: false, reason: 'not-retryable' });
      expect(classifyError('string')).toEqual({ retryable: false, reason: 'not-retryable' });
      expect(classifyError(undefined)).toEqual({ retryable: false, reason: 'not-retryable' });
      expect(classifyError({ status: 302 })).toEqual({ retryable: false, reason: 'not-retryable', status: 302 });
    });

    it('a RetryExhaustedError wrapping a 429 is not itself retryable (causes are not mined for status)', () => {
      const inner = openAiGenerate(429, undefined);
      expect(classifyError(new RetryExhaustedError(3, 'max-retries', inner))).toMatchObject({ retryable: false, reason: 'not-retryable' });
    });
  });
});
