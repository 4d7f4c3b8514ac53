/**
 * Text token counting: the model's real BPE encoding for OpenAI model families,
 * a characters / 4 heuristic for everything else.
 *
 * Encodings come from `gpt-tokenizer`, an optional peer dependency (it installs ~55 MB,
 * every encoding of every OpenAI model). Each encoding is loaded with `require` on its
 * first use, only those in use (the o200k_base rank table is ~2 MB of JS and takes a few
 * hundred ms to load), then cached for the life of the process. Without the package,
 * OpenAI models are counted with characters / 4 too, and one process warning
 * (`LLM_RESILIENCE_TOKENIZER`) says so.
 */

/** Name of a BPE encoding this module can load. */
type EncodingName = 'o200k_base' | 'cl100k_base';

/** Minimal view of a `gpt-tokenizer` encoding module that we use. */
interface BpeModule {
  countTokens(text: string, options: { disallowedSpecial: Set<string> }): number;
}

/**
 * Count special-token strings such as `<|endoftext|>` as ordinary text instead of
 * throwing, as the API does with user content. Shared so no per-call allocation.
 */
const SPECIAL_AS_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * Longest run of same-class characters (whitespace, or non-whitespace non-digit)
 * handed to BPE in one piece. BPE merging is quadratic in the length of a regex piece
 * (`'A'.repeat(200_000)` takes ~47 s in gpt-tokenizer, far worse in js-tiktoken), so
 * longer runs are cut here. A cut can shift the count by about one token; normal prose,
 * code and JSON never contain such runs and are counted exactly.
 */
const MAX_RUN = 256;

/** Loaded encodings; `null` when gpt-tokenizer could not be loaded (not retried: a failed `require` is slow). */
const cache: Partial<Record<EncodingName, BpeModule | null>> = {};

/** The encoding's module, or undefined when gpt-tokenizer is not installed (or fails to load). */
function load(name: EncodingName): BpeModule | undefined {
  let mod = cache[name];
  if (mod === undefined) {
    try {
      /* eslint-disable @typescript-eslint/no-require-imports -- lazy and synchronous on purpose: importing this module must not load the rank tables */
      mod =
        name === 'o200k_base'
          ? (require('gpt-tokenizer/cjs/encoding/o200k_base') as BpeModule)
          : (require('gpt-tokenizer/cjs/encoding/cl100k_base') as BpeModule);
      /* eslint-enable @typescript-eslint/no-require-imports */
    } catch (error) {
      mod = null;
      const code = (error as { code?: string } | null)?.code;
      process.emitWarning(
        (code === 'MODULE_NOT_FOUND' ? 'gpt-tokenizer is not installed' : `gpt-tokenizer could not be loaded (${code ?? 'error'})`) +
          ': token estimates for OpenAI models use characters / 4 (real usage still corrects the budget after each call). ' +
          'For exact estimates: npm install gpt-tokenizer',
        { code: 'LLM_RESILIENCE_TOKENIZER' },
      );
    }
    cache[name] = mod;
  }
  return mod ?? undefined;
}

/**
 * The BPE encoding OpenAI uses for `model`, or `undefined` when it is not a known
 * OpenAI model family (Claude, Gemini, Llama, Azure deployment aliases, ...).
 *
 * A leading `openai/` provider prefix and a `ft:` fine-tune prefix are ignored.
 *
 * @param model - model name as sent in the request.
 * @returns the encoding name, or `undefined` when unknown.
 */
export function encodingForModel(model: string | undefined): EncodingName | undefined {
  if (typeof model !== 'string' || model.length === 0) return undefined;
  let m = model.toLowerCase();
  if (m.startsWith('openai/')) m = m.slice(7);
  if (m.startsWith('ft:')) m = m.slice(3);
  if (
    m.startsWith('gpt-4o') ||
    m.startsWith('gpt-4.1') ||
    m.startsWith('gpt-4.5') ||
    m.startsWith('gpt-5') ||
    m.startsWith('gpt-oss') ||
    m.startsWith('chatgpt-4o') ||
    /^o[134](?:$|-)/.test(m)
  ) {
    return 'o200k_base';
  }
  if (
    m.startsWith('gpt-4') ||
    m.startsWith('gpt-3.5') ||
    m.startsWith('gpt-35') ||
    m.startsWith('text-embedding-3') ||
    m.startsWith('text-embedding-ada-002')
  ) {
    return 'cl100k_base';
  }
  return undefined;
}

// One-entry memo: a process usually talks to one or two models, so this skips the
// prefix checks on the hot path without an unbounded per-model map.
let lastModel: string | undefined;
let lastEncoding: EncodingName | undefined;

function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x85 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** BPE count with long same-class runs cut into {@link MAX_RUN}-sized slices. */
function bpeCount(bpe: BpeModule, text: string): number {
  let total = 0;
  let segStart = 0;
  let run = 0;
  let runClass = 0; // 0 = digit (never long), 1 = whitespace, 2 = other
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const cls = c >= 48 && c <= 57 ? 0 : isSpace(c) ? 1 : 2;
    if (cls === 0 || cls !== runClass) {
      runClass = cls;
      run = 1;
      continue;
    }
    if (++run > MAX_RUN && !(c >= 0xdc00 && c <= 0xdfff)) {
      total += bpe.countTokens(text.slice(segStart, i), SPECIAL_AS_TEXT);
      segStart = i;
      run = 1;
    }
  }
  return total + bpe.countTokens(segStart === 0 ? text : text.slice(segStart), SPECIAL_AS_TEXT);
}

/**
 * Count the tokens `text` will cost for `model`.
 *
 * - OpenAI families use their real BPE encoding: `o200k_base` for gpt-4o*, gpt-4.1*,
 *   gpt-4.5*, gpt-5*, o1*, o3*, o4*, chatgpt-4o*, gpt-oss*; `cl100k_base` for other
 *   gpt-4*, gpt-3.5* / gpt-35* (Azure spelling), text-embedding-3* and
 *   text-embedding-ada-002.
 * - Any other or missing model (claude-*, gemini-*, Azure deployment names, ...) falls
 *   back to `Math.ceil(text.length / 4)`: those tokenizers are not public, and loading
 *   a BPE table to approximate them is not worth it. Note that for CJK text chars/4
 *   undercounts heavily (see bench/tokenizers.ts).
 *
 * Special-token strings in `text` are counted as plain text, never thrown on. Never
 * throws; a non-string `text` counts as 0.
 *
 * @param text - text to count.
 * @param model - model name, used to choose the encoding.
 * @returns a non-negative integer token count.
 */
export function countTextTokens(text: string, model?: string): number {
  if (typeof text !== 'string' || text.length === 0) return 0;
  if (model !== lastModel) {
    lastEncoding = encodingForModel(model);
    lastModel = model;
  }
  const enc = lastEncoding;
  const bpe = enc === undefined ? undefined : load(enc);
  if (bpe === undefined) return Math.ceil(text.length / 4);
  try {
    return bpeCount(bpe, text);
  } catch {
    return Math.ceil(text.length / 4);
  }
}

/**
 * Load the encoding for `model` now instead of on the first call (~400 ms for
 * o200k_base, ~200 ms for cl100k_base), e.g. at application start-up.
 *
 * @param model - model name, as for {@link countTextTokens}.
 * @returns true when a BPE encoding was loaded, false for characters / 4 models and
 * when gpt-tokenizer is not installed.
 */
export function preloadTokenizer(model: string): boolean {
  const enc = encodingForModel(model);
  return enc !== undefined && load(enc) !== undefined;
}
