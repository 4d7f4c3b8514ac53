import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import OpenAI from 'openai';
import pino, { type Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import { container } from 'tsyringe';
import {
  AdaptiveRetry,
  PolicyConfigError,
  RateLimited,
  TokenBudget,
  TokenBudgetExceededError,
  configureResilience,
  type LowCapacityEvent,
} from '../../index';
import { LowCapacityTracker } from '../../src/observability/low-capacity';
import { MAX_METRIC_KEYS, OVERFLOW_KEY, ResilienceMetrics } from '../../src/observability/metrics';
import { MAX_TELEMETRY_KEYS, Telemetry, rejectionReason, type AttemptFields, type TelemetryConfig } from '../../src/observability/telemetry';
import { FakeClock } from '../../src/testing/fake-clock';
import { samples } from '../helpers/prometheus';

const ROOT = path.resolve(__dirname, '../..');

type LogRecord = Record<string, unknown> & { level: number; msg: string };

/** A pino logger writing JSON lines to memory. */
function captureLogger(level: pino.LevelWithSilent = 'trace'): { logger: Logger; lines: string[]; records: () => LogRecord[] } {
  const lines: string[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as LogRecord) };
}

function telemetry(config: Partial<TelemetryConfig> = {}) {
  const capture = captureLogger();
  return { ...capture, telemetry: new Telemetry({ logger: capture.logger, ...config }) };
}

function attempt(key: string, overrides: Partial<AttemptFields> = {}): AttemptFields {
  return { key, model: 'gpt-4o-mini', attempt: 2, status: 429, reason: 'rate-limited', estimatedTokens: 120, retryAfterMs: 750, ...overrides };
}

function snapshot(remainingRequests: number, remainingTokens?: number, limits = { requests: 100, tokens: 10_000 }) {
  return {
    requests: { limit: limits.requests, remaining: remainingRequests },
    ...(remainingTokens === undefined ? {} : { tokens: { limit: limits.tokens, remaining: remainingTokens } }),
  };
}


