import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, RetryExhaustedError, configureResilience, currentCall, type AdaptiveRetryOptions } from '../../../index';
import { okBody, startScriptedServer } from '../../helpers/scripted-server';

/** A service as a user writes it: the real openai SDK with its own retries off. */
function serviceFor(baseURL: string, retry: AdaptiveRetryOptions = {}) {
  const client = new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0 });
  class ChatService {
    @AdaptiveRetry({ baseDelayMs: 20, maxDelayMs: 2000, ...retry })
    async complete(prompt: string, _options?: { signal?: AbortSignal }) {
      const completion = await client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], max_completion_tokens: 10 },
        { signal: currentCall()?.signal },
      );
      return completion.choices[0].message.content;
    }
  }
  return new ChatService();
}

beforeEach(() => configureResilience(container));

describe('@AdaptiveRetry through the real openai SDK over HTTP', () => {
  it('waits at least retry-after-ms after a 429, then succeeds', async () => {
    const server = await startScriptedServer([
      { status: 429, headers: { 'retry-after-ms': '400', 'retry-after': '1' }, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } },
      { status: 200, body: okBody('after the wait') },
    ]);
    try {
      const answer = await serviceFor(server.url).complete('hi');
      expect(answer).toBe('after the wait');
      expect(server.arrivals.length).toBe(2);
      expect(server.arrivals[1] - server.arrivals[0]).toBeGreaterThanOrEqual(400);
      // hint + jitter (≤ 100 ms) + real-time slack; below retry-after's 1 s, so retry-after-ms was the one obeyed
      expect(server.arrivals[1] - server.arrivals[0]).toBeLessThan(1000);
    } finally {
      await server.close();
    }
  });

  it('throws a 400 unchanged after one attempt', async () => {
    const server = await startScriptedServer([{ status: 400, body: { error: { message: 'bad request', type: 'invalid_request_error' } } }]);
    try {
      const error = await serviceFor(server.url).complete('hi').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(server.arrivals.length).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('ends persistent 5xx in RetryExhaustedError with the right attempts and cause', async () => {
    const server = await startScriptedServer([{ status: 502, body: { error: { message: 'bad gateway' } } }]);
    try {
      const error = await serviceFor(server.url, { maxRetries: 2 }).complete('hi').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetryExhaustedError);
      expect((error as RetryExhaustedError).attempts).toBe(3);
      expect((error as RetryExhaustedError).cause).toBeInstanceOf(OpenAI.InternalServerError);
      expect(((error as RetryExhaustedError).cause as { status: number }).status).toBe(502);
      expect(server.arrivals.length).toBe(3);
    } finally {
      await server.close();
    }
  });

  it('rejects within milliseconds when the caller aborts during a 10-second server-directed wait', async () => {
    const server = await startScriptedServer([
      { status: 429, headers: { 'retry-after': '10' }, body: { error: { message: 'slow down', code: 'rate_limit_exceeded' } } },
      { status: 200 },
    ]);
    try {
      const controller = new AbortController();
      const service = serviceFor(server.url, { maxDelayMs: 30_000 });
      const started = performance.now();
      const pending = service.complete('hi', { signal: controller.signal }).catch((e: unknown) => e);
      while (server.arrivals.length === 0) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 100)); // now in the 10 s sleep
      const abortedAt = performance.now();
      controller.abort(new Error('caller gave up'));
      const error = await pending;
      expect((error as Error).message).toBe('caller gave up');
      // ≈ 0.1 ms in practice; the bounds are far below the 10-second wait the abort cut short
      expect(performance.now() - abortedAt).toBeLessThan(1000);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(server.arrivals.length).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('fails at once on a 60-second retry-after with maxDelayMs 2000', async () => {
    const server = await startScriptedServer([{ status: 429, headers: { 'retry-after': '60' }, body: { error: { message: 'slow down' } } }]);
    try {
      const started = performance.now();
      const error = await serviceFor(server.url, { maxDelayMs: 2000 }).complete('hi').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetryExhaustedError);
      expect((error as RetryExhaustedError).reason).toBe('server-wait-exceeds-max-delay');
      expect(performance.now() - started).toBeLessThan(1500); // one round trip (≈ 20 ms); waiting maxDelayMs would take 2,000
      expect(server.arrivals.length).toBe(1);
    } finally {
      await server.close();
    }
  });
});
