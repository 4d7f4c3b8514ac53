import 'reflect-metadata';
import { container } from 'tsyringe';
import {
  AdaptiveRetry,
  AttemptTimeoutError,
  MemoryStore,
  RateLimited,
  StreamInterruptedError,
  TokenBudget,
  configureResilience,
  currentCall,
  type LimitSpec,
  type StreamEndEvent,
} from '../../../index';
import { FakeClock, flushPromises } from '../../../src/testing/fake-clock';

let clock: FakeClock;
let store: MemoryStore;
let ends: StreamEndEvent[];
beforeEach(() => {
  clock = new FakeClock();
  store = new MemoryStore();
  ends = [];
  configureResilience(container, { clock, random: () => 0, store }).events.onStreamEnd((e) => ends.push(e));
});
afterEach(() => expect(clock.pendingTimers).toBe(0));
afterAll(() => configureResilience(container));

interface Chunk { object: 'chat.completion.chunk'; choices: Array<{ index: number; delta: { role?: string; content?: string } }>; usage?: object }
const role = (): Chunk => ({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] });
const text = (content: string): Chunk => ({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] });
const usage = (prompt: number, completion: number): Chunk => ({
  object: 'chat.completion.chunk',
  choices: [],
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
});
const http = (status: number, headers: Record<string, string> = {}): Error => Object.assign(new Error(`status ${status}`), { status, headers });

/** Never settles unless `signal` aborts (then rejects, as an SDK's fetch does). */
function stall(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => signal?.addEventListener('abort', () => { reject(signal.reason as Error); }, { once: true }));
}

const SPEC: LimitSpec = { key: 'stream', requestsPerMinute: 6000, requestBurst: 100, tokensPerMinute: 600_000, tokenBurst: 600_000, tokensPerDay: undefined, learnRequests: false, learnTokens: false };

/** Reads a stream to its end on the fake clock; returns the chunks and the error that ended it, if any. */
async function drain(stream: AsyncIterable<Chunk>, tick = 10): Promise<{ chunks: Chunk[]; error: unknown }> {
  const chunks: Chunk[] = [];
  let error: unknown;
  let done = false;
  const reading = (async () => {
    try {
      for await (const chunk of stream) chunks.push(chunk);
    } catch (e) {
      error = e;
    } finally {
      done = true;
    }
  })();
  for (let i = 0; !done; i++) {
    if (i > 10_000) throw new Error('the stream did not end');
    await clock.advance(tick);
  }
  await reading;
  return { chunks, error };
}

/** Settles a call on the fake clock. */
async function settle<T>(pending: Promise<T>): Promise<T> {
  let done = false;
  void pending.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; !done; i++) {
    if (i > 10_000) throw new Error('the call did not settle');
    await clock.advance(10);
  }
  return pending;
}