describe('Telemetry logs', () => {
  it('writes every retry, wait, rejection, exhaustion and cooldown as one line with the call context and the last reported remaining', () => {
    const { telemetry: t, records } = telemetry();
    t.observed('openai:gpt-4o-mini', snapshot(42, 9000));
    t.observed('other', snapshot(1, 1)); // another key's figures never leak into this key's lines
    const call = { key: 'openai:gpt-4o-mini', model: 'gpt-4o-mini', attempt: 2, estimatedTokens: 120 };
    t.retry(attempt('openai:gpt-4o-mini'), 812.4, 750);
    t.waited('openai:gpt-4o-mini', 1234.5, call);
    t.rejected('openai:gpt-4o-mini', 'queue full', 2000.2, call);
    t.failed(attempt('openai:gpt-4o-mini', { attempt: 6, status: 500, reason: 'server-error', retryAfterMs: undefined }), 'max-retries');
    t.cooldown('openai:gpt-4o-mini', 750, 'retry-after-ms', attempt('openai:gpt-4o-mini'));

    const lines = records();
    expect(lines.map((r) => r.msg)).toEqual([
      'llm call failed; retrying',
      'waited for capacity',
      'llm call rejected by limiter',
      'llm call failed',
      'provider rate limit: key paused',
    ]);
    const common = { key: 'openai:gpt-4o-mini', model: 'gpt-4o-mini', estimatedTokens: 120, remainingRequests: 42, remainingTokens: 9000 };
    expect(lines[0]).toMatchObject({ ...common, level: 40, attempt: 2, status: 429, reason: 'rate-limited', retryAfterMs: 750, delayMs: 812 });
    expect(lines[1]).toMatchObject({ ...common, level: 30, attempt: 2, waitMs: 1235 });
    expect(lines[2]).toMatchObject({ ...common, level: 40, attempt: 2, reason: 'queue full', retryAfterMs: 2001 });
    expect(lines[3]).toMatchObject({ ...common, level: 40, attempt: 6, status: 500, reason: 'server-error', stop: 'max-retries' });
    expect(lines[3]).not.toHaveProperty('retryAfterMs');
    expect(lines[4]).toMatchObject({ ...common, level: 40, status: 429, reason: 'rate-limited', waitMs: 750, retryAfterMs: 750, source: 'retry-after-ms' });
  });

  it('keeps each resource as last reported: a snapshot with only requests leaves tokens as they were', () => {
    const { telemetry: t, records } = telemetry();
    t.observed('k', snapshot(10, 500));
    t.observed('k', { requests: { remaining: 9 } });
    t.failed(attempt('k'), 'not-retryable');
    expect(records()[0]).toMatchObject({ remainingRequests: 9, remainingTokens: 500 });
    expect(t.lastReported('k')).toEqual({ remainingRequests: 9, remainingTokens: 500 });
  });

  it('logs successes at debug only', () => {
    const info = captureLogger('info');
    const quiet = new Telemetry({ logger: info.logger });
    quiet.succeeded('k', 1, 100, 80);
    expect(info.lines).toEqual([]);

    const { telemetry: t, records } = telemetry();
    t.observed('k', snapshot(7));
    t.succeeded('k', 1, 100, 80);
    expect(records()).toEqual([expect.objectContaining({ level: 20, key: 'k', attempt: 1, estimatedTokens: 100, actualTokens: 80, remainingRequests: 7, msg: 'llm call succeeded' })]);
  });

  it('creates one child logger per key, cached, and bounds the keys it keeps', () => {
    const { telemetry: t } = telemetry();
    const child = jest.spyOn(t.logger, 'child');
    t.failed(attempt('a'), 'x');
    t.failed(attempt('a'), 'x');
    t.failed(attempt('b'), 'x');
    expect(child).toHaveBeenCalledTimes(2);
    expect(child.mock.calls.map(([bindings]) => bindings)).toEqual([{ key: 'a' }, { key: 'b' }]);
    for (let i = 0; i < MAX_TELEMETRY_KEYS + 50; i++) t.observed(`tenant-${i}`, snapshot(1));
    expect(t.trackedKeys).toBe(MAX_TELEMETRY_KEYS);
  });

  it('pays no logger or metrics cost on the success path when metrics are off and the level is above debug', () => {
    const { logger } = captureLogger('info');
    const t = new Telemetry({ logger });
    const child = jest.spyOn(t.logger, 'child');
    const debug = jest.spyOn(t.logger, 'isLevelEnabled');
    t.started('k');
    t.succeeded('k', 1, 10, 10);
    t.finished('k');
    expect(child).not.toHaveBeenCalled();
    expect(debug).toHaveBeenCalledTimes(1);
    expect(t.trackedKeys).toBe(0);
  });

  it('redacts API keys and auth headers on its loggers, keeping redact paths of a child logger it was given', () => {
    const { logger, lines } = captureLogger();
    const user = logger.child({}, { redact: ['password'] });
    const t = new Telemetry({ logger: user });
    t.logger.child({ key: 'k' }).info(
      {
        apiKey: 'sk-secret-1',
        api_key: 'sk-secret-2',
        password: 'hunter2',
        headers: { authorization: 'Bearer sk-secret-3', 'x-api-key': 'sk-secret-4', 'api-key': 'sk-secret-5' },
        request: { headers: { Authorization: 'Bearer sk-secret-6' } },
        client: { options: { apiKey: 'sk-secret-7' } },
      },
      'defence in depth',
    );
    const text = lines.join('');
    expect(text).not.toMatch(/sk-secret|hunter2/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ apiKey: '[Redacted]', headers: { authorization: '[Redacted]', 'x-api-key': '[Redacted]', 'api-key': '[Redacted]' } });
  });

  it('logs a limiter refusal of a foreign error by name only', () => {
    expect(rejectionReason(new TypeError('prompt: tell me a secret'))).toBe('TypeError');
    expect(rejectionReason(new TokenBudgetExceededError('k', 10, 5, 'larger than the per-minute limit'))).toMatch(/Token budget for "k"/);
    expect(rejectionReason('a string')).toBe('string');
  });
});

