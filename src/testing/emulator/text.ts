/**
 * The generated assistant text of the provider emulator: about one word per completion token, cut from one
 * fixed text so that no answer builds a string word by word.
 * @packageDocumentation
 */

const WORDS = [
  'the', 'quick', 'model', 'replied', 'with', 'a', 'short', 'answer', 'about', 'rate',
  'limits', 'and', 'tokens', 'so', 'that', 'tests', 'can', 'check', 'every', 'response',
  'from', 'this', 'emulated', 'provider', 'while', 'it', 'keeps', 'time', 'under', 'quota',
];
/** Longest generated completion, in words; longer completions reuse this text. */
export const MAX_WORDS = 4096;
const { text: TEXT, ends: WORD_ENDS } = buildText();

function buildText(): { text: string; ends: Uint32Array } {
  const parts: string[] = [];
  const ends = new Uint32Array(MAX_WORDS);
  let length = 0;
  for (let i = 0; i < MAX_WORDS; i++) {
    // A fixed stride through the word list gives varied but reproducible text.
    const word = (i === 0 ? '' : ' ') + WORDS[(i * 7) % WORDS.length];
    parts.push(word);
    length += word.length;
    ends[i] = length;
  }
  return { text: parts.join(''), ends };
}

/**
 * Generated assistant text of about one word per completion token.
 * @param completionTokens - completion length in tokens (>= 1).
 * @returns the text.
 */
export function completionText(completionTokens: number): string {
  const words = completionTokens < MAX_WORDS ? completionTokens : MAX_WORDS;
  return TEXT.slice(0, WORD_ENDS[words - 1]);
}

/**
 * The text of a completion cut into stream deltas of `tokensPerChunk` words; their concatenation is
 * {@link completionText}. Words past {@link MAX_WORDS} are not repeated, so a longer completion has as
 * many deltas as its tokens ask for, the last ones empty.
 * @param completionTokens - completion length in tokens (>= 1).
 * @param tokensPerChunk - words per delta (>= 1).
 * @returns the deltas (at least one).
 */
export function completionChunks(completionTokens: number, tokensPerChunk: number): string[] {
  const chunks: string[] = [];
  let start = 0;
  for (let first = 0; first < completionTokens; first += tokensPerChunk) {
    const last = Math.min(first + tokensPerChunk, completionTokens, MAX_WORDS);
    const end = last > first ? WORD_ENDS[last - 1] : start;
    chunks.push(TEXT.slice(start, end));
    start = end;
  }
  return chunks;
}