describe('streams: retried until the first content, never after', () => {
  it('a 429 and a dropped connection before any content are retried; the caller gets the whole stream once; usage is settled', async () => {
    const scripts: Array<(signal: AbortSignal | undefined) => AsyncGenerator<Chunk>> = [
      async function* () {
        yield role();
        throw http(429, { 'retry-after-ms': '100' });
      },
      async function* () {
        yield role();
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      },
      async function* () {
        yield role();
        yield text('Hel');
        yield text('lo');
        yield usage(20, 10);
      },
    ];
    let calls = 0;
    class Chat {
      @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 10 })
      @RateLimited({ key: 'stream', requestsPerMinute: 6000, burst: 100 })
      @TokenBudget({ key: 'stream', tokensPerMinute: 600_000, burst: 600_000, estimate: () => 2000 })
      async stream(): Promise<AsyncGenerator<Chunk>> {
        return scripts[calls++](currentCall()?.signal);
      }
    }
    const stream = await settle(new Chat().stream());
    expect(calls).toBe(3);
    const { chunks, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(chunks).toEqual([role(), text('Hel'), text('lo'), usage(20, 10)]);
    expect(ends).toEqual([expect.objectContaining({ key: 'stream', outcome: 'completed', chunks: 4, actualTokens: 30, attempt: 3 })]);
    // the two failed attempts gave back their estimate (a 429 charges nothing; a drop keeps it); the stream settled 30
    const view = store.view(SPEC, clock.now())!;
    expect(view.dayUsed).toBe(2000 + 30);
  });

  it('a failure after content reached the caller is never retried: the consumer gets a StreamInterruptedError', async () => {
    let calls = 0;
    class Chat {
      @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 10 })
      @TokenBudget({ key: 'stream', tokensPerMinute: 600_000, burst: 600_000, estimate: () => 2000 })
      async stream(): Promise<AsyncGenerator<Chunk>> {
        calls++;
        return (async function* () {
          yield text('Hel');
          throw http(500);
        })();
      }
    }
    const stream = await settle(new Chat().stream());
    const { chunks, error } = await drain(stream);
    expect(calls).toBe(1);
    expect(chunks).toEqual([text('Hel')]);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).chunks).toBe(1);
    expect(((error as StreamInterruptedError).cause as { status: number }).status).toBe(500);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'interrupted', chunks: 1, actualTokens: undefined })]);
    expect(store.view({ ...SPEC, key: 'stream' }, clock.now())!.dayUsed).toBe(2000); // the estimate stays charged
  });

  it('firstChunkTimeoutMs aborts a silent attempt and retries it', async () => {
    let calls = 0;
    class Chat {
      @AdaptiveRetry({ maxRetries: 2, baseDelayMs: 10, firstChunkTimeoutMs: 1000 })
      async stream(): Promise<AsyncGenerator<Chunk>> {
        const signal = currentCall()?.signal;
        const n = ++calls;
        return (async function* () {
          if (n === 1) await stall(signal);
          yield text('ok');
        })();
      }
    }
    const pending = new Chat().stream();
    await clock.advance(999);
    expect(calls).toBe(1);
    const stream = await settle(pending);
    expect(calls).toBe(2);
    expect((await drain(stream)).chunks).toEqual([text('ok')]);
  });

  it('idleTimeoutMs ends a stream that goes silent after content, with the timeout as cause', async () => {
    class Chat {
      @AdaptiveRetry({ maxRetries: 2, idleTimeoutMs: 500 })
      async stream(): Promise<AsyncGenerator<Chunk>> {
        const signal = currentCall()?.signal;
        return (async function* () {
          yield text('Hel');
          await stall(signal);
        })();
      }
    }
    const stream = await settle(new Chat().stream());
    const { chunks, error } = await drain(stream, 100);
    expect(chunks).toEqual([text('Hel')]);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    const cause = (error as StreamInterruptedError).cause as AttemptTimeoutError;
    expect(cause).toBeInstanceOf(AttemptTimeoutError);
    expect(cause.phase).toBe('idle');
  });

  it('attemptTimeoutMs covers the whole stream, not only the call that returned it', async () => {
    class Chat {
      @AdaptiveRetry({ maxRetries: 2, attemptTimeoutMs: 2000 })
      async stream(): Promise<AsyncGenerator<Chunk>> {
        const signal = currentCall()?.signal;
        return (async function* () {
          yield text('a');
          await stall(signal);
        })();
      }
    }
    const started = clock.now();
    const stream = await settle(new Chat().stream());
    const { error } = await drain(stream, 100);
    expect(((error as StreamInterruptedError).cause as AttemptTimeoutError).phase).toBe('attempt');
    expect(clock.now() - started).toBeGreaterThanOrEqual(2000);
    expect(clock.now() - started).toBeLessThan(2200);
  });

  it("the caller's abort reaches an open stream, with or without an attempt timeout", async () => {
    for (const attemptTimeoutMs of [undefined, 60_000]) {
      let sdkSignal: AbortSignal | undefined;
      class Chat {
        @AdaptiveRetry({ maxRetries: 2, ...(attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs }) })
        async stream(_prompt: string, _options: { signal: AbortSignal }): Promise<AsyncGenerator<Chunk>> {
          const signal = (sdkSignal = currentCall()?.signal);
          return (async function* () {
            yield text('Hel');
            await stall(signal);
          })();
        }
      }
      const controller = new AbortController();
      const stream = await settle(new Chat().stream('hi', { signal: controller.signal }));
      const iterator = stream[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toEqual(text('Hel'));
      const next = iterator.next();
      controller.abort(new Error('user left'));
      await expect(next).rejects.toThrow('user left');
      expect(sdkSignal?.aborted).toBe(true);
      expect(ends.at(-1)).toEqual(expect.objectContaining({ outcome: 'aborted' }));
    }
  });

  it('an abort between two reads leaves no unhandled rejection: the stopped read is observed', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      class Chat {
        @AdaptiveRetry()
        async stream(_prompt: string, _options: { signal: AbortSignal }): Promise<AsyncGenerator<Chunk>> {
          const signal = currentCall()?.signal;
          const words = ['a', 'b', 'c'];
          // a client's stream (like @google/genai's downlevel generator): return() does not stop a read, and a read
          // after the request was aborted rejects
          const stream: AsyncGenerator<Chunk> = {
            next: () => {
              if (signal?.aborted === true) return Promise.reject(new DOMException('This operation was aborted', 'AbortError'));
              const word = words.shift();
              return Promise.resolve(word === undefined ? { value: undefined, done: true } : { value: text(word), done: false });
            },
            return: () => Promise.resolve({ value: undefined, done: true }),
            throw: (e: unknown) => Promise.reject(e instanceof Error ? e : new Error(String(e))),
            [Symbol.asyncIterator]() {
              return stream;
            },
            [Symbol.asyncDispose]: () => Promise.resolve(),
          };
          return stream;
        }
      }
      const controller = new AbortController();
      const stream = await settle(new Chat().stream('hi', { signal: controller.signal }));
      const error = await (async () => {
        try {
          for await (const chunk of stream) if (chunk.choices[0]?.delta.content === 'a') controller.abort(new Error('user cancelled'));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect((error as Error).message).toBe('user cancelled');
      await flushPromises();
      await flushPromises();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('a consumer that stops early abandons the stream: the source is closed and the estimate stays charged', async () => {
    let closed = false;
    class Chat {
      @TokenBudget({ key: 'stream', tokensPerMinute: 600_000, burst: 600_000, estimate: () => 500 })
      async stream(): Promise<AsyncGenerator<Chunk>> {
        return (async function* () {
          try {
            yield text('a');
            yield text('b');
            yield usage(1, 1);
          } finally {
            closed = true;
          }
        })();
      }
    }
    const stream = await settle(new Chat().stream());
    for await (const chunk of stream) {
      expect(chunk).toEqual(text('a'));
      break;
    }
    await flushPromises();
    expect(closed).toBe(true);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'abandoned', chunks: 1 })]);
    expect(store.view({ ...SPEC, key: 'stream' }, clock.now())!.dayUsed).toBe(500);
  });

  it('a stream of a shape the runtime does not know is handed over at its first chunk, untouched', async () => {
    class Chat {
      @AdaptiveRetry()
      async stream(): Promise<AsyncGenerator<{ token: string }>> {
        return (async function* () {
          yield { token: 'x' };
          yield { token: 'y' };
        })();
      }
    }
    const stream = await settle(new Chat().stream());
    const seen: unknown[] = [];
    for await (const chunk of stream) seen.push(chunk);
    expect(seen).toEqual([{ token: 'x' }, { token: 'y' }]);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'completed', chunks: 2 })]);
  });
});
