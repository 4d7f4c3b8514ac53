import fc from 'fast-check';
import type { ChunkUsage } from '../../../../src/providers/streams/chunk-facts';
import { EMPTY_TALLY, tallyCounts, tallyTokens, tallyUsage, type UsageTally } from '../../../../src/providers/streams/usage-tally';

const run = (...reports: Array<ChunkUsage | undefined>): UsageTally => reports.reduce((t, u) => tallyUsage(t, u), EMPTY_TALLY);

describe('tallyUsage', () => {
  it('nothing reported: no tokens', () => {
    expect(tallyTokens(EMPTY_TALLY)).toBeUndefined();
    expect(tallyTokens(run(undefined, undefined))).toBeUndefined();
    expect(tallyCounts(EMPTY_TALLY)).toEqual({});
  });

  it('cumulative reports replace field by field (Gemini: the latest running total)', () => {
    const t = run({ input: 8, total: 8, mode: 'cumulative' }, { input: 8, output: 2, total: 10, mode: 'cumulative' }, { input: 8, output: 7, total: 15, mode: 'cumulative', final: true });
    expect(tallyCounts(t)).toEqual({ input: 8, output: 7, total: 15 });
    expect(tallyTokens(t)).toBe(15);
  });

  it('a cumulative report without total drops the stale total; fields it lacks are kept (Anthropic)', () => {
    const t = run({ input: 30, output: 1, total: 31, mode: 'cumulative' }, { output: 12, mode: 'cumulative', final: true });
    expect(tallyCounts(t)).toEqual({ input: 30, output: 12 });
    expect(tallyTokens(t)).toBe(42);
    expect(tallyTokens(run({ input: 30, output: 1, total: 31, mode: 'cumulative' }, { total: 50, mode: 'cumulative' }))).toBe(50);
  });

  it('increments add up (LangChain, the AI SDK’s finish-step)', () => {
    const t = run({ input: 30, output: 0, total: 30, mode: 'increment' }, { input: 0, output: 12, total: 12, mode: 'increment' });
    expect(tallyCounts(t)).toEqual({ input: 30, output: 12, total: 42 });
    expect(tallyTokens(run({ input: 3, mode: 'increment' }, { output: 4, mode: 'increment' }))).toBe(7);
  });

  it('a final cumulative report replaces the increments before it (the AI SDK’s finish after its steps)', () => {
    const steps = run({ input: 50, output: 10, total: 60, mode: 'increment' }, { input: 70, output: 5, total: 75, mode: 'increment' });
    expect(tallyTokens(steps)).toBe(135);
    expect(tallyTokens(tallyUsage(steps, { input: 120, output: 15, total: 135, mode: 'cumulative', final: true }))).toBe(135);
    expect(tallyTokens(tallyUsage(steps, { total: 140, mode: 'cumulative', final: true }))).toBe(140);
  });

  it('after a final report, reports that are not final are ignored; a later final one counts', () => {
    const done = run({ total: 22, mode: 'cumulative', final: true });
    expect(tallyUsage(done, { total: 99, mode: 'cumulative' })).toBe(done);
    expect(tallyUsage(done, { total: 5, mode: 'increment' })).toBe(done);
    expect(tallyTokens(tallyUsage(done, { total: 30, mode: 'cumulative', final: true }))).toBe(30);
    expect(tallyTokens(tallyUsage(done, { total: 5, mode: 'increment', final: true }))).toBe(27);
  });

  it('a mix of increments and non-final cumulative reports adds them', () => {
    expect(tallyTokens(run({ total: 10, mode: 'increment' }, { input: 3, output: 4, mode: 'cumulative' }))).toBe(17);
  });

  it('invalid counts are ignored; an empty final report still closes the tally', () => {
    const t = run({ input: -1, output: Number.NaN, total: Infinity, mode: 'cumulative' });
    expect(t).toBe(EMPTY_TALLY);
    const closed = run({ total: 5, mode: 'cumulative' }, { mode: 'cumulative', final: true });
    expect(closed.final).toBe(true);
    expect(tallyTokens(closed)).toBe(5);
  });

  it('sums are capped at MAX_SAFE_INTEGER', () => {
    expect(tallyTokens(run({ total: Number.MAX_SAFE_INTEGER, mode: 'increment' }, { total: 10, mode: 'increment' }))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('hostile usage objects never throw and leave the tally as it was', () => {
    const hostile = new Proxy({} as ChunkUsage, {
      get() {
        throw new Error('boom');
      },
    });
    expect(tallyUsage(EMPTY_TALLY, hostile)).toBe(EMPTY_TALLY);
    expect(tallyUsage(EMPTY_TALLY, 'junk' as unknown as ChunkUsage)).toBe(EMPTY_TALLY);
    fc.assert(
      fc.property(fc.array(fc.anything(), { maxLength: 8 }), (reports) => {
        const t = reports.reduce<UsageTally>((acc, r) => tallyUsage(acc, r as ChunkUsage), EMPTY_TALLY);
        const n = tallyTokens(t);
        if (n !== undefined) {
          expect(Number.isSafeInteger(n)).toBe(true);
          expect(n).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
