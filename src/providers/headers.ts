/**
 * Reading single header values out of whatever header container a client hands us:
 * fetch/undici `Headers`, the SDKs' `Headers`, plain records (any key case) and Maps.
 * @packageDocumentation
 */

/** One header value as the various containers store it. Arrays hold duplicated headers. */
export type HeaderValue = string | readonly string[] | number | null | undefined;

/** fetch/undici Headers (and the SDKs' Headers), a plain record (any key case; Node's IncomingHttpHeaders, axios headers), or a Map. */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, HeaderValue>>
  | ReadonlyMap<string, HeaderValue>;

/**
 * Case-insensitive read of one header; arrays (duplicated headers) → first element; numbers → String;
 * empty/whitespace → undefined. Never throws.
 *
 * A fetch `Headers` object joins duplicated headers with `", "`; that joined text is returned as is
 * (the value parsers in `wait-hints` take its first list member).
 *
 * @param headers - the header container (nullish → `undefined`).
 * @param name - the header name, given in lowercase.
 * @returns the trimmed value, or `undefined` when absent or empty.
 */
export function readHeader(headers: HeadersLike | null | undefined, name: string): string | undefined {
  if (headers === null || headers === undefined || typeof headers !== 'object') return undefined;
  try {
    const getter = (headers as { get?: unknown }).get;
    if (typeof getter === 'function') {
      const found = normalize((getter as (n: string) => unknown).call(headers, name));
      if (found !== undefined || !isMap(headers)) return found;
      return scanMap(headers as ReadonlyMap<unknown, unknown>, name);
    }
    const record = headers as Readonly<Record<string, unknown>>;
    if (Object.hasOwn(record, name)) {
      const exact = normalize(record[name]);
      if (exact !== undefined) return exact;
    }
    return scanRecord(record, name);
  } catch {
    return undefined;
  }
}

/**
 * True for a value usable as {@link HeadersLike} (object with get(), Map, or plain object).
 * Arrays, class instances without `get()`, and primitives are rejected.
 * @param value - anything.
 */
export function isHeadersLike(value: unknown): value is HeadersLike {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  try {
    if (typeof (value as { get?: unknown }).get === 'function') return true;
    const proto: unknown = Object.getPrototypeOf(value);
    // A plain object of any realm: its prototype is null or a realm's Object.prototype.
    return proto === null || Object.getPrototypeOf(proto) === null;
  } catch {
    return false;
  }
}

function normalize(value: unknown): string | undefined {
  if (typeof value === 'string') return nonEmpty(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (Array.isArray(value)) {
    // Duplicated header: the first usable element wins.
    const n = Math.min(value.length, 16);
    for (let i = 0; i < n; i++) {
      const item: unknown = value[i];
      const found = typeof item === 'string' ? nonEmpty(item) : typeof item === 'number' ? normalize(item) : undefined;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function nonEmpty(value: string): string | undefined {
  if (value.length === 0) return undefined;
  const trimmed = value.trim();
  return trimmed.length === 0 ? undefined : trimmed;
}

function isMap(value: object): boolean {
  return value instanceof Map || Object.prototype.toString.call(value) === '[object Map]';
}

function scanRecord(record: Readonly<Record<string, unknown>>, name: string): string | undefined {
  for (const key in record) {
    if (key.length === name.length && key !== name && Object.hasOwn(record, key) && equalsLowercase(key, name)) {
      const found = normalize(record[key]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function scanMap(map: ReadonlyMap<unknown, unknown>, name: string): string | undefined {
  for (const [key, value] of map) {
    if (typeof key === 'string' && key.length === name.length && key !== name && equalsLowercase(key, name)) {
      const found = normalize(value);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** ASCII case-insensitive comparison of `key` against an already-lowercase `lower` of the same length. */
function equalsLowercase(key: string, lower: string): boolean {
  for (let i = 0; i < key.length; i++) {
    let c = key.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}
