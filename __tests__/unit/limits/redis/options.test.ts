import Redis from 'ioredis';
import { consoleLogger } from '../../../../src/limits/redis/health';
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_POLL_JITTER_MS,
  DEFAULT_RECOVERY_INTERVAL_MS,
  resolveOptions,
  type RedisStoreOptions,
} from '../../../../src/limits/redis/options';

describe('RedisStore options', () => {
  // a real client that is never connected (lazyConnect): validation needs no server
  const client = new Redis({ lazyConnect: true });
  afterAll(() => client.disconnect());

  it('fills in the defaults', () => {
    expect(resolveOptions({ client })).toEqual({
      client,
      prefix: 'llm-resilience',
      onStoreError: 'local',
      instances: 1,
      commandTimeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
      connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
      pollJitterMs: DEFAULT_POLL_JITTER_MS,
      recoveryIntervalMs: DEFAULT_RECOVERY_INTERVAL_MS,
      heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
      hashTag: undefined,
      rampUp: true,
      logger: consoleLogger,
    });
  });

  it('keeps valid values, zero included where allowed', () => {
    const hashTag = (key: string): string => key.split(':')[0];
    const logger = { warn: () => undefined, info: () => undefined };
    const resolved = resolveOptions({
      client,
      prefix: 'p',
      onStoreError: 'fail-closed',
      instances: 2.5,
      commandTimeoutMs: 1,
      connectTimeoutMs: 0,
      pollJitterMs: 0,
      recoveryIntervalMs: 0,
      heartbeatIntervalMs: 100,
      hashTag,
      logger,
    });
    expect(resolved).toMatchObject({
      prefix: 'p',
      onStoreError: 'fail-closed',
      instances: 2.5,
      commandTimeoutMs: 1,
      connectTimeoutMs: 0,
      pollJitterMs: 0,
      recoveryIntervalMs: 0,
      heartbeatIntervalMs: 100,
    });
    expect(resolved.hashTag).toBe(hashTag);
    expect(resolved.logger).toBe(logger);
  });

  it.each<[string, unknown, RegExp]>([
    ['client', { client: undefined }, /"client" must be an ioredis Redis or Cluster instance, got undefined/],
    ['client', { client: {} }, /"client" must be an ioredis Redis or Cluster instance, got \{\}/],
    // a connection string where the client belongs: its password is not repeated
    ['client', { client: 'redis://default:S3CRET@cache:6379/0' }, /got "redis:\/\/\[hidden\]@cache:6379\/0"$/],
    ['client', undefined, /"client" must be an ioredis Redis or Cluster instance/],
    ['prefix', { prefix: 'a{b' }, /"prefix" must not contain/],
    ['prefix', { prefix: '' }, /"prefix" must be a string of 1 to 64 characters, got ""/],
    ['onStoreError', { onStoreError: 'retry' }, /"onStoreError" must be one of "local", "fail-closed", "fail-open", got "retry"/],
    ['instances', { instances: 0 }, /"instances" must be a finite number ≥ 1, got 0/],
    ['instances', { instances: Number.POSITIVE_INFINITY }, /"instances" must be a finite number ≥ 1, got Infinity/],
    ['commandTimeoutMs', { commandTimeoutMs: 0 }, /"commandTimeoutMs" must be a finite number > 0, got 0/],
    ['commandTimeoutMs', { commandTimeoutMs: Number.NaN }, /"commandTimeoutMs" must be a finite number > 0, got NaN/],
    ['connectTimeoutMs', { connectTimeoutMs: -5 }, /"connectTimeoutMs" must be a finite number ≥ 0, got -5/],
    ['connectTimeoutMs', { connectTimeoutMs: Number.POSITIVE_INFINITY }, /"connectTimeoutMs" must be a finite number ≥ 0, got Infinity/],
    ['pollJitterMs', { pollJitterMs: -1 }, /"pollJitterMs" must be a finite number ≥ 0, got -1/],
    ['recoveryIntervalMs', { recoveryIntervalMs: '5' }, /"recoveryIntervalMs" must be a finite number ≥ 0, got 5/],
    ['heartbeatIntervalMs', { heartbeatIntervalMs: 0 }, /"heartbeatIntervalMs" must be a finite number > 0, got 0/],
    ['hashTag', { hashTag: 'tenant' }, /"hashTag" must be a function \(key\) => tag, got "tenant"/],
    ['rampUp', { rampUp: 'yes' }, /"rampUp" must be a boolean, got "yes"/],
  ])('refuses a bad %s with a TypeError naming it and the value', (_name, over, message) => {
    const options = over === undefined ? undefined : { client, ...(over as object) };
    expect(() => resolveOptions(options as unknown as RedisStoreOptions)).toThrow(TypeError);
    expect(() => resolveOptions(options as unknown as RedisStoreOptions)).toThrow(message);
  });

  it('reports the first bad option in a fixed order (client, prefix, onStoreError, instances, timeouts, hashTag)', () => {
    const bad = { client, prefix: '', onStoreError: 'x', instances: 0, commandTimeoutMs: 0 } as unknown as RedisStoreOptions;
    expect(() => resolveOptions(bad)).toThrow(/"prefix"/);
    expect(() => resolveOptions({ ...bad, prefix: 'ok' })).toThrow(/"onStoreError"/);
    expect(() => resolveOptions({ ...bad, prefix: 'ok', onStoreError: 'local' })).toThrow(/"instances"/);
  });
});
