import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { classifyError } from '../../../src/providers/classify';
import { readHeader } from '../../../src/providers/headers';
import { serverWaitHint } from '../../../src/providers/wait-hints';

const INSUFFICIENT_QUOTA_BODY = {
  error: {
    message: 'You exceeded your current quota, please check your plan and billing details.',
    type: 'insufficient_quota',
    param: null,
    code: 'insufficient_quota',
  },
};

describe('classifyError against real SDK clients and a local server', () => {
  let server: Server;
  let baseURL: string;
  let respond: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => respond(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const openai = () => new OpenAI({ apiKey: 'test', baseURL: `${baseURL}/v1`, maxRetries: 0 });
  const anthropic = () => new Anthropic({ apiKey: 'test', baseURL, maxRetries: 0 });
  const reply = (status: number, headers: Record<string, string | string[]>, body: unknown) => {
    respond = (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
  };
  const caught = async (promise: Promise<unknown>): Promise<unknown> => {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('expected a rejection');
  };

  it('openai 429 with rate-limit headers: retryable with the server hint', async () => {
    reply(
      429,
      {
        'retry-after': '1',
        'retry-after-ms': '600',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '2s',
      },
      { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
    );
    const err = await caught(openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const c = classifyError(err);
    expect(c).toMatchObject({ retryable: true, reason: 'rate-limited', status: 429 });
    expect(c.body).toEqual({ message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' });
    expect(serverWaitHint(c.headers, c.body, Date.now())).toEqual({ ms: 600, source: 'retry-after-ms' });
  });

  it('openai 429 insufficient_quota: not retryable', async () => {
    reply(429, { 'retry-after': '1' }, INSUFFICIENT_QUOTA_BODY);
    const err = await caught(openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    expect(classifyError(err)).toMatchObject({ retryable: false, reason: 'quota-exhausted', status: 429 });
  });

  it('anthropic 529 overloaded: retryable overloaded; duplicated retry-after is joined by fetch', async () => {
    reply(529, { 'retry-after': ['3', '5'] }, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const err = await caught(
      anthropic().messages.create({ model: 'claude-test-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    const c = classifyError(err);
    expect(c).toMatchObject({ retryable: true, reason: 'overloaded', status: 529 });
    expect(readHeader(c.headers, 'retry-after')).toBe('3, 5');
    expect(serverWaitHint(c.headers, c.body, Date.now())).toEqual({ ms: 3000, source: 'retry-after' });
  });

  it('anthropic x-should-retry: false on a 500 is honored', async () => {
    reply(500, { 'x-should-retry': 'false' }, { type: 'error', error: { type: 'api_error', message: 'boom' } });
    const err = await caught(
      anthropic().messages.create({ model: 'claude-test-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(classifyError(err)).toMatchObject({ retryable: false, reason: 'should-retry-header', status: 500 });
  });

  it('openai connection refused: retryable network error (APIConnectionError with a cause chain)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new OpenAI({ apiKey: 'test', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
    const err = await caught(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(classifyError(err)).toEqual({ retryable: true, reason: 'network' });
  });

  it('openai user abort: not retryable', async () => {
    respond = () => undefined; // never answers
    const controller = new AbortController();
    const pending = openai().chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 20);
    const err = await caught(pending);
    expect(err).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(classifyError(err)).toEqual({ retryable: false, reason: 'aborted' });
  });
});
