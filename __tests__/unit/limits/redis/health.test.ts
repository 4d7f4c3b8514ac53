import pino from 'pino';
import { RedisHealth } from '../../../../src/limits/redis/health';
import { FakeClock } from '../../../../src/testing/fake-clock';

/** A real pino logger writing JSON lines to memory. */
function capture(): { logger: pino.Logger; records: () => Array<{ level: number; msg: string; [field: string]: unknown }> } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return { logger, records: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

const WARN = 40;
const INFO = 30;

describe('RedisHealth', () => {
  function setup(recoveryIntervalMs = 1000) {
    const clock = new FakeClock();
    const log = capture();
    const health = new RedisHealth(recoveryIntervalMs, log.logger, 'limiting in-process at 1/2 of the limits', () => clock.now());
    return { clock, log, health };
  }

  it('stays healthy while commands succeed: every operation may go to Redis, nothing is logged', () => {
    const { health, log } = setup();
    for (let seq = 1; seq <= 5; seq++) {
      expect(health.tryRedis(true)).toBe(true);
      health.succeeded(seq);
    }
    expect(health.degraded).toBe(false);
    expect(log.records()).toEqual([]);
  });

  it('a failure degrades it with one warning; one probe per recovery interval; a successful probe recovers with one info', async () => {
    const { health, log, clock } = setup(1000);
    expect(health.tryRedis(true)).toBe(true);
    health.failed(new Error('connection reset'), false, 1);
    health.failed(new Error('connection reset'), false, 2); // a second failure in the same outage: no new line
    expect(health.degraded).toBe(true);
    expect(health.tryRedis(true)).toBe(false); // within the interval: the fallback, no probe
    await clock.advance(999);
    expect(health.tryRedis(true)).toBe(false);
    await clock.advance(1);
    expect(health.tryRedis(true)).toBe(true); // the probe
    expect(health.tryRedis(true)).toBe(false); // one probe at a time
    await clock.advance(250);
    health.succeeded(3);
    expect(health.degraded).toBe(false);
    expect(health.tryRedis(true)).toBe(true);
    const records = log.records();
    expect(records.map((r) => [r.level, r.msg])).toEqual([
      [WARN, 'llm-resilience RedisStore: Redis unavailable, limiting in-process at 1/2 of the limits until it answers again'],
      [INFO, 'llm-resilience RedisStore: Redis answers again, limits are shared through Redis again'],
    ]);
    expect(records[0].error).toBe('connection reset');
    expect(records[1]).toMatchObject({ outageMs: 1250, failedOperations: 2 });
  });

  it('a failed probe keeps it degraded and waits another interval', async () => {
    const { health, clock, log } = setup(100);
    health.failed(new Error('down'), false, 1);
    await clock.advance(100);
    expect(health.tryRedis(true)).toBe(true);
    health.failed(new Error('still down'), true, 2);
    expect(health.degraded).toBe(true);
    expect(health.tryRedis(true)).toBe(false);
    await clock.advance(100);
    expect(health.tryRedis(true)).toBe(true);
    expect(log.records()).toHaveLength(1);
  });

  it('never probes while the client is not ready, and retries at once when the last failure was "not ready"', async () => {
    const { health, clock } = setup(1000);
    expect(health.tryRedis(true)).toBe(true); // the client was ready once
    health.failed(new Error('not ready'), false, 1, 'reconnecting');
    await clock.advance(5000);
    expect(health.tryRedis(false)).toBe(false); // still not ready: no probe, however long
    expect(health.tryRedis(true)).toBe(true); // ready again: no need to wait for the interval
  });

  it('a late answer to a command sent before the latest failure does not end the outage', async () => {
    const { health, clock } = setup(1000);
    health.failed(new Error('timeout'), false, 5);
    health.succeeded(4); // sent before the failure, answered late
    expect(health.degraded).toBe(true);
    await clock.advance(1000);
    expect(health.tryRedis(true)).toBe(true);
    health.succeeded(6);
    expect(health.degraded).toBe(false);
  });

  it('a late failure of a command sent before the latest success does not start an outage', () => {
    const { health, log } = setup();
    health.succeeded(7);
    health.failed(new Error('Redis did not answer within commandTimeoutMs 500 ms'), false, 6);
    expect(health.degraded).toBe(false);
    expect(log.records()).toEqual([]);
  });

  it('a client that has not connected yet falls back quietly, and is used as soon as it is ready', () => {
    const { health, log } = setup(1000);
    expect(health.tryRedis(false)).toBe(true);
    health.failed(new Error('not ready'), false, 1, 'wait');
    expect(health.degraded).toBe(true);
    expect(health.tryRedis(false)).toBe(false);
    expect(health.tryRedis(true)).toBe(true); // connected: at once, no interval
    health.succeeded(2);
    expect(health.degraded).toBe(false);
    expect(log.records()).toEqual([]); // start-up is not an outage: nothing logged either way
  });

  it('a real failure during a quiet start-up outage is logged', () => {
    const { health, log } = setup(1000);
    health.failed(new Error('not ready'), false, 1, 'connecting');
    expect(log.records()).toEqual([]);
    health.failed(new Error('ECONNREFUSED'), false, 2);
    expect(log.records().map((r) => r.error)).toEqual(['ECONNREFUSED']);
  });

  it('the start-up timeout names the last connection error when the client reported one, and the status', () => {
    const { health, log } = setup();
    health.connectTimedOut(3000, 'reconnecting', 'ReplyError WRONGPASS');
    expect(health.degraded).toBe(true);
    const [line] = log.records();
    expect(line).toMatchObject({ level: WARN, connectTimeoutMs: 3000, status: 'reconnecting', lastError: 'ReplyError WRONGPASS' });
    expect(line.msg).toBe(
      'llm-resilience RedisStore: the Redis client did not connect within connectTimeoutMs (status reconnecting, last error ReplyError WRONGPASS), limiting in-process at 1/2 of the limits until it answers',
    );
    const quiet = setup();
    quiet.health.connectTimedOut(3000, 'connecting');
    expect(quiet.log.records()[0].msg).toMatch(/within connectTimeoutMs \(status connecting\), limiting/);
    expect(quiet.log.records()[0]).not.toHaveProperty('lastError');
  });
});
