/**
 * fast-check arbitraries of hostile provider input (header containers, header values, bodies, clocks) and the
 * validity checks the header-parser fuzz tests share (`__tests__/unit/providers/*.fuzz.test.ts`).
 */
import fc from 'fast-check';
import type { HeaderValue, HeadersLike } from '../../src/providers/headers';
import type { ResourceSnapshot } from '../../src/providers/rate-limit-headers';

/** The parsers' cap on any wait (ms). */
export const MAX_MS = 1e12;
/** Runs per property. */
export const RUNS = { numRuns: 500 };

/** A wait is absent, or a finite number of ms in [0, MAX_MS]. */
export function expectValidMs(value: number | undefined): void {
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

/** A parsed resource is absent, or has at least one field and every field valid. */
export function expectValidResource(resource: ResourceSnapshot | undefined): void {
  if (resource === undefined) return;
  expect(resource.limit !== undefined || resource.remaining !== undefined || resource.resetMs !== undefined).toBe(true);
  expectValidCount(resource.limit);
  expectValidCount(resource.remaining);
  expectValidMs(resource.resetMs);
}

// ---- arbitraries -------------------------------------------------------------------------------

const anyDate = fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true });
/** Clock readings, including non-finite ones. */
export const nowArb = fc.oneof(
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
/** Any header value text: numbers, Go durations, dates, structured fields, binary junk, comma-joined duplicates. */
export const anyText = fc.oneof(valueText, joinedText);

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
/** Known rate-limit header names (any case) and random ones. */
export const headerName = fc.oneof(
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
/** Header containers: plain records, fetch Headers with duplicates, Maps. */
export const anyHeaders: fc.Arbitrary<HeadersLike> = fc.oneof(recordHeaders, fetchHeaders, mapHeaders);

const retryInfo = fc.record({
  '@type': fc.constantFrom('type.googleapis.com/google.rpc.RetryInfo', 'google.rpc.RetryInfo', 'x'),
  retryDelay: fc.oneof(anyText, fc.record({ seconds: fc.oneof(fc.double(), numericText), nanos: fc.double() }), fc.anything()),
});
/** Error bodies: anything, and Gemini RetryInfo details in every shape seen. */
export const anyBody = fc.oneof(
  fc.anything(),
  retryInfo.map((d) => ({ error: { details: [d] } })),
  retryInfo.map((d) => ({ details: [d] })),
  retryInfo.map((d) => [{ error: { details: [d] } }]),
  retryInfo.map((d) => JSON.stringify({ error: { details: [d] } })),
);
