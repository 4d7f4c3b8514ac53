import { ReplyError as IoredisReplyError } from 'ioredis';
import { describeConnectionError } from '../../../../src/limits/redis/startup';

/** ioredis's reply error class (its typings leave the constructor untyped). */
const ReplyError = IoredisReplyError as unknown as new (message: string) => Error;

describe('describeConnectionError: the connection error the start-up warning names', () => {
  it("names a Redis error reply by its class and keyword, never the rest (ioredis keeps AUTH's password in command.args)", () => {
    const wrong = Object.assign(new ReplyError('WRONGPASS invalid username-password pair or user is disabled.'), {
      command: { name: 'auth', args: ['s3cret-pass'] },
    });
    expect(describeConnectionError(wrong)).toBe('ReplyError WRONGPASS');
    expect(describeConnectionError(new ReplyError('NOAUTH Authentication required.'))).toBe('ReplyError NOAUTH');
    expect(describeConnectionError(new ReplyError('ERR AUTH <password> called without any password configured'))).toBe('ReplyError ERR');
  });

  it('names a socket error by its code, not its message (which names the host)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:6380'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(describeConnectionError(refused)).toBe('ECONNREFUSED');
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND user:pw@redis.internal'), { code: 'ENOTFOUND' });
    expect(describeConnectionError(notFound)).toBe('ENOTFOUND');
  });

  it('shows nothing that could carry a secret: a message without a keyword, an odd code or name, a non-error', () => {
    expect(describeConnectionError(new Error('redis://user:s3cret@host:6379 refused'))).toBe('Error');
    expect(describeConnectionError(Object.assign(new Error('x'), { code: 'pw=s3cret' }))).toBe('Error');
    const named = new Error('x');
    named.name = 'redis://user:s3cret@host';
    expect(describeConnectionError(named)).toBe('Error');
    expect(describeConnectionError('redis://user:s3cret@host')).toBe('string');
    expect(describeConnectionError(null)).toBe('object');
  });
});
