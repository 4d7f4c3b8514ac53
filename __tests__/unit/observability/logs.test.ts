import { TokenBudgetExceededError, logSafeReason } from '../../../src/errors';
import { EventHub } from '../../../src/events/hub';
import { redactingLogger } from '../../../src/observability/log-redaction';
import { EventLogs, MAX_LOG_KEYS } from '../../../src/observability/logs';
import { LOW_CAPACITY_DEFAULTS } from '../../../src/runtime/capacity';
import { captureLogger } from '../../helpers/capture-logger';
import { attempt, eventPipeline, snapshot } from '../../helpers/event-pipeline';

describe('EventLogs', () => {
  it('writes every retry, wait, rejection, exhaustion and cooldown as one line with the call context and the last reported remaining', () => {
    const { hub, capacity, records } = eventPipeline();
    capacity.observed('openai:gpt-4o-mini', snapshot(42, 9000));
    capacity.observed('other', snapshot(1, 1)); // another key's figures never leak into this key's lines
    const call = { key: 'openai:gpt-4o-mini', model: 'gpt-4o-mini', attempt: 2, estimatedTokens: 120 };
    hub.retry.emit({ ...attempt('openai:gpt-4o-mini'), delayMs: 812.4 });
    hub.waited.emit({ ...call, waitMs: 1234.5 });
    hub.rejected.emit({ ...call, reason: 'queue full', retryAfterMs: 2000.2 });
    hub.failed.emit({ ...attempt('openai:gpt-4o-mini', { attempt: 6, status: 500, reason: 'server-error', retryAfterMs: undefined }), stop: 'max-retries' });
    hub.cooldown.emit({ ...attempt('openai:gpt-4o-mini'), waitMs: 750, requestedMs: 750, source: 'retry-after-ms' });

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
    const { hub, capacity, logs, records } = eventPipeline();
    capacity.observed('k', snapshot(10, 500));
    capacity.observed('k', { requests: { remaining: 9 } });
    hub.failed.emit({ ...attempt('k'), stop: 'not-retryable' });
    expect(records()[0]).toMatchObject({ remainingRequests: 9, remainingTokens: 500 });
    expect(logs.lastReported('k')).toEqual({ remainingRequests: 9, remainingTokens: 500 });
  });

  it('logs successes at debug only', () => {
    const info = eventPipeline({ logger: captureLogger('info').logger });
    expect(info.hub.succeeded.listening).toBe(false);

    const { hub, capacity, records } = eventPipeline();
    capacity.observed('k', snapshot(7));
    hub.succeeded.emit({ key: 'k', model: undefined, attempt: 1, estimatedTokens: 100, actualTokens: 80 });
    expect(records()).toEqual([expect.objectContaining({ level: 20, key: 'k', attempt: 1, estimatedTokens: 100, actualTokens: 80, remainingRequests: 7, msg: 'llm call succeeded' })]);
  });

  it('creates one child logger per key, cached, and bounds the keys it keeps', () => {
    const { hub, capacity, logs, logger } = eventPipeline();
    const child = jest.spyOn(logger, 'child');
    hub.failed.emit({ ...attempt('a'), stop: 'x' });
    hub.failed.emit({ ...attempt('a'), stop: 'x' });
    hub.failed.emit({ ...attempt('b'), stop: 'x' });
    expect(child).toHaveBeenCalledTimes(2);
    expect(child.mock.calls.map(([bindings]) => bindings)).toEqual([{ key: 'a' }, { key: 'b' }]);
    for (let i = 0; i < MAX_LOG_KEYS + 50; i++) capacity.observed(`tenant-${i}`, snapshot(1));
    expect(logs.trackedKeys).toBe(MAX_LOG_KEYS);
  });

  it('settles once which events it logs: nothing listens on the success path when the level is above debug', () => {
    const { logger } = captureLogger('info');
    const hub = new EventHub();
    const level = jest.spyOn(logger, 'isLevelEnabled');
    new EventLogs(logger, LOW_CAPACITY_DEFAULTS).subscribe(hub);
    const checks = level.mock.calls.length;
    expect(hub.succeeded.listening).toBe(false);
    expect(hub.queued.listening).toBe(false);
    expect(hub.callStart.listening).toBe(false);
    expect(hub.callEnd.listening).toBe(false);
    expect(hub.retry.listening).toBe(true);
    expect(hub.waited.listening).toBe(true);
    hub.retry.emit({ ...attempt('k'), delayMs: 1 });
    hub.waited.emit({ key: 'k', model: undefined, attempt: 1, estimatedTokens: undefined, waitMs: 5 });
    expect(level.mock.calls.length).toBe(checks); // no level check per event

    const silent = new EventHub();
    new EventLogs(captureLogger('silent').logger, LOW_CAPACITY_DEFAULTS).subscribe(silent);
    for (const emitter of [silent.retry, silent.failed, silent.rejected, silent.waited, silent.succeeded, silent.capacity, silent.breaker, silent.cooldown]) {
      expect(emitter.listening).toBe(false);
    }
  });

  it('stops logging when disposed', () => {
    const { logger, records } = captureLogger();
    const hub = new EventHub();
    const subscription = new EventLogs(logger, LOW_CAPACITY_DEFAULTS).subscribe(hub);
    hub.failed.emit({ ...attempt('k'), stop: 'x' });
    subscription.dispose();
    hub.failed.emit({ ...attempt('k'), stop: 'y' });
    expect(records().map((r) => r.stop)).toEqual(['x']);
    expect(hub.failed.listening).toBe(false);
  });

  it('logs breaker transitions: open as a warning, the others as info', () => {
    const { hub, records } = eventPipeline();
    hub.breaker.emit({ key: 'k', state: 'open' });
    hub.breaker.emit({ key: 'k', state: 'half-open' });
    hub.breaker.emit({ key: 'k', state: 'closed' });
    expect(records().map((r) => [r.level, r.breaker, r.msg])).toEqual([
      [40, 'open', 'provider failing: overload breaker open, calls fail fast'],
      [30, 'half-open', 'overload breaker half-open'],
      [30, 'closed', 'overload breaker closed'],
    ]);
  });

  it('redacts API keys and auth headers on its loggers, keeping redact paths of a child logger it was given', () => {
    const { logger, lines } = captureLogger();
    const user = logger.child({}, { redact: ['password'] });
    const redacting = redactingLogger(user);
    redacting.child({ key: 'k' }).info(
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
    expect(JSON.parse(lines[0])).toMatchObject({ apiKey: '[Redacted]', headers: { authorization: '[Redacted]', 'x-api-key': '[Redacted]', 'api-key': '[Redacted]' } });
  });

  it('logs a limiter refusal of a foreign error by name only', () => {
    expect(logSafeReason(new TypeError('prompt: tell me a secret'))).toBe('TypeError');
    expect(logSafeReason(new TokenBudgetExceededError('k', 10, 5, 'larger than the per-minute limit'))).toMatch(/Token budget for "k"/);
    expect(logSafeReason('a string')).toBe('string');
  });

  it('logs streams, impossible usage, capped cooldowns and client-side retries', () => {
    const { hub, records } = eventPipeline();
    const call = { key: 'k', model: 'gpt-4o-mini', attempt: 1, estimatedTokens: 2000 };
    hub.streamEnd.emit({ ...call, outcome: 'completed', chunks: 12, actualTokens: 30, reason: undefined });
    hub.streamEnd.emit({ ...call, outcome: 'interrupted', chunks: 3, actualTokens: undefined, reason: 'APIConnectionError' });
    hub.bogusUsage.emit({ key: 'k', reported: 1e12, limit: 1_000_000 });
    hub.bogusUsage.emit({ key: 'k', reported: Number.NaN, limit: undefined });
    hub.cooldown.emit({ ...attempt('k'), waitMs: 60_000, requestedMs: 31_536_000_000, source: 'retry-after' });
    hub.sdkRetried.emit({ ...call, wrapper: 'AI_RetryError' });
    hub.providerLimit.emit({ key: 'k', resource: 'requests', configured: 6000, inForce: 600 });
    hub.providerLimit.emit({ key: 'k', resource: 'requests', configured: 6000, inForce: 6000 });
    const lines = records();
    expect(lines.map((r) => [r.level, r.msg])).toEqual([
      [20, 'llm stream ended'],
      [40, 'llm stream interrupted'],
      [40, 'provider reported an impossible usage: ignored, the estimate is kept'],
      [40, 'provider reported an impossible usage: ignored, the estimate is kept'],
      [40, 'provider rate limit: key paused'],
      [40, expect.stringMatching(/retries to 0/)],
      [40, 'the provider reports a lower per-minute limit than configured: its limit is used'],
      [40, 'the provider reports the configured limit again: the configured limit is used'],
    ]);
    expect(lines[0]).toMatchObject({ key: 'k', outcome: 'completed', chunks: 12, actualTokens: 30 });
    expect(lines[1]).toMatchObject({ key: 'k', chunks: 3, reason: 'APIConnectionError' });
    expect(lines[2]).toMatchObject({ reported: 1e12, limit: 1_000_000 });
    expect(lines[4]).toMatchObject({ waitMs: 60_000, cappedFromMs: 31_536_000_000, source: 'retry-after' });
    expect(lines[5]).toMatchObject({ key: 'k', wrapper: 'AI_RetryError' });
    expect(lines[6]).toMatchObject({ key: 'k', resource: 'requests', configured: 6000, inForce: 600 });
  });
});
