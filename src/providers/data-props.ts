/**
 * Reading untrusted objects without running their code: only data properties are read, own or inherited; a
 * getter is never called and a Proxy's `get` trap never runs. Clients hand back objects whose getters do work:
 * an AI SDK `streamText` result's `usage`, `totalUsage` and `response` are getters returning promises that reject
 * unhandled once touched, `generateText`'s `usage` is a getter over its last step, `@google/genai` responses
 * compute `.text` in a getter that logs warnings, LangChain messages compute `.text` and `.contentBlocks`.
 * Pure functions; never throw.
 * @packageDocumentation
 */

import { isObjectLike } from '../util/values';

/** How many prototypes are looked through for an inherited data property. */
const MAX_PROTO_DEPTH = 8;

/**
 * The value of the data property `key` of `value` (own, or inherited within 8 prototypes, `Object.prototype` left
 * out), or `undefined` when it is absent, an accessor (never called), or unreadable (a revoked or throwing Proxy).
 * @param value - anything.
 * @param key - the property name.
 */
export function dataProp(value: unknown, key: string): unknown {
  if (!isObjectLike(value)) return undefined;
  try {
    let current: object | null = value;
    for (let depth = 0; depth < MAX_PROTO_DEPTH; depth++) {
      const descriptor = Object.getOwnPropertyDescriptor(current, key);
      if (descriptor !== undefined) return 'value' in descriptor ? (descriptor.value as unknown) : undefined;
      current = Object.getPrototypeOf(current) as object | null;
      // nothing is read from Object.prototype: a value there is prototype pollution, not a response's field (and
      // looking there is the slow part of a miss)
      if (current === null || current === Object.prototype) return undefined;
    }
  } catch {
    // a hostile Proxy: nothing readable
  }
  return undefined;
}

/** {@link dataProp} when it is a string, else `undefined`. */
export function dataString(value: unknown, key: string): string | undefined {
  const found = dataProp(value, key);
  return typeof found === 'string' ? found : undefined;
}

/** {@link dataProp} when it is a non-null object (arrays included), else `undefined`. */
export function dataObject(value: unknown, key: string): object | undefined {
  const found = dataProp(value, key);
  return typeof found === 'object' && found !== null ? found : undefined;
}

/**
 * The first `max` elements of an array, each read as a data property (a hole or an accessor reads as
 * `undefined`); `undefined` when `value` is not an array.
 * @param value - anything.
 * @param max - how many elements at most.
 */
export function dataElements(value: unknown, max: number): readonly unknown[] | undefined {
  try {
    if (!Array.isArray(value)) return undefined;
    const length = dataProp(value, 'length');
    const n = typeof length === 'number' ? Math.min(length, max) : 0;
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(dataProp(value, String(i)));
    return out;
  } catch {
    return undefined; // Array.isArray throws on a revoked Proxy
  }
}

/** A token count as providers report it: a finite number ≥ 0, rounded up, at most `Number.MAX_SAFE_INTEGER`. */
export function tokenCount(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return Math.min(Math.ceil(value), Number.MAX_SAFE_INTEGER);
}
