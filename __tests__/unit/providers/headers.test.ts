import { isHeadersLike, readHeader, type HeadersLike } from '../../../src/providers/headers';

describe('readHeader', () => {
  it('reads a fetch Headers object case-insensitively', () => {
    const h = new Headers({ 'Retry-After': '7' });
    expect(readHeader(h, 'retry-after')).toBe('7');
  });

  it('returns the comma-joined text for duplicated fetch headers', () => {
    const h = new Headers();
    h.append('retry-after', '1');
    h.append('Retry-After', '2');
    expect(readHeader(h, 'retry-after')).toBe('1, 2');
  });

  it('reads a plain record by exact lowercase key', () => {
    expect(readHeader({ 'retry-after': '3' }, 'retry-after')).toBe('3');
  });

  it('reads a plain record with any key case', () => {
    expect(readHeader({ 'Retry-After': '4' }, 'retry-after')).toBe('4');
    expect(readHeader({ 'RETRY-AFTER': '5' }, 'retry-after')).toBe('5');
    expect(readHeader({ 'X-RateLimit-Remaining-Requests': '9' }, 'x-ratelimit-remaining-requests')).toBe('9');
  });

  it('does not match keys that differ only beyond ASCII case folding', () => {
    expect(readHeader({ 'retry-aftes': '4' }, 'retry-after')).toBeUndefined();
    expect(readHeader({ 'retry_after': '4' }, 'retry-after')).toBeUndefined();
  });

  it('falls back to another casing when the exact key holds nothing usable', () => {
    expect(readHeader({ 'retry-after': '  ', 'Retry-After': '6' }, 'retry-after')).toBe('6');
  });

  it('reads a null-prototype record (Node IncomingHttpHeaders)', () => {
    const record = Object.create(null) as Record<string, string>;
    record['retry-after'] = '8';
    expect(readHeader(record, 'retry-after')).toBe('8');
  });

  it('takes the first usable element of an array (duplicated headers)', () => {
    expect(readHeader({ 'retry-after': ['1', '2'] }, 'retry-after')).toBe('1');
    expect(readHeader({ 'retry-after': ['', '2'] }, 'retry-after')).toBe('2');
    expect(readHeader({ 'retry-after': [] }, 'retry-after')).toBeUndefined();
  });

  it('stringifies numbers and rejects non-finite ones', () => {
    expect(readHeader({ 'retry-after': 12 }, 'retry-after')).toBe('12');
    expect(readHeader({ 'retry-after': 0.5 }, 'retry-after')).toBe('0.5');
    expect(readHeader({ 'retry-after': Number.NaN }, 'retry-after')).toBeUndefined();
    expect(readHeader({ 'retry-after': Number.POSITIVE_INFINITY }, 'retry-after')).toBeUndefined();
  });

  it('treats empty and whitespace values as absent and trims the rest', () => {
    expect(readHeader({ 'retry-after': '' }, 'retry-after')).toBeUndefined();
    expect(readHeader({ 'retry-after': ' \t ' }, 'retry-after')).toBeUndefined();
    expect(readHeader({ 'retry-after': ' 9 ' }, 'retry-after')).toBe('9');
    expect(readHeader(new Headers({ 'retry-after': '' }), 'retry-after')).toBeUndefined();
  });

  it('reads a Map, exact key first, then any key case', () => {
    expect(readHeader(new Map([['retry-after', '1']]), 'retry-after')).toBe('1');
    expect(readHeader(new Map([['Retry-After', '2']]), 'retry-after')).toBe('2');
    expect(readHeader(new Map<string, string[]>([['retry-after', ['3', '4']]]), 'retry-after')).toBe('3');
    expect(readHeader(new Map([['other', '1']]), 'retry-after')).toBeUndefined();
  });

  it('reads objects exposing get() (axios-style header classes)', () => {
    const custom = { get: (name: string) => (name === 'retry-after' ? '11' : null) };
    expect(readHeader(custom, 'retry-after')).toBe('11');
    expect(readHeader(custom, 'retry-after-ms')).toBeUndefined();
  });

  it('returns undefined for missing containers and values', () => {
    expect(readHeader(undefined, 'retry-after')).toBeUndefined();
    expect(readHeader(null, 'retry-after')).toBeUndefined();
    expect(readHeader({}, 'retry-after')).toBeUndefined();
    expect(readHeader({ 'retry-after': null, other: undefined }, 'retry-after')).toBeUndefined();
  });

  it('ignores inherited properties', () => {
    const proto = { 'retry-after': '1' };
    const record = Object.create(proto) as Record<string, string>;
    expect(readHeader(record, 'retry-after')).toBeUndefined();
  });

  it('never throws, even on hostile containers', () => {
    const throwingGet = {
      get(): string | null {
        throw new Error('boom');
      },
    };
    const throwingRecord = new Proxy({}, {
      has() {
        throw new Error('boom');
      },
      get() {
        throw new Error('boom');
      },
      getOwnPropertyDescriptor() {
        throw new Error('boom');
      },
      ownKeys() {
        throw new Error('boom');
      },
    });
    expect(readHeader(throwingGet, 'retry-after')).toBeUndefined();
    expect(readHeader(throwingRecord, 'retry-after')).toBeUndefined();
    expect(readHeader('retry-after: 1' as unknown as HeadersLike, 'retry-after')).toBeUndefined();
    expect(readHeader({ 'retry-after': { a: 1 } } as unknown as HeadersLike, 'retry-after')).toBeUndefined();
    expect(readHeader({ 'retry-after': true } as unknown as HeadersLike, 'retry-after')).toBeUndefined();
  });
});

describe('isHeadersLike', () => {
  it('accepts Headers, Maps, plain and null-prototype records, and objects with get()', () => {
    expect(isHeadersLike(new Headers())).toBe(true);
    expect(isHeadersLike(new Map())).toBe(true);
    expect(isHeadersLike({ 'retry-after': '1' })).toBe(true);
    expect(isHeadersLike(Object.create(null))).toBe(true);
    expect(isHeadersLike({ get: () => null })).toBe(true);
  });

  it('rejects primitives, arrays and other class instances', () => {
    expect(isHeadersLike(null)).toBe(false);
    expect(isHeadersLike(undefined)).toBe(false);
    expect(isHeadersLike('retry-after: 1')).toBe(false);
    expect(isHeadersLike(42)).toBe(false);
    expect(isHeadersLike([['retry-after', '1']])).toBe(false);
    expect(isHeadersLike(new Date())).toBe(false);
    expect(isHeadersLike(new Error('x'))).toBe(false);
    class Thing {
      readonly a = 1;
    }
    expect(isHeadersLike(new Thing())).toBe(false);
  });
});
