import OpenAI from 'openai';
import {
  startEmulator,
  type EmulatorAdmission,
  type EmulatorHandle,
  type EmulatorOptions,
} from '../../../src/testing/emulator';
import { seededRandom } from '../../../src/testing/seeded-random';

const GO_DURATION = /^(?:\d+h)?(?:\d+m)?(?:\d+(?:\.\d+)?(?:s|ms))$/;

/** Parses the Go durations the emulator emits (h, m, s, ms units). */
function parseGoDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
  let ms = 0;
  for (const match of text.matchAll(re)) {
    const value = Number(match[1]);
    ms += value * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[match[2] as 'h' | 'm' | 's' | 'ms'];
  }
  return ms;
}

/** Polls `condition` (no fixed sleep) until true or the deadline passes. */
async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Asserts that over every window [a_i, a_j] the admitted cost stays within rate * W + capacity. */
function expectWithinBucket(
  admissions: readonly EmulatorAdmission[],
  cost: (a: EmulatorAdmission) => number,
  perMinute: number,
  capacity: number,
): void {
  let worstExcess = -Infinity;
  for (let i = 0; i < admissions.length; i++) {
    let sum = 0;
    for (let j = i; j < admissions.length; j++) {
      sum += cost(admissions[j]);
      const allowed = (perMinute * (admissions[j].at - admissions[i].at)) / 60_000 + capacity;
      worstExcess = Math.max(worstExcess, sum - allowed);
    }
  }
  expect(worstExcess).toBeLessThanOrEqual(1e-6);
}

const lengthTokens = (text: string): number => text.length;

