/**
 * Google API error bodies (`google.rpc` status details): finding a detail by type, and the `RetryInfo` delay.
 * Pure functions of untrusted input; never throw.
 * @packageDocumentation
 */

import { isObject } from '../util/values';
import { capped, roundMs, parseGoDuration, parseHeaderNumber, parseJsonText } from './header-values';

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

function detailInErrorObject(
  value: unknown,
  typeSuffix: string,
  accept: ((detail: Readonly<Record<string, unknown>>) => boolean) | undefined,
): Readonly<Record<string, unknown>> | undefined {
  if (!isObject(value)) return undefined;
  const inner = value.error;
  if (isObject(inner)) {
    const found = detailInList(inner.details, typeSuffix, accept);
    if (found !== undefined) return found;
  }
  return detailInList(value.details, typeSuffix, accept);
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
export function retryInfoMs(detail: Readonly<Record<string, unknown>> | undefined): number | undefined {
  if (detail === undefined) return undefined;
  const delay = detail.retryDelay;
  if (typeof delay === 'string') return parseGoDuration(delay);
  if (!isObject(delay)) return undefined;
  const seconds = delay.seconds;
  const nanos = delay.nanos;
  const s = typeof seconds === 'number' ? seconds : typeof seconds === 'string' ? parseHeaderNumber(seconds) : seconds === undefined ? 0 : undefined;
  const ns = typeof nanos === 'number' ? nanos : nanos === undefined ? 0 : undefined;
  if (s === undefined || ns === undefined || !(s >= 0) || !(ns >= 0)) return undefined;
  return capped(roundMs(s * 1000 + ns / 1e6));
}
