/**
 * Redis key layout of the Redis store: one Redis key per limit key, named so that arbitrary user keys can
 * neither break the layout nor the Redis Cluster hash tag, and so that two prefixes never share a key.
 *
 * Layout: `<prefix>:{<tag>}` when the hash tag is the limit key itself (the default), else
 * `<prefix>:{<tag>}:<key>`, where `<tag>` and `<key>` are {@link escapeKeyPart escaped}; and one key per prefix for
 * the fleet's heartbeat, `<prefix>:#instances` (no `{` after the prefix's `:`, so no limit key can be named so). The prefix holds no
 * `{` or `}`, so the first `{` of a name opens its hash tag and, since escaped parts hold no braces either, the
 * first `}` after it closes the tag: Redis Cluster hashes exactly the escaped tag.
 * @packageDocumentation
 */

import { createHash } from 'node:crypto';

/** Default key prefix. */
export const DEFAULT_PREFIX = 'llm-resilience';

/** Longest accepted prefix. */
export const MAX_PREFIX_LENGTH = 64;

/** Escaped parts longer than this are replaced by a digest, so Redis key names stay bounded. */
export const MAX_ESCAPED_PART = 200;

/**
 * Escaped: the escape itself, braces (hash tags), `:` (separator), `#` (digest marker) and control characters
 * as `%XX`; unpaired UTF-16 surrogates as `%uXXXX` (UTF-8 cannot carry them: they would all turn into U+FFFD and
 * distinct keys would meet).
 */
// eslint-disable-next-line no-control-regex -- control characters are among what must be escaped
const ESCAPED = /[%{}:#\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code >= 0xd800 ? `%u${code.toString(16).toUpperCase()}` : `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * Validates a key prefix: 1–64 characters, no braces (they would open a hash tag), no whitespace or control
 * characters.
 * @param prefix - the prefix to check.
 * @returns the prefix.
 * @throws TypeError naming the problem.
 */
export function validatePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || prefix.length === 0 || prefix.length > MAX_PREFIX_LENGTH) {
    throw new TypeError(`RedisStore: "prefix" must be a string of 1 to ${MAX_PREFIX_LENGTH} characters, got ${JSON.stringify(prefix)}`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are what the prefix must not contain
  if (/[{}\s\u0000-\u001f\u007f]/.test(prefix)) {
    throw new TypeError(`RedisStore: "prefix" must not contain "{", "}", whitespace or control characters, got ${JSON.stringify(prefix)}`);
  }
  return prefix;
}

/**
 * Encodes one user-supplied part of a key name: `%`, `{`, `}`, `:`, `#` and control characters become `%XX`,
 * unpaired surrogates `%uXXXX` (injective: every `%` of the output starts an escape, so distinct inputs give
 * distinct outputs). A result longer than {@link MAX_ESCAPED_PART} becomes `#` + the base64url SHA-256 of the
 * escaped form (escaped parts never contain a bare `#`, so the two forms cannot meet).
 * @param part - any string.
 * @returns well-formed text without braces, `:` or control characters.
 */
export function escapeKeyPart(part: string): string {
  const escaped = part.replace(ESCAPED, escapeChar);
  if (escaped.length <= MAX_ESCAPED_PART) return escaped;
  return `#${createHash('sha256').update(escaped, 'utf8').digest('base64url')}`;
}

/**
 * The Redis key that holds one limit key's state.
 * @param prefix - a {@link validatePrefix validated} prefix.
 * @param key - the limit key.
 * @param tag - the key's hash tag (the key itself by default).
 */
export function hashKeyName(prefix: string, key: string, tag: string): string {
  const escapedTag = escapeKeyPart(tag);
  return tag === key ? `${prefix}:{${escapedTag}}` : `${prefix}:{${escapedTag}}:${escapeKeyPart(key)}`;
}

/**
 * The sorted set of the live store instances sharing a prefix (the heartbeat). No hash tag: one key, one slot.
 * @param prefix - a {@link validatePrefix validated} prefix.
 */
export function instancesKeyName(prefix: string): string {
  return `${prefix}:#instances`;
}
