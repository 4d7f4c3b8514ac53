import fc from 'fast-check';
import { countTextTokens } from '../../../src/tokens';
import { encodingForModel, preloadTokenizer } from '../../../src/tokens/count';
import { CORPUS, cl100k, o200k } from '../../helpers/tokenizer-oracles';

describe('encodingForModel', () => {
  it.each([
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini-2024-07-18', 'o200k_base'],
    ['GPT-4.1-nano', 'o200k_base'],
    ['gpt-5', 'o200k_base'],
    ['gpt-5.1-codex', 'o200k_base'],
    ['o1', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['o4-mini-2025-04-16', 'o200k_base'],
    ['chatgpt-4o-latest', 'o200k_base'],
    ['openai/gpt-4o', 'o200k_base'],
    ['ft:gpt-4o-mini-2024-07-18:org::abc', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['gpt-35-turbo', 'cl100k_base'],
    ['text-embedding-3-small', 'cl100k_base'],
  ])('%s -> %s', (model, enc) => {
    expect(encodingForModel(model)).toBe(enc);
  });

  it.each([['claude-sonnet-4-5'], ['gemini-2.5-pro'], ['llama-3-70b'], ['o10'], ['my-deployment'], [''], [undefined]])(
    '%s -> unknown',
    (model) => {
      expect(encodingForModel(model)).toBeUndefined();
    },
  );
});

describe('countTextTokens', () => {
  it('matches known o200k counts', () => {
    expect(countTextTokens('hello world', 'gpt-4o')).toBe(2);
    expect(countTextTokens('', 'gpt-4o')).toBe(0);
    expect(countTextTokens('hello world', 'gpt-4o')).toBe(o200k('hello world'));
  });

  it('agrees exactly with js-tiktoken on o200k for the corpus', () => {
    for (const s of CORPUS) expect([s, countTextTokens(s, 'gpt-4o')]).toEqual([s, o200k(s)]);
  });

  it('agrees exactly with js-tiktoken on cl100k for the corpus', () => {
    for (const s of CORPUS) expect([s, countTextTokens(s, 'gpt-4')]).toEqual([s, cl100k(s)]);
  });

  it('picks a different encoding for o200k vs cl100k models', () => {
    const s = CORPUS[7]; // Chinese: o200k is markedly denser than cl100k
    expect(o200k(s)).not.toBe(cl100k(s));
    expect(countTextTokens(s, 'gpt-4o-mini')).toBe(o200k(s));
    expect(countTextTokens(s, 'gpt-3.5-turbo')).toBe(cl100k(s));
  });

  it('agrees with js-tiktoken on arbitrary unicode strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (s) => {
        expect(countTextTokens(s, 'gpt-4o')).toBe(o200k(s));
        expect(countTextTokens(s, 'gpt-4')).toBe(cl100k(s));
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('counts special-token strings as text instead of throwing', () => {
    const s = '<|endoftext|>';
    expect(countTextTokens(s, 'gpt-4o')).toBe(o200k(s));
    expect(countTextTokens(s, 'gpt-4o')).toBeGreaterThan(1);
  });

  it('falls back to ceil(chars / 4) for unknown or missing models', () => {
    const s = 'x'.repeat(10);
    expect(countTextTokens(s)).toBe(3);
    expect(countTextTokens(s, 'claude-sonnet-4-5')).toBe(3);
    expect(countTextTokens(s, 'gemini-2.5-flash')).toBe(3);
    expect(countTextTokens('abcd', undefined)).toBe(1);
    expect(countTextTokens('', 'claude-3-haiku')).toBe(0);
  });

  it('alternating models does not reuse the wrong encoding', () => {
    const s = CORPUS[7];
    for (let i = 0; i < 3; i++) {
      expect(countTextTokens(s, 'gpt-4o')).toBe(o200k(s));
      expect(countTextTokens(s, 'claude-opus-4')).toBe(Math.ceil(s.length / 4));
      expect(countTextTokens(s, 'gpt-4')).toBe(cl100k(s));
    }
  });

  it('preloadTokenizer loads BPE only for known OpenAI models', () => {
    expect(preloadTokenizer('gpt-4o')).toBe(true);
    expect(preloadTokenizer('gpt-3.5-turbo')).toBe(true);
    expect(preloadTokenizer('claude-haiku-4-5')).toBe(false);
  });

  it('returns 0 for non-string input without throwing', () => {
    expect(countTextTokens(undefined as unknown as string, 'gpt-4o')).toBe(0);
    expect(countTextTokens(42 as unknown as string, 'gpt-4o')).toBe(0);
  });

  it('stays fast and near-exact on pathological long runs', () => {
    // Without run cutting, gpt-tokenizer needs ~47 s for this (quadratic BPE).
    const started = Date.now();
    expect(countTextTokens('A'.repeat(200_000), 'gpt-4o')).toBe(25_000);
    expect(countTextTokens('-'.repeat(100_000), 'gpt-4o')).toBeGreaterThan(1_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a cut long word stays within 2% of the exact count', () => {
    const word = 'supercalifragilistic'.repeat(40); // 800 letters, no spaces
    const exact = o200k(word);
    expect(Math.abs(countTextTokens(word, 'gpt-4o') - exact)).toBeLessThanOrEqual(Math.ceil(exact * 0.02));
  });
});
