import { pickStreamFault, resolveStreamOptions } from '../../../../src/testing/emulator/stream-options';

/** A random source returning the given values in turn. */
function sequence(...values: number[]): () => number {
  const left = [...values];
  return () => {
    const value = left.shift();
    if (value === undefined) throw new Error('random source exhausted');
    return value;
  };
}
const never = (): number => {
  throw new Error('random must not be called');
};

describe('emulator streaming options', () => {
  it('defaults to a delta per token, no delay and no fault: every stream is written at once', () => {
    expect(resolveStreamOptions(undefined)).toEqual({
      tokensPerChunk: 1,
      firstChunkDelay: [0, 0],
      chunkDelay: [0, 0],
      dropAfter: -1,
      errorAfter: -1,
      drop: 0,
      error: 0,
      immediate: true,
    });
    expect(resolveStreamOptions({ tokensPerChunk: 5 }).immediate).toBe(true);
    for (const options of [{ firstChunkDelayMs: 1 }, { chunkDelayMs: [0, 1] as const }, { dropAfterChunks: 0 }, { errorAfterChunks: 3 }, { drop: 0.1 }, { error: 0.1 }]) {
      expect(resolveStreamOptions(options).immediate).toBe(false);
    }
  });

  it('refuses invalid values, naming the option', () => {
    expect(() => resolveStreamOptions({ tokensPerChunk: 1.5 })).toThrow(/"streaming.tokensPerChunk" must be an integer >= 1/);
    expect(() => resolveStreamOptions({ firstChunkDelayMs: Number.NaN })).toThrow(/streaming.firstChunkDelayMs/);
    expect(() => resolveStreamOptions({ chunkDelayMs: [5, 1] })).toThrow(/"streaming.chunkDelayMs" range is reversed/);
    expect(() => resolveStreamOptions({ dropAfterChunks: -1 })).toThrow(/streaming.dropAfterChunks/);
    expect(() => resolveStreamOptions({ errorAfterChunks: 0.5 })).toThrow(/streaming.errorAfterChunks/);
    expect(() => resolveStreamOptions({ drop: 1.1 })).toThrow(/streaming.drop/);
    expect(() => resolveStreamOptions({ error: -0.1 })).toThrow(/streaming.error/);
    expect(() => resolveStreamOptions({ drop: 0.6, error: 0.5 })).toThrow(/must not exceed 1/);
  });

  it('picks a fixed position first: the earlier of drop and error, drop on a tie, without drawing', () => {
    expect(pickStreamFault(resolveStreamOptions({}), 5, never)).toBeNull();
    expect(pickStreamFault(resolveStreamOptions({ dropAfterChunks: 2 }), 5, never)).toEqual({ kind: 'drop', after: 2 });
    expect(pickStreamFault(resolveStreamOptions({ errorAfterChunks: 0 }), 5, never)).toEqual({ kind: 'error', after: 0 });
    expect(pickStreamFault(resolveStreamOptions({ dropAfterChunks: 3, errorAfterChunks: 1 }), 5, never)).toEqual({ kind: 'error', after: 1 });
    expect(pickStreamFault(resolveStreamOptions({ dropAfterChunks: 1, errorAfterChunks: 3 }), 5, never)).toEqual({ kind: 'drop', after: 1 });
    expect(pickStreamFault(resolveStreamOptions({ dropAfterChunks: 2, errorAfterChunks: 2 }), 5, never)).toEqual({ kind: 'drop', after: 2 });
    // A fixed position past the chunk count is kept (the stream clamps it: after all text, before the end).
    expect(pickStreamFault(resolveStreamOptions({ dropAfterChunks: 99, drop: 1 }), 5, never)).toEqual({ kind: 'drop', after: 99 });
  });

  it('otherwise draws the kind against the probabilities, then a position in [0, chunks]', () => {
    const options = resolveStreamOptions({ drop: 0.2, error: 0.3 });
    expect(pickStreamFault(options, 4, sequence(0.1, 0))).toEqual({ kind: 'drop', after: 0 });
    expect(pickStreamFault(options, 4, sequence(0.1, 0.999999))).toEqual({ kind: 'drop', after: 4 });
    expect(pickStreamFault(options, 4, sequence(0.2, 0.5))).toEqual({ kind: 'error', after: 2 });
    expect(pickStreamFault(options, 4, sequence(0.49, 0.3))).toEqual({ kind: 'error', after: 1 });
    expect(pickStreamFault(options, 4, sequence(0.5))).toBeNull();
    expect(pickStreamFault(options, 4, sequence(0.99))).toBeNull();
  });
});
