import fc from 'fast-check';
import { classifyError, errorFacts } from '../../src/providers/classify';
import { readHeader, type HeaderValue, type HeadersLike } from '../../src/providers/headers';
import { parseRateLimitHeaders, type ResourceSnapshot } from '../../src/providers/rate-limit-headers';
import { parseGoDuration, parseHeaderNumber, parseRateLimitField, parseResetTimestamp, parseRetryAfter } from '../../src/providers/header-values';
import { serverWaitHint } from '../../src/providers/wait-hints';

const MAX_MS = 1e12;
const RUNS = { numRuns: 500 };

function expectValidMs(value: number | undefined): void {
  if (value === undefined) return;
  expect(typeof value).toBe('number');
  expect(Number.isFinite(value)).toBe(true);
  expect(value).toBeGreaterThanOrEqual(0);
  expect(value).toBeLessThanOrEqual(MAX_MS);
}

function expectValidCount(value: number | undefined): void {
  if (value === undefined) return;
  expect(Number.isInteger(value)).toBe(true);
  expect(value).toBeGreaterThanOrEqual(0);
  expect(value).toBeLessThanOrEqual(1e15);
}

function expectValidResource(resource: ResourceSnapshot | undefined): void {
  if (resource === undefined) return;
  expect(resource.limit !== undefined || resource.remaining !== undefined || resource.resetMs !== undefined).toBe(true);
  expectValidCount(resource.limit);
  expectValidCount(resource.remaining);
  expectValidMs(resource.resetMs);
}

// ---- arbitraries -------------------------------------------------------------------------------

const anyDate = fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true });
const nowArb = fc.oneof(
  fc.integer({ min: 0, max: 4_102_444_800_000 }),
  fc.double(), // includes NaN, ±Infinity, -0
  fc.constant(Date.UTC(2025, 0, 15)),
);
const numericText = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.bigInt().map(String),
  fc.nat().map((n) => `${n}.${n}`),
  fc.constantFrom('0', '-0', '1e400', '-1', 'NaN', 'Infinity', '-Infinity', '1e12', '1e15', '999999999999999999999', '.', '0.', '.5'),
);
const goUnit = fc.constantFrom('h', 'm', 's', 'ms', 'us', '\u00b5s', 'ns', 'd', '', 'S', ' s');
const goDurationText = fc
  .array(fc.tuple(fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e9, noNaN: true }), fc.integer({ min: -5, max: 5 })), goUnit), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => parts.map(([n, u]) => `${n}${u}`).join(''));
const dateText = anyDate.chain((d) =>
  fc.constantFrom(
    d.toUTCString(),
    d.toISOString(),
    d.toISOString().replace('Z', '+05:30'),
    d.toISOString().replace('.000Z', '-23:59'),
    d.toString(),
    String(Math.floor(d.getTime() / 1000)),
  ),
);
const sfItemText = fc
  .tuple(
    fc.oneof(fc.constant('"burst"'), fc.constant('day'), fc.string({ maxLength: 6 })),
    fc.array(fc.tuple(fc.constantFrom('q', 'w', 'r', 't', 'x', ''), numericText), { maxLength: 4 }),
  )
  .map(([name, params]) => name + params.map(([k, v]) => `;${k}=${v}`).join(''));
const sfFieldText = fc.array(sfItemText, { minLength: 1, maxLength: 4 }).map((items) => items.join(', '));
const valueText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  numericText,
  goDurationText,
  dateText,
  sfFieldText,
);
/** Two values joined the way fetch joins duplicated headers. */
const joinedText = fc.tuple(valueText, valueText).map(([a, b]) => `${a}, ${b}`);
const anyText = fc.oneof(valueText, joinedText);

