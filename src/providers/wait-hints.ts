/**
 * Parsers for the values servers use to say "wait this long" (Go durations, `Retry-After`,
 * RFC 3339 reset stamps, IETF `RateLimit` fields, Gemini `RetryInfo`) and {@link serverWaitHint},
 * which picks the server's requested wait out of a response.
 *
 * Every parser here is total: malformed input gives `undefined`, never an exception, `NaN`,
 * a negative number, `Infinity`, or anything above {@link MAX_HINT_MS}.
 * @packageDocumentation
 */

import { readHeader, type HeadersLike } from './headers';

/** Largest wait (ms) any parser returns; a larger value is treated as malformed. */
export const MAX_HINT_MS = 1e12;

/** Inputs longer than this are not header values we understand (bounds the work on hostile input). */
const MAX_TEXT = 256;

/** Go-style duration ("1s", "6m0s", "20ms", "1h2m3.5s", "0.5s", "250us") → milliseconds; undefined if malformed/negative. */
export function parseGoDuration(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const s = firstListMember(text);
  const n = s.length;
  if (n === 0 || n > MAX_TEXT) return undefined;
  let i = s.charCodeAt(0) === 43 /* + */ ? 1 : 0;
  if (i === n) return undefined;
  if (n - i === 1 && s.charCodeAt(i) === 48 /* 0 */) return 0;
  let total = 0;
  while (i < n) {
    const numberStart = i;
    let digits = 0;
    while (i < n && isDigit(s.charCodeAt(i))) { i++; digits++; }
    if (i < n && s.charCodeAt(i) === 46 /* . */) {
      i++;
      while (i < n && isDigit(s.charCodeAt(i))) { i++; digits++; }
    }
    if (digits === 0) return undefined;
    const value = Number(s.slice(numberStart, i));
    const unitStart = i;
    while (i < n && s.charCodeAt(i) !== 46 && !isDigit(s.charCodeAt(i))) i++;
    const unitMs = goUnitMs(s.slice(unitStart, i));
    if (unitMs === undefined) return undefined;
    total += value * unitMs;
    if (!(total <= MAX_HINT_MS)) return undefined;
  }
  return roundMs(total);
}

/** Retry-After value: delta-seconds (may be fractional) or HTTP-date → ms from nowMs (past date → 0). */
export function parseRetryAfter(text: string, nowMs: number): number | undefined {
  if (typeof text !== 'string') return undefined;
  const s = text.trim();
  if (s.length === 0 || s.length > MAX_TEXT) return undefined;
  const c = s.charCodeAt(0);
  if (isDigit(c) || c === 46 /* . */) return secondsToMs(parseHeaderNumber(s));
  const at = parseHttpDate(s);
  return at === undefined ? undefined : msUntil(at, nowMs);
}

