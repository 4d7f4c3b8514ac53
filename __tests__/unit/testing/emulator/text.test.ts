import { completionChunks, completionText, MAX_WORDS } from '../../../../src/testing/emulator/text';

describe('emulator text', () => {
  it('generates one word per completion token', () => {
    expect(completionText(1).split(' ')).toHaveLength(1);
    expect(completionText(37).split(' ')).toHaveLength(37);
    expect(completionText(MAX_WORDS + 10)).toBe(completionText(MAX_WORDS));
  });

  it('cuts the text into deltas of tokensPerChunk words whose concatenation is the text', () => {
    for (const [tokens, perChunk] of [[1, 1], [7, 1], [7, 3], [12, 4], [5, 10]] as const) {
      const chunks = completionChunks(tokens, perChunk);
      expect(chunks).toHaveLength(Math.ceil(tokens / perChunk));
      expect(chunks.join('')).toBe(completionText(tokens));
      expect(chunks.slice(0, -1).every((c) => c.trim().split(' ').length === perChunk)).toBe(true);
    }
    // Later words keep their leading space, so deltas concatenate without a separator.
    expect(completionChunks(3, 1).slice(1).every((c) => c.startsWith(' '))).toBe(true);
  });

  it('past the longest text, a completion still has one delta per token (the extra ones empty)', () => {
    const chunks = completionChunks(MAX_WORDS + 3, 1);
    expect(chunks).toHaveLength(MAX_WORDS + 3);
    expect(chunks.slice(MAX_WORDS)).toEqual(['', '', '']);
    expect(chunks.join('')).toBe(completionText(MAX_WORDS));
  });
});
