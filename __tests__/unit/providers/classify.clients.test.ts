/**
 * classifyError and the wait hint on what the real clients throw: the Vercel AI SDK (ai 6 with @ai-sdk/openai
 * and @ai-sdk/anthropic), LangChain (@langchain/openai 1.5, @langchain/core 1.4), @google/genai 2.x,
 * @anthropic-ai/sdk 1.14 and openai 6. Each client is given its provider's answer in process, through its own
 * `fetch` option, so the errors are the ones it builds itself; retries are off unless the test is about them.
 */
import Anthropic, { RetryableError } from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { APICallError, RetryError, generateText, streamText } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { ChatOpenAI } from '@langchain/openai';
import { ContextOverflowError, ModelAbortError } from '@langchain/core/errors';
import { ApiError, GoogleGenAI } from '@google/genai';
import { classifyError } from '../../../src/providers/classify';
import { readHeader } from '../../../src/providers/headers';
import { serverWaitHint } from '../../../src/providers/wait-hints';
import { collect, jsonAnswer, sseAnswer, type FetchFn } from '../../helpers/sdk-fetch';

const NOW = Date.UTC(2025, 0, 15);
const OPENAI_429 = { error: { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
const geminiBody = (quotaId: string) => ({
  error: {
    code: 429,
    message: 'You exceeded your current quota.',
    status: 'RESOURCE_EXHAUSTED',
    details: [
      { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '26s' },
    ],
  },
});

/** What a promise rejects with (the test fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const aiOpenAI = (fetch: FetchFn) => createOpenAI({ apiKey: 'k', fetch }).chat('gpt-4o-mini');

describe('Vercel AI SDK', () => {
  it('APICallError: statusCode, responseHeaders (a plain record) and the wait they ask for', async () => {
    const error = await rejection(generateText({ model: aiOpenAI(jsonAnswer(429, OPENAI_429, { 'retry-after': '7' })), prompt: 'hi', maxRetries: 0 }));
    expect(APICallError.isInstance(error)).toBe(true);
    const c = classifyError(error);
    expect(c).toMatchObject({ retryable: true, reason: 'rate-limited', status: 429, body: OPENAI_429 });
    expect(c.sdkRetried).toBeUndefined();
    expect(readHeader(c.headers, 'retry-after')).toBe('7');
    expect(serverWaitHint(c.headers, c.body, NOW)).toEqual({ ms: 7000, source: 'retry-after' });
  });

  it('APICallError: the body is responseBody, not data (which a provider schema stripped of RetryInfo)', () => {
    const full = geminiBody('GenerateRequestsPerMinutePerProjectPerModel-FreeTier');
    const error = new APICallError({
      message: 'You exceeded your current quota.',
      url: 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent',
      requestBodyValues: {},
      statusCode: 429,
      responseHeaders: { 'content-type': 'application/json' },
      responseBody: JSON.stringify(full),
      data: { error: { code: 429, message: full.error.message, status: full.error.status } },
    });
    const c = classifyError(error);
    expect(c).toMatchObject({ retryable: true, reason: 'rate-limited', body: full });
    expect(serverWaitHint(c.headers, c.body, NOW)).toEqual({ ms: 26_000, source: 'retry-info' });
  });

  it('APICallError without a status that the SDK marks retryable (it could not connect) is a network failure', async () => {
    const refused: FetchFn = () => Promise.reject(new TypeError('fetch failed', { cause: new Error('getaddrinfo failure') }));
    const error = await rejection(generateText({ model: aiOpenAI(refused), prompt: 'hi', maxRetries: 0 }));
    expect(error).toMatchObject({ name: 'AI_APICallError', isRetryable: true, statusCode: undefined });
    expect(classifyError(error)).toEqual({ retryable: true, reason: 'network' });
  });

  it('APICallError 429 the provider package marks not retryable is an exhausted quota', () => {
    const error = new APICallError({ message: 'You exceeded your current quota', url: 'u', requestBodyValues: {}, statusCode: 429, isRetryable: false });
    expect(classifyError(error)).toMatchObject({ retryable: false, reason: 'quota-exhausted', status: 429 });
    const ordinary = new APICallError({ message: 'Too Many Requests', url: 'u', requestBodyValues: {}, statusCode: 429 });
    expect(classifyError(ordinary)).toMatchObject({ retryable: true, reason: 'rate-limited' });
  });

  it('RetryError after the SDK’s own retries: unwrapped to the last 429, marked sdkRetried, its wait kept', async () => {
    let requests = 0;
    const answer = jsonAnswer(429, OPENAI_429, { 'retry-after-ms': '0' });
    const counting: FetchFn = (input, init) => {
      requests++;
      return answer(input, init);
    };
    const error = await rejection(generateText({ model: aiOpenAI(counting), prompt: 'hi' })); // the SDK's default maxRetries: 2
    expect(RetryError.isInstance(error)).toBe(true);
    expect(requests).toBe(3);
    const c = classifyError(error);
    expect(c).toMatchObject({ retryable: true, reason: 'rate-limited', status: 429, sdkRetried: true });
    expect(serverWaitHint(c.headers, c.body, NOW)).toEqual({ ms: 0, source: 'retry-after-ms' });
  });

  it('RetryError: a non-retryable last error stays not retryable; an abort is an abort', () => {
    const bad = new APICallError({ message: 'Bad Request', url: 'u', requestBodyValues: {}, statusCode: 400 });
    const rate = new APICallError({ message: 'Too Many Requests', url: 'u', requestBodyValues: {}, statusCode: 429 });
    expect(classifyError(new RetryError({ message: 'x', reason: 'errorNotRetryable', errors: [rate, bad] }))).toMatchObject({
      retryable: false,
      reason: 'client-error',
      status: 400,
      sdkRetried: true,
    });
    expect(classifyError(new RetryError({ message: 'x', reason: 'abort', errors: [rate] }))).toEqual({ retryable: false, reason: 'aborted', sdkRetried: true });
    expect(classifyError(new RetryError({ message: 'x', reason: 'maxRetriesExceeded', errors: [] }))).toEqual({
      retryable: false,
      reason: 'not-retryable',
      sdkRetried: true,
    });
  });

  it('RetryError-shaped values: the last of `errors` when `lastError` is missing; nesting is bounded', () => {
    const rate = new APICallError({ message: 'Too Many Requests', url: 'u', requestBodyValues: {}, statusCode: 429 });
    expect(classifyError({ name: 'AI_RetryError', errors: [new Error('x'), rate] })).toMatchObject({ reason: 'rate-limited', sdkRetried: true });
    let nested: unknown = rate;
    for (let i = 0; i < 3; i++) nested = new RetryError({ message: 'x', reason: 'maxRetriesExceeded', errors: [nested] });
    expect(classifyError(nested)).toMatchObject({ reason: 'rate-limited', sdkRetried: true });
    nested = new RetryError({ message: 'x', reason: 'maxRetriesExceeded', errors: [nested] });
    expect(classifyError(nested)).toMatchObject({ retryable: false, reason: 'not-retryable', sdkRetried: true });
  });

  it('RetryError-shaped hostile values never throw', () => {
    const revoked = Proxy.revocable([], {});
    revoked.revoke();
    const throwing = new Proxy([], {
      get() {
        throw new Error('boom');
      },
    });
    for (const errors of [revoked.proxy, throwing, 'x', null]) {
      expect(classifyError({ name: 'AI_RetryError', errors })).toEqual({ retryable: false, reason: 'not-retryable', sdkRetried: true });
    }
  });

  describe('@ai-sdk/anthropic: an overloaded_error event in the stream', () => {
    const MESSAGE_START = {
      event: 'message_start',
      data: { type: 'message_start', message: { id: 'm', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } },
    };
    const ERROR = { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } };
    const errorPart = async (events: Array<{ event: string; data: unknown }>): Promise<unknown> => {
      const result = streamText({ model: createAnthropic({ apiKey: 'k', fetch: sseAnswer(events) })('claude-sonnet-4-6'), prompt: 'hi', maxRetries: 0, onError: () => undefined });
      const parts = await collect(result.fullStream);
      const part = parts.find((p) => p.type === 'error');
      return part?.type === 'error' ? part.error : undefined;
    };

    it('as the first event: the package throws an APICallError with status 529', async () => {
      const error = await errorPart([ERROR]);
      expect(APICallError.isInstance(error)).toBe(true);
      expect(classifyError(error)).toMatchObject({ retryable: true, reason: 'overloaded', status: 529 });
    });

    it('after message_start: the error part holds the raw { type: "overloaded_error" } object', async () => {
      const error = await errorPart([MESSAGE_START, ERROR]);
      expect(error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
      expect(classifyError(error)).toEqual({ retryable: true, reason: 'overloaded' });
    });
  });
});

describe('LangChain', () => {
  const chat = (fetch: FetchFn) => new ChatOpenAI({ apiKey: 'k', model: 'gpt-4o-mini', maxRetries: 0, configuration: { fetch } });

  it('TimeoutError (its wrapper of openai’s connection timeout, with no cause) is retried as a network failure', async () => {
    const timedOut: FetchFn = () => Promise.reject(new TypeError('fetch failed', { cause: new Error('Connect Timeout Error') }));
    const error = await rejection(chat(timedOut).invoke('hi'));
    expect(error).toMatchObject({ name: 'TimeoutError', message: 'Request timed out.' });
    expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(classifyError(error)).toEqual({ retryable: true, reason: 'network' });
  });

  it('a timeout found through the wrapping chain: cause, or an Error held in `error`', () => {
    const timeout = Object.assign(new Error('Request timed out.'), { name: 'TimeoutError' });
    expect(classifyError(new Error('chain failed', { cause: timeout }))).toMatchObject({ retryable: true, reason: 'network' });
    expect(classifyError({ message: 'tool failed', error: timeout })).toMatchObject({ retryable: true, reason: 'network' });
    // a body object under `error` is not followed
    expect(classifyError({ message: 'x', error: { name: 'TimeoutError' } })).toMatchObject({ retryable: false, reason: 'not-retryable' });
  });

  it('a Runnable timeout / AbortSignal.timeout() DOMException named TimeoutError is retried', () => {
    expect(classifyError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toEqual({ retryable: true, reason: 'network' });
  });

  it('a 429 keeps its status and headers through LangChain', async () => {
    const error = await rejection(chat(jsonAnswer(429, OPENAI_429, { 'retry-after': '3' })).invoke('hi'));
    expect(error).toMatchObject({ status: 429, lc_error_code: 'MODEL_RATE_LIMIT' });
    const c = classifyError(error);
    expect(c).toMatchObject({ retryable: true, reason: 'rate-limited', status: 429 });
    expect(serverWaitHint(c.headers, c.body, NOW)).toEqual({ ms: 3000, source: 'retry-after' });
  });

  it('ModelAbortError is an abort; ContextOverflowError is not retried', () => {
    expect(classifyError(new ModelAbortError('aborted'))).toEqual({ retryable: false, reason: 'aborted' });
    const overflow = ContextOverflowError.fromError(new Error("This model's maximum context length is 128000 tokens"));
    expect(classifyError(overflow).retryable).toBe(false);
  });
});

describe('@google/genai', () => {
  const gemini = (fetch: FetchFn) => new GoogleGenAI({ apiKey: 'k', httpOptions: { fetch } }).models;

  it('ApiError: status, the JSON body in the message, RetryInfo as the wait; response headers are not reachable', async () => {
    const body = geminiBody('GenerateRequestsPerMinutePerProjectPerModel-FreeTier');
    const error = await rejection(gemini(jsonAnswer(429, body, { 'retry-after': '9' })).generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }));
    expect(error).toBeInstanceOf(ApiError);
    expect(Object.keys(error as object).sort()).toEqual(['name', 'status']);
    const c = classifyError(error);
    expect(c).toMatchObject({ retryable: true, reason: 'rate-limited', status: 429, body });
    expect(c.headers).toBeUndefined();
    expect(serverWaitHint(c.headers, c.body, NOW)).toEqual({ ms: 26_000, source: 'retry-info' });
  });

  it('ApiError: a per-day quota is exhausted', async () => {
    const body = geminiBody('GenerateRequestsPerDayPerProjectPerModel-FreeTier');
    const error = await rejection(gemini(jsonAnswer(429, body)).generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }));
    expect(classifyError(error)).toMatchObject({ retryable: false, reason: 'quota-exhausted', status: 429 });
  });

  it('ApiError from an error chunk in a stream ("got status: UNAVAILABLE. {...}")', async () => {
    const body = { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } };
    const stream = await gemini(sseAnswer([{ data: body }])).generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' });
    const error = await rejection(collect(stream));
    expect(error).toBeInstanceOf(ApiError);
    expect((error as Error).message).toMatch(/^got status: UNAVAILABLE\. \{/);
    expect(classifyError(error)).toMatchObject({ retryable: true, reason: 'server-error', status: 503, body });
  });
});

describe('@anthropic-ai/sdk 1.14', () => {
  const anthropic = (fetch: FetchFn) => new Anthropic({ apiKey: 'k', maxRetries: 0, fetch });
  const params = { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };
  const OVERLOADED = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };

  it('a 529 is an OverloadedError, retried as overloaded', async () => {
    const error = await rejection(anthropic(jsonAnswer(529, OVERLOADED, { 'retry-after': '2' })).messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
    expect(error).toMatchObject({ name: 'OverloadedError', status: 529, type: 'overloaded_error' });
    const c = classifyError(error);
    expect(c).toMatchObject({ retryable: true, reason: 'overloaded', status: 529 });
    expect(serverWaitHint(c.headers, c.body, NOW)).toEqual({ ms: 2000, source: 'retry-after' });
  });

  it('an overloaded_error event inside a 200 stream (an APIError without status) is retried as overloaded', async () => {
    const stream = await anthropic(sseAnswer([{ event: 'error', data: OVERLOADED }])).messages.create({ ...params, stream: true });
    const error = await rejection(collect(stream));
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBeUndefined();
    expect(classifyError(error)).toMatchObject({ retryable: true, reason: 'overloaded', body: OVERLOADED });
  });

  it('other in-stream error types: rate limit, api error, timeout, conflict, invalid request', () => {
    // as the SDK's stream builds it: no status, `type` taken from the body's error
    const inStream = (type: string) => new Anthropic.APIError(undefined, { type: 'error', error: { type, message: 'm' } }, undefined, new Headers());
    expect(classifyError(inStream('rate_limit_error'))).toMatchObject({ retryable: true, reason: 'rate-limited' });
    expect(classifyError(inStream('api_error'))).toMatchObject({ retryable: true, reason: 'server-error' });
    expect(classifyError(inStream('timeout_error'))).toMatchObject({ retryable: true, reason: 'request-timeout' });
    expect(classifyError(inStream('conflict_error'))).toMatchObject({ retryable: true, reason: 'conflict' });
    expect(classifyError(inStream('invalid_request_error'))).toMatchObject({ retryable: false, reason: 'client-error' });
    expect(classifyError(inStream('something_new'))).toMatchObject({ retryable: false, reason: 'not-retryable' });
  });

  it('RetryableError (the SDK’s opt-in to its connection retries) is retried', () => {
    expect(classifyError(new RetryableError('try again'))).toEqual({ retryable: true, reason: 'network' });
  });

  it('a connection cut mid-stream (undici "terminated" TypeError) is a network failure', () => {
    expect(classifyError(new TypeError('terminated'))).toEqual({ retryable: true, reason: 'network' });
    expect(classifyError(new TypeError('Failed to fetch'))).toEqual({ retryable: true, reason: 'network' });
    expect(classifyError(Object.assign(new Error('x'), { code: 'ConnectionClosed' }))).toEqual({ retryable: true, reason: 'network' });
  });
});

describe('openai 6: errors inside a 200 stream', () => {
  const stream = async (data: unknown) => {
    const client = new OpenAI({ apiKey: 'k', maxRetries: 0, fetch: sseAnswer([{ data }]) });
    return client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
  };

  it('a server_error chunk is retried as a server error; rate_limit_exceeded as rate-limited; insufficient_quota is not', async () => {
    const server = await rejection(collect(await stream({ error: { message: 'The server had an error', type: 'server_error', param: null, code: null } })));
    expect(server).toBeInstanceOf(OpenAI.APIError);
    expect((server as InstanceType<typeof OpenAI.APIError>).status).toBeUndefined();
    expect(classifyError(server)).toMatchObject({ retryable: true, reason: 'server-error' });
    const rate = await rejection(collect(await stream({ error: { message: 'Rate limit', type: 'requests', param: null, code: 'rate_limit_exceeded' } })));
    expect(classifyError(rate)).toMatchObject({ retryable: true, reason: 'rate-limited' });
    const quota = await rejection(collect(await stream({ error: { message: 'quota', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } })));
    expect(classifyError(quota)).toMatchObject({ retryable: false, reason: 'quota-exhausted' });
  });

  it('the Responses API error event and response.failed error, as the stream reader hands them over', () => {
    expect(classifyError({ type: 'error', code: 'server_error', message: 'x', param: null, sequence_number: 3 })).toMatchObject({ retryable: true, reason: 'server-error' });
    expect(classifyError({ code: 'rate_limit_exceeded', message: 'x' })).toMatchObject({ retryable: true, reason: 'rate-limited' });
    expect(classifyError({ code: 'invalid_prompt', message: 'x' })).toMatchObject({ retryable: false, reason: 'client-error' });
  });
});
