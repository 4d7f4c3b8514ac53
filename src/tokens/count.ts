/**
 * Placeholder token counter (characters / 4); replaced by the BPE tokenizer work.
 * @param text - text to count.
 * @param _model - model name, used to choose the encoding.
 * @returns approximate token count.
 */
export function countTextTokens(text: string, _model?: string): number {
  return Math.ceil(text.length / 4);
}