describe('low-capacity alert', () => {
  it('tracker: fires once after N consecutive low observations, a high one resets the streak, fires again only after recovery', () => {
    const tracker = new LowCapacityTracker(0.1, 3);
    expect([0.05, 0.05].map((r) => tracker.observe(r))).toEqual([false, false]);
    expect(tracker.observe(0.5)).toBe(false); // streak broken
    expect([0.05, 0.09, 0.0999].map((r) => tracker.observe(r))).toEqual([false, false, true]);
    expect([0.01, 0.0, 0.05].map((r) => tracker.observe(r))).toEqual([false, false, false]); // still raised
    expect(tracker.observe(0.1)).toBe(false); // recovery: ratio back at the threshold
    expect([0.01, 0.01, 0.01].map((r) => tracker.observe(r))).toEqual([false, false, true]);
  });

  it('calls onLowCapacity per key and resource with remaining, limit and ratio, and logs a warning', () => {
    const events: LowCapacityEvent[] = [];
    const { telemetry: t, records } = telemetry({ onLowCapacity: (e) => events.push(e) });
    for (const remaining of [9, 8]) t.observed('k', snapshot(remaining, 5000));
    t.observed('other', snapshot(1, 5000));
    expect(events).toEqual([]);
    t.observed('k', { requests: { remaining: 7 } }); // the limit is remembered from earlier snapshots
    expect(events).toEqual([{ key: 'k', resource: 'requests', remaining: 7, limit: 100, ratio: 0.07 }]);
    for (const remaining of [900, 800, 700]) t.observed('k', snapshot(5, remaining));
    expect(events.slice(1)).toEqual([{ key: 'k', resource: 'tokens', remaining: 700, limit: 10_000, ratio: 0.07 }]);
    const warnings = records().filter((r) => r.msg.startsWith('provider capacity low'));
    expect(warnings).toEqual([
      expect.objectContaining({ level: 40, key: 'k', resource: 'requests', remaining: 7, limit: 100, ratio: 0.07, threshold: 0.1, consecutive: 3 }),
      expect.objectContaining({ level: 40, key: 'k', resource: 'tokens', remaining: 700, limit: 10_000, ratio: 0.07 }),
    ]);
    // recovery, then low again: fires again
    t.observed('k', snapshot(50, 9000));
    for (const remaining of [3, 2, 1]) t.observed('k', snapshot(remaining, 9000));
    expect(events.map((e) => `${e.resource}:${e.remaining}`)).toEqual(['requests:7', 'tokens:700', 'requests:1']);
  });

  it('honours threshold and consecutive', () => {
    const events: LowCapacityEvent[] = [];
    const { telemetry: t } = telemetry({ onLowCapacity: (e) => events.push(e), lowCapacity: { threshold: 0.5, consecutive: 1 } });
    t.observed('k', snapshot(60));
    expect(events).toEqual([]);
    t.observed('k', snapshot(49));
    expect(events).toEqual([{ key: 'k', resource: 'requests', remaining: 49, limit: 100, ratio: 0.49 }]);
  });

  it('a throwing or rejecting callback never breaks the call path: caught and logged', async () => {
    const { telemetry: t, records } = telemetry({
      onLowCapacity: (e) => {
        if (e.resource === 'requests') throw new Error('pager down');
        return Promise.reject(new Error('webhook 500')) as unknown as void;
      },
      lowCapacity: { consecutive: 1 },
    });
    expect(() => t.observed('k', snapshot(1, 1))).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    const errors = records().filter((r) => r.msg === 'onLowCapacity callback failed');
    expect(errors).toEqual([
      expect.objectContaining({ level: 50, key: 'k', resource: 'requests', error: 'Error: pager down' }),
      expect.objectContaining({ level: 50, key: 'k', resource: 'tokens', error: 'Error: webhook 500' }),
    ]);
  });
});