const HEADER_NAMES = [
  'retry-after-ms',
  'x-ms-retry-after-ms',
  'retry-after',
  'x-ratelimit-limit-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-requests',
  'x-ratelimit-reset-tokens',
  ...['requests', 'tokens', 'input-tokens', 'output-tokens'].flatMap((r) => [
    `anthropic-ratelimit-${r}-limit`,
    `anthropic-ratelimit-${r}-remaining`,
    `anthropic-ratelimit-${r}-reset`,
  ]),
  'ratelimit',
  'ratelimit-policy',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'x-should-retry',
];
const headerName = fc.oneof(
  fc.constantFrom(...HEADER_NAMES),
  fc.constantFrom(...HEADER_NAMES).map((n) => n.toUpperCase()),
  fc.string({ maxLength: 12 }),
);
const headerValue: fc.Arbitrary<HeaderValue> = fc.oneof(
  anyText,
  fc.array(anyText, { maxLength: 3 }),
  fc.double(),
  fc.constant(null),
  fc.constant(undefined),
);
const recordHeaders = fc.dictionary(headerName, headerValue, { maxKeys: 12 });
/** A fetch Headers with duplicates appended (values the Headers class refuses are dropped). */
const fetchHeaders = fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), anyText), { maxLength: 12 }).map((entries) => {
  const h = new Headers();
  for (const [name, value] of entries) {
    try {
      h.append(name, value);
    } catch {
      // invalid header value for fetch; skip
    }
  }
  return h;
});
const mapHeaders = fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }).map((entries) => new Map(entries));
const anyHeaders: fc.Arbitrary<HeadersLike> = fc.oneof(recordHeaders, fetchHeaders, mapHeaders);

const retryInfo = fc.record({
  '@type': fc.constantFrom('type.googleapis.com/google.rpc.RetryInfo', 'google.rpc.RetryInfo', 'x'),
  retryDelay: fc.oneof(anyText, fc.record({ seconds: fc.oneof(fc.double(), numericText), nanos: fc.double() }), fc.anything()),
});
const anyBody = fc.oneof(
  fc.anything(),
  retryInfo.map((d) => ({ error: { details: [d] } })),
  retryInfo.map((d) => ({ details: [d] })),
  retryInfo.map((d) => [{ error: { details: [d] } }]),
  retryInfo.map((d) => JSON.stringify({ error: { details: [d] } })),
);

// ---- properties --------------------------------------------------------------------------------

