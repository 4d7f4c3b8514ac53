/**
 * The streaming options of the emulator, validated, and the per-stream draw of a mid-stream fault.
 * @packageDocumentation
 */
import type { EmulatorStreamOptions } from './types';
import { integerAtLeast, msRange, probability } from './option-values';

/** Streaming options with every default applied. */
export interface ResolvedStreamOptions {
  /** Completion tokens per text chunk. */
  readonly tokensPerChunk: number;
  /** Delay before the first chunk, `[min, max]` ms. */
  readonly firstChunkDelay: readonly [number, number];
  /** Delay before each later chunk, `[min, max]` ms. */
  readonly chunkDelay: readonly [number, number];
  /** Fixed drop position in chunks, or -1. */
  readonly dropAfter: number;
  /** Fixed error position in chunks, or -1. */
  readonly errorAfter: number;
  /** Probability of a drop at a drawn position. */
  readonly drop: number;
  /** Probability of an error event at a drawn position. */
  readonly error: number;
  /** True when no stream needs a timer or a fault: every stream is written at once. */
  readonly immediate: boolean;
}

/**
 * @param options - the user's streaming options.
 * @returns them validated, with defaults.
 * @throws RangeError naming the option on an invalid value.
 */
export function resolveStreamOptions(options: EmulatorStreamOptions | undefined): ResolvedStreamOptions {
  const o = options ?? {};
  const firstChunkDelay = msRange('streaming.firstChunkDelayMs', o.firstChunkDelayMs ?? 0);
  const chunkDelay = msRange('streaming.chunkDelayMs', o.chunkDelayMs ?? 0);
  const dropAfter = o.dropAfterChunks === undefined ? -1 : integerAtLeast('streaming.dropAfterChunks', o.dropAfterChunks, 0);
  const errorAfter = o.errorAfterChunks === undefined ? -1 : integerAtLeast('streaming.errorAfterChunks', o.errorAfterChunks, 0);
  const drop = probability('streaming.drop', o.drop ?? 0);
  const error = probability('streaming.error', o.error ?? 0);
  if (drop + error > 1) {
    throw new RangeError(`emulator options "streaming.drop" + "streaming.error" must not exceed 1, got ${drop + error}`);
  }
  return {
    tokensPerChunk: integerAtLeast('streaming.tokensPerChunk', o.tokensPerChunk ?? 1, 1),
    firstChunkDelay,
    chunkDelay,
    dropAfter,
    errorAfter,
    drop,
    error,
    immediate:
      firstChunkDelay[1] === 0 && chunkDelay[1] === 0 && dropAfter === -1 && errorAfter === -1 && drop === 0 && error === 0,
  };
}

/** A mid-stream fault: the connection destroyed, or an error event, after `after` text chunks. */
export interface StreamFault {
  /** What happens. */
  readonly kind: 'drop' | 'error';
  /** Text chunks written before it (0: right after the headers). */
  readonly after: number;
}

/**
 * Picks the fault of one stream: a fixed position first (the earlier of drop and error; drop on a tie), else
 * one draw against the probabilities and a uniform position in [0, chunks].
 * @param options - resolved streaming options.
 * @param chunks - the answer's number of text chunks.
 * @param random - uniform source in [0, 1); called only when a probability is set.
 * @returns the fault, or null.
 */
export function pickStreamFault(options: ResolvedStreamOptions, chunks: number, random: () => number): StreamFault | null {
  const { dropAfter, errorAfter } = options;
  if (dropAfter !== -1 && (errorAfter === -1 || dropAfter <= errorAfter)) return { kind: 'drop', after: dropAfter };
  if (errorAfter !== -1) return { kind: 'error', after: errorAfter };
  if (options.drop === 0 && options.error === 0) return null;
  const r = random();
  const kind = r < options.drop ? 'drop' : r < options.drop + options.error ? 'error' : null;
  if (kind === null) return null;
  return { kind, after: Math.min(chunks, Math.floor(random() * (chunks + 1))) };
}
