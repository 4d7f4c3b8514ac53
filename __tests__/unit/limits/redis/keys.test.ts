import { MAX_ESCAPED_PART, MAX_PREFIX_LENGTH, escapeKeyPart, hashKeyName, validatePrefix } from '../../../../src/limits/redis/keys';

describe('Redis key names', () => {
  it('escapes the escape, braces, ":", "#" and control characters; leaves the rest', () => {
    expect(escapeKeyPart('openai/gpt-4o mini π')).toBe('openai/gpt-4o mini π');
    expect(escapeKeyPart('a{b}c:d#e%f')).toBe('a%7Bb%7Dc%3Ad%23e%25f');
    expect(escapeKeyPart('\u0000\n\u007f')).toBe('%00%0A%7F');
  });

  it('escapes unpaired surrogates apart (UTF-8 would turn them all into U+FFFD), keeps paired ones', () => {
    expect(escapeKeyPart('\uD800')).toBe('%uD800');
    expect(escapeKeyPart('\uDC00x')).toBe('%uDC00x');
    expect(escapeKeyPart('😀')).toBe('😀');
    expect(escapeKeyPart('\uD800')).not.toBe(escapeKeyPart('\uD801'));
  });

  it('is injective on inputs that look like escapes', () => {
    const inputs = ['%7B', '{', '%', '%25', ':', '%3A', '#abc', '%uD800', '\uD800'];
    expect(new Set(inputs.map(escapeKeyPart)).size).toBe(inputs.length);
  });

  it('replaces a long escaped part by "#" and a digest, distinct per input', () => {
    const long = 'x'.repeat(MAX_ESCAPED_PART + 1);
    const digest = escapeKeyPart(long);
    expect(digest).toMatch(/^#[A-Za-z0-9_-]{43}$/);
    expect(escapeKeyPart(`${long}y`)).not.toBe(digest);
    expect(escapeKeyPart('x'.repeat(MAX_ESCAPED_PART))).toHaveLength(MAX_ESCAPED_PART);
  });

  it('names a key <prefix>:{tag} by default, <prefix>:{tag}:<key> with another tag', () => {
    expect(hashKeyName('p', 'openai:gpt-4o', 'openai:gpt-4o')).toBe('p:{openai%3Agpt-4o}');
    expect(hashKeyName('p', 'openai:gpt-4o', 'openai')).toBe('p:{openai}:openai%3Agpt-4o');
    expect(hashKeyName('p', 'a', 'a:b')).not.toBe(hashKeyName('p', 'a:b', 'a'));
  });

  it('accepts prefixes of 1 to 64 characters without braces, whitespace or control characters', () => {
    expect(validatePrefix('llm-resilience:prod')).toBe('llm-resilience:prod');
    expect(validatePrefix('x'.repeat(MAX_PREFIX_LENGTH))).toHaveLength(MAX_PREFIX_LENGTH);
    for (const bad of ['', 'x'.repeat(MAX_PREFIX_LENGTH + 1), 'a{b', 'a}b', 'a b', 'a\tb', 'a\u0000b', 42, undefined]) {
      expect(() => validatePrefix(bad)).toThrow(TypeError);
    }
  });
});
