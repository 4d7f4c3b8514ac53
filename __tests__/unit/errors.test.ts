/**
 * `src/errors.ts`: what an error message shows of a rejected option value. A value may carry a secret (an ioredis
 * client passed as `store` holds its password), and an app logs the errors it catches.
 */
import pino from 'pino';
import { PolicyConfigError } from '../../index';

class FakeRedisClient {
  readonly options = { host: 'redis.internal', password: 'S3CRET-REDIS-PASSWORD' };
}

function logged(error: Error): string {
  const lines: string[] = [];
  pino({ level: 'error' }, { write: (line: string) => lines.push(line) }).error({ err: error }, 'configuration failed');
  return lines.join('');
}

describe('PolicyConfigError', () => {
  it('names an instance of a class by its class only, and a logger serialising the error never sees the value', () => {
    const client = new FakeRedisClient();
    const error = new PolicyConfigError('configureResilience', 'store', client, 'a LimiterStore');
    expect(error.message).toBe('configureResilience: invalid option "store" = an instance of FakeRedisClient; expected a LimiterStore');
    expect(error.value).toBe(client); // still there for code that inspects it
    expect(Object.keys(error)).not.toContain('value');
    const line = logged(error);
    expect(line).toContain('invalid option \\"store\\"');
    expect(line).not.toContain('S3CRET');
  });

  it('shows a plain object as JSON, with secret-looking strings hidden and functions and instances named', () => {
    const value = { url: 'redis://:pw@host', password: 'pw', apiKey: 'sk-1', tokensPerMinute: '5000', retry: () => 1, client: new FakeRedisClient() };
    const error = new PolicyConfigError('Svc.ask', 'policies.openai', value, 'a named policy');
    expect(error.message).toContain(
      '{"url":"[hidden]","password":"[hidden]","apiKey":"[hidden]","tokensPerMinute":"5000","retry":"[function retry]","client":"[an instance of FakeRedisClient]"}',
    );
    expect(error.message).not.toContain('pw');
  });

  it('shows an object whose class is Object (console) by its first keys, and bounds long values', () => {
    // like Node's console: its methods on an object whose prototype is a plain object
    const consoleLike: object = Object.assign(Object.create({}) as object, { log() {}, warn() {}, dir() {}, time() {}, timeEnd() {}, error() {} });
    expect(new PolicyConfigError('configureResilience', 'logger', consoleLike, 'a pino logger').message).toBe(
      'configureResilience: invalid option "logger" = an object with keys log, warn, dir, time, timeEnd, …; expected a pino logger',
    );
    const long = new PolicyConfigError('Svc.ask', 'key', 'k'.repeat(500), 'a short key').message;
    expect(long).toMatch(/= "k{198}…; expected a short key$/);
  });

  it("hides a URL's user and password, as a value and inside an object", () => {
    const url = 'redis://default:S3CRET@cache.internal:6379/0';
    expect(new PolicyConfigError('configureResilience', 'store', url, 'a LimiterStore').message).toBe(
      'configureResilience: invalid option "store" = "redis://[hidden]@cache.internal:6379/0"; expected a LimiterStore',
    );
    expect(new PolicyConfigError('Svc.ask', 'policies.k', { endpoint: url }, 'x').message).toContain('{"endpoint":"redis://[hidden]@cache.internal:6379/0"}');
  });

  it('never throws while showing a value JSON cannot show', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(new PolicyConfigError('Svc.ask', 'a', cyclic, 'x').message).toContain('= an object that cannot be shown;');
    expect(new PolicyConfigError('Svc.ask', 'b', { toJSON: () => undefined }, 'x').message).toContain('= an object that cannot be shown;');
    expect(new PolicyConfigError('Svc.ask', 'c', { n: 1n }, 'x').message).toContain('= an object that cannot be shown;');
  });

  it('shows numbers, options objects and arrays as written', () => {
    expect(new PolicyConfigError('Svc.ask', 'maxRetries', -1, 'an integer ≥ 0').message).toBe('Svc.ask: invalid option "maxRetries" = -1; expected an integer ≥ 0');
    expect(new PolicyConfigError('Svc.ask', 'breaker', { failureRatio: 2 }, 'x').message).toContain('= {"failureRatio":2};');
    expect(new PolicyConfigError('Svc.ask', 'retryOn', [429, 'x'], 'x').message).toContain('= [429,"x"];');
  });
});