describe('provider emulator', () => {
  const open: EmulatorHandle[] = [];
  async function start(options: EmulatorOptions = {}): Promise<{ emulator: EmulatorHandle; client: OpenAI }> {
    const emulator = await startEmulator({ latencyMs: 0, countTokens: lengthTokens, ...options });
    open.push(emulator);
    return { emulator, client: new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 }) };
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()));
  });

  // The legacy `max_tokens` on purpose: the emulator charges it as it does `max_completion_tokens` (the dialect tests use that one).
  const ask = (client: OpenAI, model = 'gpt-4o-mini', maxTokens = 20, content = 'hello') =>
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- see above
    client.chat.completions.create({ model, messages: [{ role: 'user', content }], max_tokens: maxTokens });

  async function settle<T>(promises: Array<Promise<T>>): Promise<{ ok: T[]; errors: unknown[] }> {
    const results = await Promise.allSettled(promises);
    return {
      ok: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
      errors: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
    };
  }

  describe('works with the real openai SDK', () => {
    it('returns a chat.completion with content and usage, and x-ratelimit headers', async () => {
      const { emulator, client } = await start({ latencyMs: [5, 10], sliceMs: 0 });
      const completion = await ask(client);
      expect(completion.object).toBe('chat.completion');
      expect(completion.model).toBe('gpt-4o-mini');
      expect(completion.choices[0].message.role).toBe('assistant');
      expect(completion.choices[0].message.content!.length).toBeGreaterThan(0);
      expect(completion.choices[0].finish_reason).toBe('stop');
      // 'hello' = 5 (length counter) + 3 per message + 3 per request.
      expect(completion.usage!.prompt_tokens).toBe(11);
      expect(completion.usage!.completion_tokens).toBeGreaterThanOrEqual(1);
      expect(completion.usage!.completion_tokens).toBeLessThanOrEqual(20);
      expect(completion.usage!.total_tokens).toBe(11 + completion.usage!.completion_tokens);

      const { data, response } = await ask(client).withResponse();
      expect(data.usage!.prompt_tokens).toBe(11);
      const h = response.headers;
      expect(h.get('x-ratelimit-limit-requests')).toBe('500');
      expect(h.get('x-ratelimit-limit-tokens')).toBe('30000');
      // 498 after two requests, plus whatever refilled since (500/min = 1 per 120 ms).
      expect(['498', '499']).toContain(h.get('x-ratelimit-remaining-requests'));
      const remainingTokens = Number(h.get('x-ratelimit-remaining-tokens'));
      // Two requests charged 31 each, unused completion refunded.
      expect(remainingTokens).toBeGreaterThanOrEqual(30000 - 62);
      expect(remainingTokens).toBeLessThan(30000);
      expect(h.get('x-ratelimit-reset-requests')).toMatch(GO_DURATION);
      expect(h.get('x-ratelimit-reset-tokens')).toMatch(GO_DURATION);
      // 2 requests out of 500/min: the requests bucket is full again within 240 ms.
      expect(parseGoDuration(h.get('x-ratelimit-reset-requests')!)).toBeGreaterThan(0);
      expect(parseGoDuration(h.get('x-ratelimit-reset-requests')!)).toBeLessThanOrEqual(240);
      expect(h.get('x-request-id')).toMatch(/^req_/);

      const c = emulator.counters();
      expect(c).toMatchObject({ requests: 2, succeeded: 2, rateLimited: 0, serverErrors: 0, dropped: 0 });
      expect(c.promptTokens).toBe(22);
      expect(c.completionTokens).toBe(
        completion.usage!.completion_tokens + data.usage!.completion_tokens,
      );
      expect(c.perModel).toEqual({ 'gpt-4o-mini': { requests: 2, succeeded: 2, rateLimited: 0 } });
    });

    it('counts array content parts and defaults the completion budget to 16', async () => {
      const { client, emulator } = await start({ sliceMs: 0, random: () => 0.999999 });
      const { data, response } = await client.chat.completions
        .create({
          model: 'm',
          messages: [
            { role: 'system', content: 'abc' },
            { role: 'user', content: [{ type: 'text', text: 'hello' }, { type: 'text', text: 'xy' }] },
          ],
        })
        .withResponse();
      expect(data.usage!.prompt_tokens).toBe(3 + 5 + 2 + 2 * 3 + 3);
      expect(data.usage!.completion_tokens).toBe(16);
      // Charged 19 + 16 up front, nothing to refund.
      expect(Number(response.headers.get('x-ratelimit-remaining-tokens'))).toBe(30000 - 35);
      expect(emulator.admissions('m')).toEqual([{ at: expect.any(Number), tokens: 35 }]);
    });

    it('streams chunks with usage', async () => {
      const { client } = await start();
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        max_completion_tokens: 8,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text.length).toBeGreaterThan(0);
      expect(usage?.prompt_tokens).toBe(8);
    });

    it('is deterministic with a seeded random source', async () => {
      const run = async (): Promise<number[]> => {
        const { client } = await start({ random: seededRandom(42), latencyMs: [1, 3] });
        const out: number[] = [];
        for (let i = 0; i < 5; i++) out.push((await ask(client, 'm', 100)).usage!.completion_tokens);
        return out;
      };
      const a = await run();
      const b = await run();
      expect(a).toEqual(b);
      expect(new Set(a).size).toBeGreaterThan(1);
    });
  });

  describe('rate limiting', () => {
    it('answers a burst beyond the slice with 429 RateLimitError, retry hints and exact counters', async () => {
      // 600 RPM with a 1 s slice: burst capacity 10, refill 1 per 100 ms.
      const { emulator, client } = await start({ requestsPerMinute: 600, tokensPerMinute: 1_000_000 });
      const started = performance.now();
      const { ok, errors } = await settle(Array.from({ length: 25 }, () => ask(client)));
      const elapsed = performance.now() - started;

      expect(ok.length).toBeGreaterThanOrEqual(10);
      expect(ok.length).toBeLessThanOrEqual(10 + Math.ceil(elapsed / 100));
      expect(errors.length).toBe(25 - ok.length);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(error).toBeInstanceOf(OpenAI.RateLimitError);
        const e = error as InstanceType<typeof OpenAI.RateLimitError>;
        expect(e.status).toBe(429);
        expect(e.code).toBe('rate_limit_exceeded');
        expect(e.type).toBe('requests');
        expect(e.message).toContain('requests per min (RPM)');
        const retryAfterMs = Number(e.headers.get('retry-after-ms'));
        expect(retryAfterMs).toBeGreaterThan(0);
        expect(retryAfterMs).toBeLessThanOrEqual(100);
        expect(e.headers.get('retry-after')).toBe(String(Math.ceil(retryAfterMs / 1000)));
        expect(e.headers.get('x-ratelimit-reset-requests')).toMatch(GO_DURATION);
        expect(e.headers.get('x-ratelimit-reset-tokens')).toMatch(GO_DURATION);
        expect(e.headers.get('x-ratelimit-limit-requests')).toBe('600');
        // The minute bucket still has room: slicing refused the burst.
        expect(Number(e.headers.get('x-ratelimit-remaining-requests'))).toBeGreaterThan(500);
      }
      const c = emulator.counters();
      expect(c.requests).toBe(25);
      expect(c.succeeded).toBe(ok.length);
      expect(c.rateLimited).toBe(errors.length);
      expect(c.requests).toBe(c.succeeded + c.rateLimited);
      expect(c.serverErrors + c.dropped + c.badRequests + c.aborted).toBe(0);
      expect(c.perModel['gpt-4o-mini']).toEqual({ requests: 25, succeeded: ok.length, rateLimited: errors.length });
      expect(c.maxConcurrent).toBeGreaterThanOrEqual(1);
      expect(emulator.admissions()).toHaveLength(ok.length);
      expectWithinBucket(emulator.admissions(), () => 1, 600, 10);

      emulator.resetCounters();
      expect(emulator.counters()).toMatchObject({ requests: 0, succeeded: 0, rateLimited: 0 });
      expect(emulator.admissions()).toHaveLength(0);
    });

    it('keeps every window of admissions within rate * W + slice capacity under sustained load', async () => {
      // Each request costs 'hello' 11 + max_tokens 20 = 31 tokens. TPM = 31 * 600 makes tokens
      // bind at 10 req/s (slice capacity 310 tokens = 10 requests); RPM 900 allows 15 req/s.
      const rpm = 900;
      const tpm = 31 * 600;
      const { emulator, client } = await start({
        requestsPerMinute: rpm,
        tokensPerMinute: tpm,
        refundUnused: false,
        latencyMs: [2, 6],
      });
      const target = 30;
      let admitted = 0;
      const kinds = new Set<string>();
      const jitter = seededRandom(7);
      const worker = async (): Promise<void> => {
        while (admitted < target) {
          try {
            await ask(client);
            admitted++;
          } catch (error) {
            if (!(error instanceof OpenAI.RateLimitError)) throw error;
            kinds.add(String(error.type));
            const wait = Number(error.headers.get('retry-after-ms')) + jitter() * 20;
            await new Promise((resolve) => setTimeout(resolve, wait));
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));

      const admissions = emulator.admissions('gpt-4o-mini');
      expect(admissions.length).toBeGreaterThanOrEqual(target);
      expect(admissions.every((a) => a.tokens === 31)).toBe(true);
      expectWithinBucket(admissions, () => 1, rpm, (rpm * 1000) / 60_000);
      expectWithinBucket(admissions, (a) => a.tokens, tpm, (tpm * 1000) / 60_000);
      expect(kinds.has('tokens')).toBe(true);
      const c = emulator.counters();
      expect(c.requests).toBe(c.succeeded + c.rateLimited);
    });

    it('enforces the minute bucket alone when sliceMs is 0', async () => {
      const { emulator, client } = await start({ requestsPerMinute: 30, sliceMs: 0 });
      const { ok, errors } = await settle(Array.from({ length: 31 }, () => ask(client)));
      expect(ok).toHaveLength(30);
      expect(errors).toHaveLength(1);
      const e = errors[0] as InstanceType<typeof OpenAI.RateLimitError>;
      expect(e.status).toBe(429);
      const retryAfterMs = Number(e.headers.get('retry-after-ms'));
      // One request refills every 2 s.
      expect(retryAfterMs).toBeGreaterThan(1000);
      expect(retryAfterMs).toBeLessThanOrEqual(2000);
      expect(e.headers.get('retry-after')).toBe('2');
      expect(e.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      const reset = parseGoDuration(e.headers.get('x-ratelimit-reset-requests')!);
      expect(reset).toBeGreaterThan(55_000);
      expect(reset).toBeLessThanOrEqual(60_000);
      expect(emulator.counters()).toMatchObject({ requests: 31, succeeded: 30, rateLimited: 1 });
    });

    it('refuses the second large request on the token limit (type "tokens")', async () => {
      const { emulator, client } = await start({ tokensPerMinute: 1000, sliceMs: 0, refundUnused: false });
      const content = 'x'.repeat(100); // 100 + 3 + 3 = 106 prompt tokens, + 500 = 606 charged
      const first = await ask(client, 'gpt-4o-mini', 500, content);
      expect(first.usage!.prompt_tokens).toBe(106);
      const error = await ask(client, 'gpt-4o-mini', 500, content).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const e = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(e.type).toBe('tokens');
      expect(e.code).toBe('rate_limit_exceeded');
      expect(e.message).toContain('tokens per min (TPM)');
      expect(e.message).toContain('Requested 606');
      // 212 tokens missing at 1000/60000 per ms: ~12.7 s.
      const retryAfterMs = Number(e.headers.get('retry-after-ms'));
      expect(retryAfterMs).toBeGreaterThan(12_000);
      expect(retryAfterMs).toBeLessThanOrEqual(12_720);
      expect(e.headers.get('retry-after')).toBe('13');
      expect(Number(e.headers.get('x-ratelimit-remaining-tokens'))).toBe(394);
      expect(emulator.counters()).toMatchObject({ succeeded: 1, rateLimited: 1 });
    });

    it('refunds unused completion tokens so the second request fits', async () => {
      // random 0 → completion_tokens = 1, refund 499.
      const { client } = await start({ tokensPerMinute: 1000, sliceMs: 0, random: () => 0 });
      const content = 'x'.repeat(100);
      const { data, response } = await ask(client, 'gpt-4o-mini', 500, content).withResponse();
      expect(data.usage!.completion_tokens).toBe(1);
      const remaining = Number(response.headers.get('x-ratelimit-remaining-tokens'));
      expect(remaining).toBeGreaterThanOrEqual(1000 - 106 - 1);
      expect(remaining).toBeLessThan(1000 - 100);
      await expect(ask(client, 'gpt-4o-mini', 500, content)).resolves.toBeDefined();
    });

    it('answers a request larger than the minute token limit with a non-hinted 429', async () => {
      const { client } = await start({ tokensPerMinute: 1000 });
      const error = await ask(client, 'gpt-4o-mini', 2000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const e = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(e.type).toBe('tokens');
      expect(e.message).toContain('Request too large');
      expect(e.headers.get('retry-after')).toBeNull();
      expect(e.headers.get('retry-after-ms')).toBeNull();
      expect(e.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
    });

    it('keeps per-model quotas independent', async () => {
      const { emulator, client } = await start({
        sliceMs: 0,
        requestsPerMinute: 100,
        models: { small: { requestsPerMinute: 2, tokensPerMinute: 10_000 }, big: { requestsPerMinute: 5, tokensPerMinute: 10_000 } },
      });
      await ask(client, 'small');
      await ask(client, 'small');
      await expect(ask(client, 'small')).rejects.toBeInstanceOf(OpenAI.RateLimitError);
      const { response } = await ask(client, 'big').withResponse();
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('5');
      expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('4');
      const other = await ask(client, 'other').withResponse();
      expect(other.response.headers.get('x-ratelimit-limit-requests')).toBe('100');
      await expect(ask(client, 'small')).rejects.toBeInstanceOf(OpenAI.RateLimitError);
      expect(emulator.counters().perModel).toEqual({
        small: { requests: 4, succeeded: 2, rateLimited: 2 },
        big: { requests: 1, succeeded: 1, rateLimited: 0 },
        other: { requests: 1, succeeded: 1, rateLimited: 0 },
      });
      expect(emulator.admissions('small')).toHaveLength(2);
      expect(emulator.admissions()).toHaveLength(4);
    });

    it('answers insufficient_quota 429s while the switch is on, without consuming quota', async () => {
      const { emulator, client } = await start({ insufficientQuota: true, sliceMs: 0 });
      const error = await ask(client).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('insufficient_quota');
      emulator.setInsufficientQuota(false);
      const { response } = await ask(client).withResponse();
      expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('499');
    });
  });

  describe('faults', () => {
    it('injects 500, 529, 503 and dropped connections, consuming quota', async () => {
      const { emulator, client } = await start({ sliceMs: 0, requestsPerMinute: 100, faults: { serverError: 1 } });
      const e500 = await ask(client).catch((e: unknown) => e);
      expect(e500).toBeInstanceOf(OpenAI.InternalServerError);
      expect((e500 as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
      expect((e500 as InstanceType<typeof OpenAI.APIError>).type).toBe('server_error');

      emulator.setFaults({ overloaded: 1 });
      const e529 = await ask(client).catch((e: unknown) => e);
      expect(e529).toBeInstanceOf(OpenAI.APIError);
      expect((e529 as InstanceType<typeof OpenAI.APIError>).status).toBe(529);
      // The SDK exposes the body's `error` member: Anthropic's overloaded_error shape.
      expect((e529 as InstanceType<typeof OpenAI.APIError>).error).toEqual({
        type: 'overloaded_error',
        message: 'Overloaded',
      });

      emulator.setFaults({ unavailable: 1 });
      const e503 = await ask(client).catch((e: unknown) => e);
      expect((e503 as InstanceType<typeof OpenAI.APIError>).status).toBe(503);

      emulator.setFaults({ drop: 1 });
      const dropped = await ask(client).catch((e: unknown) => e);
      expect(dropped).toBeInstanceOf(OpenAI.APIConnectionError);

      emulator.setFaults(undefined);
      const { response } = await ask(client).withResponse();
      // Four faulted requests + this one consumed quota.
      expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('95');
      expect(emulator.counters()).toMatchObject({
        requests: 5,
        succeeded: 1,
        serverErrors: 3,
        dropped: 1,
        rateLimited: 0,
      });
      expect(emulator.admissions()).toHaveLength(5);
    });

    it('injects faults at the configured rate', async () => {
      const { emulator, client } = await start({
        requestsPerMinute: 100_000,
        tokensPerMinute: 100_000_000,
        random: seededRandom(1),
        faults: { serverError: 0.3 },
      });
      // 16 workers x 10 sequential calls: 160 draws at p = 0.3 (mean 48, sd 5.8).
      const outcomes = await Promise.all(
        Array.from({ length: 16 }, async () => {
          const mine: unknown[] = [];
          for (let i = 0; i < 10; i++) mine.push(await ask(client).catch((e: unknown) => e));
          return mine;
        }),
      );
      const errors = outcomes.flat().filter((o) => o instanceof Error);
      expect(errors.filter((e) => !(e instanceof OpenAI.InternalServerError))).toEqual([]);
      expect(errors.length).toBeGreaterThan(25);
      expect(errors.length).toBeLessThan(72);
      expect(emulator.counters()).toMatchObject({
        requests: 160,
        succeeded: 160 - errors.length,
        serverErrors: errors.length,
      });
      expect(emulator.counters().maxConcurrent).toBeLessThanOrEqual(16);
    });

    it('answers 503 to everything during an outage', async () => {
      const { emulator, client } = await start();
      emulator.setOutage(true);
      const error = await ask(client).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      emulator.setOutage(false);
      await expect(ask(client)).resolves.toBeDefined();
      expect(emulator.counters()).toMatchObject({ requests: 2, succeeded: 1, serverErrors: 1 });
    });
  });

  describe('HTTP surface', () => {
    it('serves /v1/models, /health, 404 and 400 as JSON', async () => {
      const { emulator } = await start({ models: { a: { requestsPerMinute: 1, tokensPerMinute: 100 } } });
      const base = `http://127.0.0.1:${emulator.port}`;
      const models = await fetch(`${emulator.url}/models`);
      expect(models.status).toBe(200);
      expect(await models.json()).toMatchObject({ object: 'list', data: [{ id: 'a', object: 'model' }] });
      const health = await fetch(`${base}/health`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const missing = await fetch(`${base}/v1/nope`, { method: 'POST', body: '{}' });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error' } });

      const chat = `${emulator.url}/chat/completions`;
      const badJson = await fetch(chat, { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
      expect(badJson.status).toBe(400);
      expect(await badJson.json()).toMatchObject({ error: { type: 'invalid_request_error', param: null } });
      const noMessages = await fetch(chat, { method: 'POST', body: JSON.stringify({ model: 'a' }) });
      expect(noMessages.status).toBe(400);
      expect(await noMessages.json()).toMatchObject({ error: { param: 'messages' } });
      const badMax = await fetch(chat, {
        method: 'POST',
        body: JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }),
      });
      expect(badMax.status).toBe(400);
      expect(emulator.counters()).toMatchObject({ requests: 3, badRequests: 3, succeeded: 0 });
    });

    it('close() cancels pending responses and leaves nothing behind', async () => {
      const emulator = await startEmulator({ latencyMs: 60_000 });
      const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
      const pending = ask(client).catch((e: unknown) => e);
      await waitFor(() => emulator.counters().requests === 1);
      const started = performance.now();
      await emulator.close();
      await emulator.close(); // idempotent
      expect(performance.now() - started).toBeLessThan(1000);
      expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
      await expect(fetch(`${emulator.url}/models`)).rejects.toThrow();
    });

    it('rejects invalid options', async () => {
      await expect(startEmulator({ requestsPerMinute: 0 })).rejects.toThrow(RangeError);
      await expect(startEmulator({ latencyMs: [10, 5] })).rejects.toThrow(RangeError);
      await expect(startEmulator({ faults: { drop: 2 } })).rejects.toThrow(RangeError);
    });
  });
});
