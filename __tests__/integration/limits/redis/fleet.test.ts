import OpenAI from 'openai';
import { startEmulator, type EmulatorHandle } from '../../../../src/testing/emulator';
import { describeRedis, startRedis, type RedisServerHandle } from '../../../helpers/redis-server';
import { runWorkers, type WorkerConfig } from '../../../helpers/redis-worker';

// Correctness only: every call served, nothing lost, the shared limit never exceeded, the waiting line's order.
// Figures that move with machine load (per-process shares, 429s at the quota's edge, wall / ideal) are printed by
// `npm run bench -- --only goodput` (four processes through RedisStore, and the waiting-line run).

const PROCESSES = 4;

describeRedis('four processes share one Redis-backed limit', 'any', () => {
  let server: RedisServerHandle;

  beforeAll(async () => {
    server = await startRedis();
  });

  afterAll(async () => {
     
    await server?.stop();
  });

  it('600 calls through the real openai SDK against one emulator: all complete, every process served, nothing lost', async () => {
    const quota = { requestsPerMinute: 6000, tokensPerMinute: 3_000_000 };
    const emulator: EmulatorHandle = await startEmulator({ ...quota, latencyMs: [10, 30] });
    try {
      // warm up the emulator's tokenizer (the first request loads it lazily), then start from zero
      const warm = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
      await warm.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1 });
      emulator.resetCounters();
      const prefix = `mp${process.pid}-${Date.now()}`;
      const calls = 600;
      const configs: WorkerConfig[] = Array.from({ length: PROCESSES }, () => ({
        redisUrl: server.url,
        prefix,
        key: 'openai:gpt-4o-mini',
        mode: 'emulator',
        emulatorUrl: emulator.url,
        calls: calls / PROCESSES,
        requestsPerMinute: quota.requestsPerMinute,
        tokensPerMinute: quota.tokensPerMinute,
        estimate: 40,
        maxTokens: 20,
        instances: PROCESSES,
        // Redis answers in well under a millisecond, but on a saturated CI machine a process can be descheduled
        // for hundreds of ms; this test is about sharing, not outages (outage.test.ts covers those).
        commandTimeoutMs: 3000,
      }));
      const { results } = await runWorkers(configs, 50_000);
      const counters = emulator.counters().perModel['gpt-4o-mini']; // the workers' warm-up calls use another model
      expect(results.map((r) => r.errors)).toEqual(results.map(() => []));
      expect(results.map((r) => r.completed)).toEqual(results.map(() => calls / PROCESSES)); // every process served
      expect(results.some((r) => r.degraded)).toBe(false);
      expect(counters.succeeded).toBe(calls); // nothing lost, nothing sent twice
    } finally {
      await emulator.close();
    }
  }, 60_000);

  it('the token budget is shared, and a process with large demands is not starved by small ones (waiting line)', async () => {
    // 60k TPM = 1000 tokens/s from an empty bucket. Process 0 asks 400 tokens per call, the others 50: without
    // the line the small calls would keep the bucket below 400 and process 0 would wait until they are all done.
    const prefix = `fair${process.pid}-${Date.now()}`;
    const configs: WorkerConfig[] = Array.from({ length: PROCESSES }, (_, i) => ({
      redisUrl: server.url,
      prefix,
      key: 'fairness',
      mode: 'noop',
      calls: 8,
      requestsPerMinute: 60_000,
      tokensPerMinute: 60_000,
      estimate: i === 0 ? 400 : 50,
      commandTimeoutMs: 3000,
    }));
    const { results, wallMs } = await runWorkers(configs, 50_000);
    expect(results.map((r) => r.errors)).toEqual(results.map(() => []));
    expect(results.map((r) => r.completed)).toEqual([8, 8, 8, 8]);
    expect(results.some((r) => r.degraded)).toBe(false);
    // one budget for the fleet: 4400 tokens at 1000/s, less the first demand a new key grants whole (400 at most),
    // cannot be served in less than 4 s (a slow machine only adds to it; with a bucket per process the slowest
    // would be done after 3.2 s)
    const tokens = configs.reduce((sum, c) => sum + c.calls * c.estimate!, 0);
    expect(wallMs).toBeGreaterThanOrEqual(((tokens - 400) / 1000) * 1000 - 50);
    // served in turns: process 0 gets grants while the others are still being served, and finishes with them,
    // not after them (without the line: ~3.2 s after them)
    const first = results.map((r) => Math.min(...r.grants));
    const last = results.map((r) => Math.max(...r.grants));
    expect(first[0]).toBeLessThan(Math.min(...last.slice(1)));
    expect(last[0]).toBeLessThan(Math.max(...last.slice(1)) + 2000);
  }, 60_000);
});
