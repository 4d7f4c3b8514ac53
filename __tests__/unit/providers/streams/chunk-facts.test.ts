import { chunkFacts, chunkUsage, CONTENT, errorFacts, hasText, NO_CONTENT } from '../../../../src/providers/streams/chunk-facts';

describe('chunk facts builders', () => {
  it('share frozen objects when there is no usage', () => {
    expect(chunkFacts(true, undefined)).toBe(CONTENT);
    expect(chunkFacts(false, undefined)).toBe(NO_CONTENT);
    expect(Object.isFrozen(CONTENT) && Object.isFrozen(NO_CONTENT)).toBe(true);
    expect(chunkFacts(false, { total: 3, mode: 'cumulative' })).toEqual({ content: false, usage: { total: 3, mode: 'cumulative' } });
  });

  it('chunkUsage: no report for missing or empty counts; final only when true', () => {
    expect(chunkUsage(undefined, 'cumulative', true)).toBeUndefined();
    expect(chunkUsage({}, 'increment', false)).toBeUndefined();
    expect(chunkUsage({ input: 1 }, 'increment', false)).toEqual({ input: 1, mode: 'increment' });
    expect(chunkUsage({ output: 2 }, 'cumulative', true)).toEqual({ output: 2, mode: 'cumulative', final: true });
  });

  it('errorFacts: no content, the error kept as given', () => {
    const error = new Error('x');
    expect(errorFacts(error)).toEqual({ content: false, error });
    expect(errorFacts(error).error).toBe(error);
  });

  it('hasText: a non-empty string', () => {
    expect(hasText('a')).toBe(true);
    expect(hasText('')).toBe(false);
    expect(hasText(['a'])).toBe(false);
    expect(hasText(undefined)).toBe(false);
  });
});