describe('header parsers under fuzzing', () => {
  it('parseGoDuration never throws and returns a valid ms or undefined', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expectValidMs(parseGoDuration(text));
      }),
      RUNS,
    );
  });

  it('parseGoDuration sums h/m/s/ms components exactly (oracle)', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(59), fc.nat(59), fc.nat(999), (h, m, s, ms) => {
        const text = `${h}h${m}m${s}s${ms}ms`;
        expect(parseGoDuration(text)).toBe(((h * 60 + m) * 60 + s) * 1000 + ms);
        expect(parseGoDuration(`${text}, 1s`)).toBe(((h * 60 + m) * 60 + s) * 1000 + ms);
      }),
      RUNS,
    );
  });

  it('parseRetryAfter never throws and returns a valid ms or undefined', () => {
    fc.assert(
      fc.property(anyText, nowArb, (text, now) => {
        expectValidMs(parseRetryAfter(text, now));
      }),
      RUNS,
    );
  });

  it('parseRetryAfter reads delta-seconds and IMF-fixdates exactly (oracle), first of duplicates', () => {
    fc.assert(
      fc.property(fc.nat(2_000_000_000), (seconds) => {
        const expected = seconds * 1000 <= MAX_MS ? seconds * 1000 : undefined;
        expect(parseRetryAfter(String(seconds), 0)).toBe(expected);
        expect(parseRetryAfter(`${seconds}, 7`, 0)).toBe(expected);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(
        fc.date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (date, now) => {
          const at = Math.floor(date.getTime() / 1000) * 1000;
          const d = at - now;
          const expected = d <= 0 ? 0 : d <= MAX_MS ? d : undefined;
          expect(parseRetryAfter(date.toUTCString(), now)).toBe(expected);
          expect(parseRetryAfter(`${date.toUTCString()}, ${new Date(0).toUTCString()}`, now)).toBe(expected);
        },
      ),
      RUNS,
    );
  });

  it('parseResetTimestamp never throws and returns a valid ms or undefined', () => {
    fc.assert(
      fc.property(anyText, nowArb, (text, now) => {
        expectValidMs(parseResetTimestamp(text, now));
      }),
      RUNS,
    );
  });

  it('parseResetTimestamp reads ISO stamps exactly (oracle), including years before 100', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (date, now) => {
          const iso = date.toISOString();
          fc.pre(/^\d{4}-/.test(iso));
          const d = date.getTime() - now;
          const expected = d <= 0 ? 0 : d <= MAX_MS ? d : undefined;
          expect(parseResetTimestamp(iso, now)).toBe(expected);
        },
      ),
      RUNS,
    );
  });

  it('parseHeaderNumber and parseRateLimitField never yield negative or non-finite numbers', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const n = parseHeaderNumber(text);
        if (n !== undefined) {
          expect(Number.isFinite(n)).toBe(true);
          expect(n).toBeGreaterThanOrEqual(0);
        }
        for (const item of parseRateLimitField(text)) {
          expect(typeof item.name).toBe('string');
          for (const v of [item.q, item.w, item.r, item.t]) {
            if (v === undefined) continue;
            expect(Number.isFinite(v)).toBe(true);
            expect(v).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      RUNS,
    );
  });

  it('readHeader never throws and returns trimmed non-empty text or undefined', () => {
    fc.assert(
      fc.property(anyHeaders, headerName, (headers, name) => {
        const value = readHeader(headers, name.toLowerCase());
        if (value !== undefined) {
          expect(typeof value).toBe('string');
          expect(value.length).toBeGreaterThan(0);
          expect(value).toBe(value.trim());
        }
      }),
      RUNS,
    );
  });

  it('serverWaitHint never throws and returns a valid hint or undefined', () => {
    const sources = ['retry-after-ms', 'retry-after', 'x-ratelimit-reset', 'anthropic-ratelimit-reset', 'ratelimit', 'retry-info'];
    fc.assert(
      fc.property(fc.option(anyHeaders), anyBody, nowArb, (headers, body, now) => {
        const hint = serverWaitHint(headers, body, now);
        if (hint !== undefined) {
          expectValidMs(hint.ms);
          expect(sources).toContain(hint.source);
        }
      }),
      RUNS,
    );
  });

  it('serverWaitHint: array and comma-joined duplicates agree with the first value', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.nat(1_000_000), (a, b) => {
        const expected = { ms: a, source: 'retry-after-ms' };
        expect(serverWaitHint({ 'retry-after-ms': [String(a), String(b)] }, undefined, 0)).toEqual(expected);
        const h = new Headers();
        h.append('retry-after-ms', String(a));
        h.append('retry-after-ms', String(b));
        expect(serverWaitHint(h, undefined, 0)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('parseRateLimitHeaders never throws and every field is valid', () => {
    fc.assert(
      fc.property(fc.option(anyHeaders), nowArb, (headers, now) => {
        const snapshot = parseRateLimitHeaders(headers, now);
        if (snapshot === undefined) return;
        const resources = [snapshot.requests, snapshot.tokens, snapshot.inputTokens, snapshot.outputTokens];
        expect(resources.some((r) => r !== undefined)).toBe(true);
        for (const r of resources) expectValidResource(r);
      }),
      RUNS,
    );
  });

  it('errorFacts and classifyError never throw on anything, and the verdict is coherent', () => {
    const retryReasons = ['rate-limited', 'overloaded', 'server-error', 'request-timeout', 'conflict', 'network', 'attempt-timeout', 'should-retry-header'];
    const noRetryReasons = ['aborted', 'client-error', 'quota-exhausted', 'should-retry-header', 'not-retryable'];
    const errorLike = fc.oneof(
      fc.anything(),
      fc.record(
        {
          status: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.anything()),
          statusCode: fc.anything(),
          headers: fc.oneof(anyHeaders, fc.anything()),
          body: anyBody,
          error: anyBody,
          code: fc.oneof(fc.constantFrom('ECONNRESET', 'ABORT_ERR', 'ATTEMPT_TIMEOUT', 'insufficient_quota'), fc.anything()),
          name: fc.oneof(fc.constantFrom('AbortError', 'TypeError', 'APIConnectionError'), fc.string()),
          message: fc.oneof(fc.constantFrom('fetch failed', 'socket hang up', 'insufficient_quota'), fc.string()),
          cause: fc.anything(),
          response: fc.record({ status: fc.anything(), headers: fc.oneof(anyHeaders, fc.anything()), data: anyBody }),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(errorLike, (error) => {
        const facts = errorFacts(error);
        if (facts.status !== undefined) {
          expect(Number.isInteger(facts.status)).toBe(true);
          expect(facts.status).toBeGreaterThanOrEqual(100);
        }
        const c = classifyError(error);
        expect(typeof c.retryable).toBe('boolean');
        expect(c.retryable ? retryReasons : noRetryReasons).toContain(c.reason);
        // Aborts and attempt timeouts are decided before the facts are read; otherwise the status is carried.
        if (c.reason !== 'aborted' && c.reason !== 'attempt-timeout') expect(c.status).toBe(facts.status);
        else expect(c.status).toBeUndefined();
      }),
      RUNS,
    );
  });
});
