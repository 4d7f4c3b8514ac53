import 'reflect-metadata';
import { Registry } from 'prom-client';
import { container } from 'tsyringe';
import { PolicyConfigError, configureResilience } from '../../../index';

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
    ['asyncContext', { asyncContext: 'yes' }],
    ['policies', { policies: 'openai' }],
    // an ioredis client where a RedisStore wrapping it belongs
    ['store', { store: { status: 'ready', defineCommand: () => undefined } }],
    ['logger', { logger: console }],
    ['clock', { clock: Date }],
    ['random', { random: 0.5 }],
    // a misspelt option is not ignored
    ['polices', { polices: {} }],
    ['options', 42],
    ['options', null],
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

  it('an ioredis client given as store: the error says to wrap it in a RedisStore', () => {
    const client = { status: 'ready', defineCommand: () => undefined, options: { password: 'S3CRET' } };
    expect(() => configureResilience(container, { store: client } as never)).toThrow(
      /invalid option "store" = .*; expected a LimiterStore: this is an ioredis client, wrap it: new RedisStore\(\{ client \}\)$/,
    );
  });

  it('registers no series when another option is invalid', () => {
    const registry = new Registry();
    expect(() => configureResilience(container, { metrics: { registry }, lowCapacity: { consecutive: -1 } })).toThrow(PolicyConfigError);
    expect(registry.getMetricsAsArray()).toEqual([]);
  });
});