describe('metrics', () => {
  it('exposes every series with a key label, fed from the hooks', async () => {
    const registry = new Registry();
    const { telemetry: t } = telemetry({ metrics: ResilienceMetrics.for(registry) });
    t.started('k');
    t.started('k');
    t.succeeded('k', 1, 100, 80);
    t.finished('k');
    t.rateLimited('k');
    t.retry(attempt('k'), 100, 750);
    t.retry(attempt('k', { reason: 'server-error' }), 100, undefined);
    t.failed(attempt('k'), 'max-retries');
    t.rejected('k', 'queue full', 10);
    t.waited('k', 1500);
    t.observed('k', snapshot(25, 4000));
    const text = await registry.metrics();
    const s = samples(text);
    expect(s.get('llm_calls_total{key="k",outcome="success"}')).toBe(1);
    expect(s.get('llm_calls_total{key="k",outcome="failure"}')).toBe(1);
    expect(s.get('llm_calls_total{key="k",outcome="rejected"}')).toBe(1);
    expect(s.get('llm_retries_total{key="k",reason="rate-limited"}')).toBe(1);
    expect(s.get('llm_retries_total{key="k",reason="server-error"}')).toBe(1);
    expect(s.get('llm_rate_limited_total{key="k"}')).toBe(1);
    expect(s.get('llm_limiter_wait_seconds_count{key="k"}')).toBe(1);
    expect(s.get('llm_limiter_wait_seconds_sum{key="k"}')).toBe(1.5);
    expect(s.get('llm_limiter_wait_seconds_bucket{le="1",key="k"}')).toBe(0);
    expect(s.get('llm_limiter_wait_seconds_bucket{le="2.5",key="k"}')).toBe(1);
    expect(s.get('llm_tokens_total{key="k",kind="estimated"}')).toBe(100);
    expect(s.get('llm_tokens_total{key="k",kind="actual"}')).toBe(80);
    expect(s.get('llm_ratelimit_remaining{key="k",resource="requests"}')).toBe(25);
    expect(s.get('llm_ratelimit_remaining{key="k",resource="tokens"}')).toBe(4000);
    expect(s.get('llm_ratelimit_remaining_ratio{key="k",resource="requests"}')).toBe(0.25);
    expect(s.get('llm_ratelimit_remaining_ratio{key="k",resource="tokens"}')).toBe(0.4);
    expect(s.get('llm_inflight{key="k"}')).toBe(1);
    for (const name of s.keys()) expect(name).toMatch(/\{(.*,)?key="k"/);
  });

  it('re-configuring with the same registry reuses the series: no "already registered", counts continue', async () => {
    const registry = new Registry();
    const first = configureResilience(container, { metrics: { registry } });
    first.telemetry.succeeded('k', 1, undefined, undefined);
    const second = configureResilience(container, { metrics: { registry } });
    second.telemetry.succeeded('k', 1, undefined, undefined);
    expect(samples(await registry.metrics()).get('llm_calls_total{key="k",outcome="success"}')).toBe(2);
    // a series removed from the registry is registered again
    registry.removeSingleMetric('llm_inflight');
    configureResilience(container, { metrics: { registry } });
    expect(registry.getSingleMetric('llm_inflight')).toBeDefined();
    // another prefix is another set of series
    configureResilience(container, { metrics: { registry, prefix: 'svc_llm_' } }).telemetry.succeeded('k', 1, undefined, undefined);
    const s = samples(await registry.metrics());
    expect(s.get('svc_llm_calls_total{key="k",outcome="success"}')).toBe(1);
    expect(s.get('llm_calls_total{key="k",outcome="success"}')).toBe(2);
    configureResilience(container);
  });

  it('refuses a registry where a series name is taken by a metric it did not register', () => {
    const registry = new Registry();
    new Counter({ name: 'llm_retries_total', help: 'mine', registers: [registry] });
    expect(() => configureResilience(container, { metrics: { registry } })).toThrow(PolicyConfigError);
    expect(() => configureResilience(container, { metrics: { registry } })).toThrow(/llm_retries_total.*metrics.prefix/);
    configureResilience(container);
  });

  it(`bounds the key label: keys beyond ${MAX_METRIC_KEYS} are counted under "${OVERFLOW_KEY}"`, async () => {
    const registry = new Registry();
    const { telemetry: t } = telemetry({ metrics: ResilienceMetrics.for(registry) });
    for (let i = 0; i < MAX_METRIC_KEYS + 25; i++) t.succeeded(`tenant-${i}`, 1, undefined, undefined);
    const s = samples(await registry.metrics());
    const keys = new Set([...s.keys()].filter((k) => k.startsWith('llm_calls_total')).map((k) => /key="([^"]*)"/.exec(k)![1]));
    expect(keys.size).toBe(MAX_METRIC_KEYS + 1);
    expect(s.get(`llm_calls_total{key="${OVERFLOW_KEY}",outcome="success"}`)).toBe(25);
  });

  it('does not load prom-client unless metrics are configured', () => {
    const script = `
      require('reflect-metadata');
      const { configureResilience } = require('./index.ts');
      const { container } = require('tsyringe');
      const loaded = () => Object.keys(require.cache).some((p) => p.includes('node_modules/prom-client/'));
      configureResilience(container, { onLowCapacity: () => {} });
      const before = loaded();
      configureResilience(container, { metrics: { registry: { getSingleMetric: () => undefined, registerMetric: () => {} } } });
      console.log(JSON.stringify({ before, after: loaded() }));`;
    const run = spawnSync(process.execPath, ['-r', './scripts/register.js', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 15_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ before: false, after: true });
  });
});

describe('configureResilience options', () => {
  afterAll(() => configureResilience(container));
  it.each([
    ['metrics', { metrics: 5 }],
    ['metrics.registry', { metrics: { registry: {} } }],
    ['metrics.prefix', { metrics: { registry: new Registry(), prefix: 'llm-' } }],
    ['onLowCapacity', { onLowCapacity: 'page me' }],
    ['lowCapacity', { lowCapacity: 0.1 }],
    ['lowCapacity.threshold', { lowCapacity: { threshold: 0 } }],
    ['lowCapacity.threshold', { lowCapacity: { threshold: 1.5 } }],
    ['lowCapacity.threshold', { lowCapacity: { threshold: Number.NaN } }],
    ['lowCapacity.consecutive', { lowCapacity: { consecutive: 0 } }],
    ['lowCapacity.consecutive', { lowCapacity: { consecutive: 2.5 } }],
  ])('rejects an invalid %s', (option, options) => {
    const error = (() => {
      try {
        configureResilience(container, options as never);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PolicyConfigError);
    expect((error as PolicyConfigError).option).toBe(option);
  });

  it('registers no series when another option is invalid', () => {
    const registry = new Registry();
    expect(() => configureResilience(container, { metrics: { registry }, lowCapacity: { consecutive: -1 } })).toThrow(PolicyConfigError);
    expect(registry.getMetricsAsArray()).toEqual([]);
  });
});

describe('through decorated methods (fake clock)', () => {
  it('carries model, attempt, tokens, status, reason and the server hint into the lines of a real call flow', async () => {
    const clock = new FakeClock();
    const { logger, records } = captureLogger();
    const registry = new Registry();
    const events: LowCapacityEvent[] = [];
    configureResilience(container, {
      clock,
      random: () => 0,
      logger,
      metrics: { registry },
      onLowCapacity: (e) => events.push(e),
      policies: { 'openai:gpt-4o-mini': { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 } },
    });
    const headers = (remaining: number) => ({
      'x-ratelimit-limit-requests': '100',
      'x-ratelimit-remaining-requests': String(remaining),
      'x-ratelimit-limit-tokens': '1000000',
      'x-ratelimit-remaining-tokens': '999000',
    });
    let calls = 0;
    type Req = { model: string; prompt: string; max_tokens: number };
    class Service {
      @AdaptiveRetry({ maxRetries: 3, baseDelayMs: 100 })
      @RateLimited({ key: (req: Req) => `openai:${req.model}` })
      @TokenBudget({ key: (req: Req) => `openai:${req.model}`, estimate: (req: Req) => req.max_tokens + 10 })
      async complete(req: Req) {
        calls++;
        if (calls <= 3) throw new OpenAI.RateLimitError(429, { error: { message: 'slow down' } }, 'slow down', new Headers({ ...headers(3 - calls), 'retry-after-ms': '200' }));
        return { data: { usage: { total_tokens: 42 } }, response: { headers: new Headers(headers(0)) } };
      }
    }
    const service = new Service();
    const pending = service.complete({ model: 'gpt-4o-mini', prompt: 'classified prompt text', max_tokens: 90 });
    let done = false;
    void pending.finally(() => (done = true));
    while (!done) await clock.advance(50);
    await pending;
    await expect(service.complete({ model: 'gpt-4o-mini', prompt: 'x', max_tokens: 2_000_000 })).rejects.toBeInstanceOf(TokenBudgetExceededError);

    const lines = records();
    const retries = lines.filter((r) => r.msg === 'llm call failed; retrying');
    expect(retries).toHaveLength(3);
    expect(retries[0]).toMatchObject({ key: 'openai:gpt-4o-mini', model: 'gpt-4o-mini', attempt: 1, status: 429, reason: 'rate-limited', retryAfterMs: 200, estimatedTokens: 100, remainingRequests: 2, remainingTokens: 999_000 });
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(200);
    const cooldowns = lines.filter((r) => r.msg === 'provider rate limit: key paused');
    expect(cooldowns[0]).toMatchObject({ key: 'openai:gpt-4o-mini', model: 'gpt-4o-mini', attempt: 1, status: 429, waitMs: 200, source: 'retry-after-ms' });
    expect(lines.find((r) => r.msg === 'llm call rejected by limiter')).toMatchObject({ key: 'openai:gpt-4o-mini', model: 'gpt-4o-mini', estimatedTokens: 2_000_010, reason: 'larger than tokensPerMinute' });
    expect(lines.find((r) => r.msg === 'llm call succeeded')).toMatchObject({ attempt: 4, estimatedTokens: 100, actualTokens: 42, remainingRequests: 0 });
    expect(JSON.stringify(lines)).not.toContain('classified prompt text');
    expect(events).toEqual([{ key: 'openai:gpt-4o-mini', resource: 'requests', remaining: 0, limit: 100, ratio: 0 }]);

    const s = samples(await registry.metrics());
    expect(s.get('llm_rate_limited_total{key="openai:gpt-4o-mini"}')).toBe(3);
    expect(s.get('llm_retries_total{key="openai:gpt-4o-mini",reason="rate-limited"}')).toBe(3);
    expect(s.get('llm_calls_total{key="openai:gpt-4o-mini",outcome="success"}')).toBe(1);
    expect(s.get('llm_calls_total{key="openai:gpt-4o-mini",outcome="rejected"}')).toBe(1);
    expect(s.get('llm_tokens_total{key="openai:gpt-4o-mini",kind="actual"}')).toBe(42);
    expect(s.get('llm_inflight{key="openai:gpt-4o-mini"}')).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    configureResilience(container);
  });
});