/** RFC 3339 timestamp → ms from nowMs (past → 0). */
export function parseResetTimestamp(text: string, nowMs: number): number | undefined {
  if (typeof text !== 'string') return undefined;
  const s = firstListMember(text);
  if (s.length < 20 || s.length > 64) return undefined;
  const m = RFC3339.exec(s);
  if (m === null) return undefined;
  const at = utcMs(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (at === undefined) return undefined;
  let offsetMin = 0;
  if (m[9] !== undefined) {
    const oh = +m[9], om = +m[10]!;
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = m[7] === undefined ? 0 : Number(`0${m[7]}`) * 1000;
  return msUntil(at + fraction - offsetMin * 60_000, nowMs);
}

/**
 * The first comma-separated member of a header value as a non-negative decimal number
 * (`"12"`, `"0.5"`, `"30, 30"` → 30). No signs, exponents or units. Used for counts and
 * second/millisecond values.
 * @param text - a header value.
 * @returns the number, or `undefined` when malformed or not finite.
 */
export function parseHeaderNumber(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const s = firstListMember(text);
  const n = s.length;
  if (n === 0 || n > MAX_TEXT) return undefined;
  let i = 0;
  let digits = 0;
  while (i < n && isDigit(s.charCodeAt(i))) { i++; digits++; }
  if (i < n && s.charCodeAt(i) === 46 /* . */) {
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) { i++; digits++; }
  }
  if (digits === 0 || i !== n) return undefined;
  const value = Number(s);
  return Number.isFinite(value) ? value : undefined;
}

/** One member of an IETF `RateLimit` / `RateLimit-Policy` field, with the numeric parameters we use. */
export interface RateLimitFieldItem {
  /** The policy name (`"burst"` in `"burst";r=0;t=30`); `''` for unnamed (older draft) forms. */
  readonly name: string;
  /** Quota units per window (`RateLimit-Policy`). */
  readonly q?: number;
  /** Window length in seconds (`RateLimit-Policy`). */
  readonly w?: number;
  /** Remaining quota units (`RateLimit`). */
  readonly r?: number;
  /** Seconds until quota is restored (`RateLimit`). */
  readonly t?: number;
}

/**
 * Parses an IETF `RateLimit` or `RateLimit-Policy` field (`"burst";r=50;t=30, "day";r=900;t=3600`),
 * leniently: malformed members are skipped, negative or non-numeric parameters ignored. Also
 * understands draft-07 dictionary syntax (`limit=100, remaining=50, reset=30` → one unnamed item
 * with `q`, `r`, `t`) and a bare-number policy (`100;w=60`).
 * @param text - the field value.
 * @returns the items (possibly empty). Never throws.
 */
export function parseRateLimitField(text: string): RateLimitFieldItem[] {
  const items: RateLimitFieldItem[] = [];
  if (typeof text !== 'string' || text.length > 4 * MAX_TEXT) return items;
  let dictionary: { name: string; q?: number; r?: number; t?: number } | undefined;
  const n = text.length;
  let i = 0;
  while (i < n && items.length < 16) {
    i = skipSpaces(text, i);
    let name = '';
    let bareNumber: number | undefined;
    let dictKey: string | undefined;
    let dictValue: number | undefined;
    if (text.charCodeAt(i) === 34 /* " */) {
      let j = i + 1;
      let out = '';
      while (j < n && text.charCodeAt(j) !== 34) {
        if (text.charCodeAt(j) === 92 /* \ */ && j + 1 < n) j++;
        out += text[j];
        j++;
      }
      name = out;
      i = j + 1;
    } else {
      const start = i;
      while (i < n && !isDelimiter(text.charCodeAt(i))) i++;
      const token = text.slice(start, i).trim();
      if (i < n && text.charCodeAt(i) === 61 /* = */) {
        const valueStart = ++i;
        while (i < n && !isDelimiter(text.charCodeAt(i))) i++;
        dictKey = token.toLowerCase();
        dictValue = parseHeaderNumber(text.slice(valueStart, i).trim());
      } else {
        bareNumber = parseHeaderNumber(token);
        name = bareNumber === undefined ? token : '';
      }
    }
    let q: number | undefined, w: number | undefined, r: number | undefined, t: number | undefined;
    // Parameters: ;key=value
    while (i < n && text.charCodeAt(i) !== 44 /* , */) {
      if (text.charCodeAt(i) !== 59 /* ; */) { i++; continue; }
      const keyStart = ++i;
      while (i < n && !isDelimiter(text.charCodeAt(i))) i++;
      const key = text.slice(keyStart, i).trim();
      if (i >= n || text.charCodeAt(i) !== 61) continue;
      const valueStart = ++i;
      while (i < n && !isDelimiter(text.charCodeAt(i))) i++;
      const value = parseHeaderNumber(text.slice(valueStart, i).trim());
      if (value === undefined) continue;
      if (key === 'q') q = value;
      else if (key === 'w') w = value;
      else if (key === 'r') r = value;
      else if (key === 't') t = value;
    }
    i++; // past the comma
    if (dictKey !== undefined) {
      if (dictValue === undefined) continue;
      dictionary ??= { name: '' };
      if (dictKey === 'limit') dictionary.q = dictValue;
      else if (dictKey === 'remaining') dictionary.r = dictValue;
      else if (dictKey === 'reset') dictionary.t = dictValue;
      continue;
    }
    if (q === undefined && bareNumber !== undefined) q = bareNumber;
    if (name === '' && bareNumber === undefined) continue;
    items.push({ name, q, w, r, t });
  }
  if (dictionary !== undefined) items.push(dictionary);
  return items;
}

/** Which header or body field a {@link WaitHint} came from. */
export type WaitHintSource = 'retry-after-ms' | 'retry-after' | 'x-ratelimit-reset' | 'anthropic-ratelimit-reset' | 'ratelimit' | 'retry-info';

/** A wait the server asked for. */
export interface WaitHint {
  /** Milliseconds to wait, finite, 0 ≤ ms ≤ {@link MAX_HINT_MS}. */
  readonly ms: number;
  /** Where it was read from. */
  readonly source: WaitHintSource;
}

/** `[reset header, remaining header]` per resource, built once. */
type ResetPair = readonly [reset: string, remaining: string];
const OPENAI_RESETS: readonly ResetPair[] = ['requests', 'tokens'].map(
  (r): ResetPair => [`x-ratelimit-reset-${r}`, `x-ratelimit-remaining-${r}`],
);
const ANTHROPIC_RESETS: readonly ResetPair[] = ['requests', 'tokens', 'input-tokens', 'output-tokens'].map(
  (r): ResetPair => [`anthropic-ratelimit-${r}-reset`, `anthropic-ratelimit-${r}-remaining`],
);

/**
 * The server's requested wait, from (in priority order, first usable wins):
 * 1. `retry-after-ms`, then `x-ms-retry-after-ms` (Azure) — milliseconds, may be fractional
 * 2. `retry-after` — seconds or HTTP-date
 * 3. OpenAI `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens` (Go durations) of the resources whose `x-ratelimit-remaining-*` is 0 (the latest of them)
 * 4. Anthropic `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset` (RFC 3339), same rule
 * 5. IETF `RateLimit` field `t=` parameter (seconds) — e.g. `"burst";r=0;t=30` (also the older `ratelimit-reset: 30`)
 * 6. Gemini `google.rpc.RetryInfo.retryDelay` ("26s", "0.5s") found in the error body: accept `body.error.details[]`, `body.details[]`, or an array body `[ { error: {...} } ]`; detail objects have `"@type"` ending in `google.rpc.RetryInfo`.
 * Returns undefined when none is usable. Never throws, never NaN/negative/Infinity.
 *
 * @param headers - response headers (nullish when unknown).
 * @param body - the parsed error body, or its JSON text.
 * @param nowMs - the current time (epoch ms) for date-valued headers.
 */
export function serverWaitHint(headers: HeadersLike | null | undefined, body: unknown, nowMs: number): WaitHint | undefined {
  if (headers !== null && headers !== undefined) {
    const fromHeaders = headerWaitHint(headers, nowMs);
    if (fromHeaders !== undefined) return fromHeaders;
  }
  if (body === null || body === undefined) return undefined;
  try {
    const ms = retryInfoMs(findGoogleRpcDetail(body, 'google.rpc.RetryInfo'));
    return ms === undefined ? undefined : { ms, source: 'retry-info' };
  } catch {
    return undefined;
  }
}

/**
 * Finds a `google.rpc` detail object in a Google API error body — `body.error.details[]`,
 * `body.details[]`, or an array body `[ { error: { details } } ]`; a JSON string body is parsed first.
 * @param body - the error body.
 * @param typeSuffix - what the detail's `"@type"` must end with, e.g. `google.rpc.QuotaFailure`.
 * @param accept - optional further test; the first detail passing it is returned.
 * @returns the detail object, or `undefined`. Never throws.
 */
export function findGoogleRpcDetail(
  body: unknown,
  typeSuffix: string,
  accept?: (detail: Readonly<Record<string, unknown>>) => boolean,
): Readonly<Record<string, unknown>> | undefined {
  try {
    const root = typeof body === 'string' ? parseJsonText(body) : body;
    if (Array.isArray(root)) {
      const n = Math.min(root.length, 8);
      for (let k = 0; k < n; k++) {
        const found = detailInErrorObject(root[k], typeSuffix, accept);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    return detailInErrorObject(root, typeSuffix, accept);
  } catch {
    return undefined;
  }
}

/**
 * Parses `text` as JSON when it looks like a JSON object or array (and is at most 64 KiB).
 * @param text - a response body.
 * @returns the parsed value, or `undefined`. Never throws.
 */
export function parseJsonText(text: string): unknown {
  if (typeof text !== 'string' || text.length > 65_536) return undefined;
  const start = skipSpaces(text, 0);
  const c = text.charCodeAt(start);
  if (c !== 123 /* { */ && c !== 91 /* [ */) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function headerWaitHint(headers: HeadersLike, nowMs: number): WaitHint | undefined {
  let ms = capped(numberOrUndefined(readHeader(headers, 'retry-after-ms')));
  if (ms === undefined) ms = capped(numberOrUndefined(readHeader(headers, 'x-ms-retry-after-ms')));
  if (ms !== undefined) return { ms: roundMs(ms), source: 'retry-after-ms' };
  let v = readHeader(headers, 'retry-after');
  if (v !== undefined) {
    ms = parseRetryAfter(v, nowMs);
    if (ms !== undefined) return { ms, source: 'retry-after' };
  }
  ms = resourceResetMs(headers, OPENAI_RESETS, nowMs, false);
  if (ms !== undefined) return { ms, source: 'x-ratelimit-reset' };
  ms = resourceResetMs(headers, ANTHROPIC_RESETS, nowMs, true);
  if (ms !== undefined) return { ms, source: 'anthropic-ratelimit-reset' };
  v = readHeader(headers, 'ratelimit');
  if (v !== undefined) {
    ms = ietfResetMs(parseRateLimitField(v));
    if (ms !== undefined) return { ms, source: 'ratelimit' };
  }
  v = readHeader(headers, 'ratelimit-reset');
  if (v !== undefined && parseHeaderNumber(readHeader(headers, 'ratelimit-remaining') ?? '') === 0) {
    ms = secondsToMs(parseHeaderNumber(v));
    if (ms !== undefined) return { ms, source: 'ratelimit' };
  }
  return undefined;
}

/**
 * The latest reset among the resources the provider reports as exhausted (remaining 0). A reset header alone
 * is not a wait hint: it says when a bucket is full again, and on a 5xx (or a 429 for another resource) that
 * can be minutes away while a retry would be accepted now. Remaining headers are only read when a reset
 * header is present.
 */
function resourceResetMs(
  headers: HeadersLike,
  pairs: readonly ResetPair[],
  nowMs: number,
  timestamps: boolean,
): number | undefined {
  let maxExhausted: number | undefined;
  for (const [resetName, remainingName] of pairs) {
    const text = readHeader(headers, resetName);
    if (text === undefined) continue;
    const remaining = readHeader(headers, remainingName);
    if (remaining === undefined || parseHeaderNumber(remaining) !== 0) continue;
    const ms = timestamps ? parseResetTimestamp(text, nowMs) : parseGoDuration(text);
    if (ms !== undefined && (maxExhausted === undefined || ms > maxExhausted)) maxExhausted = ms;
  }
  return maxExhausted;
}

function numberOrUndefined(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseHeaderNumber(text);
}

function ietfResetMs(items: readonly RateLimitFieldItem[]): number | undefined {
  let maxExhausted: number | undefined;
  for (const item of items) {
    if (item.r !== 0) continue; // only an exhausted quota makes `t` a wait
    const ms = secondsToMs(item.t);
    if (ms !== undefined && (maxExhausted === undefined || ms > maxExhausted)) maxExhausted = ms;
  }
  return maxExhausted;
}

function detailInErrorObject(
  value: unknown,
  typeSuffix: string,
  accept: ((detail: Readonly<Record<string, unknown>>) => boolean) | undefined,
): Readonly<Record<string, unknown>> | undefined {
  if (!isObject(value)) return undefined;
  const inner = value['error'];
  if (isObject(inner)) {
    const found = detailInList(inner['details'], typeSuffix, accept);
    if (found !== undefined) return found;
  }
  return detailInList(value['details'], typeSuffix, accept);
}

function detailInList(
  details: unknown,
  typeSuffix: string,
  accept: ((detail: Readonly<Record<string, unknown>>) => boolean) | undefined,
): Readonly<Record<string, unknown>> | undefined {
  if (!Array.isArray(details)) return undefined;
  const n = Math.min(details.length, 32);
  for (let k = 0; k < n; k++) {
    const detail: unknown = details[k];
    if (!isObject(detail)) continue;
    const type = detail['@type'];
    if (typeof type === 'string' && type.endsWith(typeSuffix) && (accept === undefined || accept(detail))) return detail;
  }
  return undefined;
}

/** `retryDelay` as proto3 JSON (`"26s"`) or as a decoded Duration (`{ seconds, nanos }`). */
function retryInfoMs(detail: Readonly<Record<string, unknown>> | undefined): number | undefined {
  if (detail === undefined) return undefined;
  const delay = detail['retryDelay'];
  if (typeof delay === 'string') return parseGoDuration(delay);
  if (!isObject(delay)) return undefined;
  const seconds = delay['seconds'];
  const nanos = delay['nanos'];
  const s = typeof seconds === 'number' ? seconds : typeof seconds === 'string' ? parseHeaderNumber(seconds) : seconds === undefined ? 0 : undefined;
  const ns = typeof nanos === 'number' ? nanos : nanos === undefined ? 0 : undefined;
  if (s === undefined || ns === undefined || !(s >= 0) || !(ns >= 0)) return undefined;
  return capped(roundMs(s * 1000 + ns / 1e6));
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,12})?(?:[Zz]|([+-])(\d{2}):?(\d{2}))$/;
const IMF_OR_RFC850 = /^[A-Za-z]{3,9},\s*(\d{1,2})[ -]([A-Za-z]{3})[ -](\d{4}|\d{2})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\s*(?:GMT|UTC))?\s*(?:,|$)/i;
const ASCTIME = /^[A-Za-z]{3}\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})\s*(?:,|$)/;
const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;
const MONTHS = 'janfebmaraprmayjunjulaugsepoctnovdec';

