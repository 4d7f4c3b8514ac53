/**
 * Parsers for the values servers use in headers (Go durations, `Retry-After`, RFC 3339 reset stamps, plain
 * numbers, IETF `RateLimit` fields) and for JSON error bodies. Pure functions of untrusted input.
 *
 * Every parser here is total: malformed input gives `undefined`, never an exception, `NaN`,
 * a negative number, `Infinity`, or anything above {@link MAX_HINT_MS}.
 * @packageDocumentation
 */

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
  const at = utcMs(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (at === undefined) return undefined;
  // Optional groups are undefined when absent, which RegExpExecArray's element type does not say.
  const offsetHours = m[9] as string | undefined;
  const fractionDigits = m[7] as string | undefined;
  let offsetMin = 0;
  if (offsetHours !== undefined) {
    const oh = +offsetHours, om = +m[10];
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = fractionDigits === undefined ? 0 : Number(`0${fractionDigits}`) * 1000;
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

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,12})?(?:[Zz]|([+-])(\d{2}):?(\d{2}))$/;
const IMF_OR_RFC850 = /^[A-Za-z]{3,9},\s*(\d{1,2})[ -]([A-Za-z]{3})[ -](\d{4}|\d{2})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\s*(?:GMT|UTC))?\s*(?:,|$)/i;
const ASCTIME = /^[A-Za-z]{3}\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})\s*(?:,|$)/;
const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;
const MONTHS = 'janfebmaraprmayjunjulaugsepoctnovdec';

/** IMF-fixdate, RFC 850 and asctime dates; a trailing `, <duplicate>` is ignored. */
function parseHttpDate(s: string): number | undefined {
  let m = IMF_OR_RFC850.exec(s);
  if (m !== null) {
    let year = +m[3];
    if (m[3].length === 2) year += year < 70 ? 2000 : 1900;
    const month = monthIndex(m[2]);
    return month === undefined ? undefined : utcMs(year, month, +m[1], +m[4], +m[5], +m[6]);
  }
  m = ASCTIME.exec(s);
  if (m !== null) {
    const month = monthIndex(m[1]);
    return month === undefined ? undefined : utcMs(+m[6], month, +m[2], +m[3], +m[4], +m[5]);
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

/** Seconds (a parsed header number) → ms, rounded to whole µs; undefined when absent, negative or above {@link MAX_HINT_MS}. */
export function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : capped(roundMs(seconds * 1000));
}

/** `ms` when it is a wait this library accepts (0 ≤ ms ≤ {@link MAX_HINT_MS}), else undefined. */
export function capped(ms: number | undefined): number | undefined {
  return ms !== undefined && ms >= 0 && ms <= MAX_HINT_MS ? ms : undefined;
}

/** Rounds to whole microseconds, removing float noise such as 1.1 × 1000 = 1100.0000000000002. */
export function roundMs(ms: number): number {
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

/** Index of the first character at or after `i` that is not a space or tab. */
export function skipSpaces(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}