/** IMF-fixdate, RFC 850 and asctime dates; a trailing `, <duplicate>` is ignored. */
function parseHttpDate(s: string): number | undefined {
  let m = IMF_OR_RFC850.exec(s);
  if (m !== null) {
    let year = +m[3]!;
    if (m[3]!.length === 2) year += year < 70 ? 2000 : 1900;
    const month = monthIndex(m[2]!);
    return month === undefined ? undefined : utcMs(year, month, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
  }
  m = ASCTIME.exec(s);
  if (m !== null) {
    const month = monthIndex(m[1]!);
    return month === undefined ? undefined : utcMs(+m[6]!, month, +m[2]!, +m[3]!, +m[4]!, +m[5]!);
  }
  return undefined;
}

function monthIndex(name: string): number | undefined {
  const k = MONTHS.indexOf(name.toLowerCase());
  return k < 0 || k % 3 !== 0 ? undefined : k / 3;
}

/** Epoch ms of a validated calendar time (month 0-based); a leap second 60 is accepted. */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number | undefined {
  if (month < 0 || month > 11 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = month === 1 ? (leap ? 29 : 28) : month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
  if (day > daysInMonth) return undefined;
  // Date.UTC maps years 0–99 to 1900–1999; shift by one exact 400-year Gregorian cycle instead.
  const ms = year < 100
    ? Date.UTC(year + 400, month, day, hour, minute, second) - GREGORIAN_CYCLE_MS
    : Date.UTC(year, month, day, hour, minute, second);
  return Number.isFinite(ms) ? ms : undefined;
}

function msUntil(atMs: number, nowMs: number): number | undefined {
  const d = atMs - nowMs;
  if (Number.isNaN(d)) return undefined;
  if (d <= 0) return 0;
  return d <= MAX_HINT_MS ? roundMs(d) : undefined;
}

function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : capped(roundMs(seconds * 1000));
}

function capped(ms: number | undefined): number | undefined {
  return ms !== undefined && ms >= 0 && ms <= MAX_HINT_MS ? ms : undefined;
}

/** Rounds to whole microseconds, removing float noise such as 1.1 × 1000 = 1100.0000000000002. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function goUnitMs(unit: string): number | undefined {
  switch (unit) {
    case 'h': return 3_600_000;
    case 'm': return 60_000;
    case 's': return 1000;
    case 'ms': return 1;
    case 'us': case '\u00b5s': case '\u03bcs': return 1e-3;
    case 'ns': return 1e-6;
    default: return undefined;
  }
}

/** The first comma-separated member (fetch joins duplicated headers with ", "), trimmed; no allocation when there is no comma and no padding. */
function firstListMember(value: string): string {
  const comma = value.indexOf(',');
  return (comma < 0 ? value : value.slice(0, comma)).trim();
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isDelimiter(c: number): boolean {
  return c === 59 /* ; */ || c === 44 /* , */ || c === 61 /* = */;
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}
