import { MAX_BATCH, TickBatcher } from '../../../../src/limits/redis/batcher';

interface Item {
  readonly tag: string;
  readonly n: number;
}

/** Lets the microtask that flushes the tick run. */
const endOfTick = (): Promise<void> => Promise.resolve();

function collect(byTag: boolean, maxBatch?: number): { batcher: TickBatcher<Item>; batches: Item[][] } {
  const batches: Item[][] = [];
  const batcher = new TickBatcher<Item>((batch) => void batches.push(batch), byTag, maxBatch);
  return { batcher, batches };
}

describe('TickBatcher', () => {
  it('sends the items of one tick as one batch, in the order they were added, at the end of the tick', async () => {
    const { batcher, batches } = collect(false);
    for (let n = 0; n < 5; n++) batcher.add({ tag: '', n });
    expect(batches).toEqual([]); // not before the tick ends
    await endOfTick();
    expect(batches.map((b) => b.map((i) => i.n))).toEqual([[0, 1, 2, 3, 4]]);
  });

  it('starts a new batch in the next tick', async () => {
    const { batcher, batches } = collect(false);
    batcher.add({ tag: '', n: 0 });
    await endOfTick();
    batcher.add({ tag: '', n: 1 });
    batcher.add({ tag: '', n: 2 });
    await endOfTick();
    expect(batches.map((b) => b.map((i) => i.n))).toEqual([[0], [1, 2]]);
  });

  it(`splits a tick into batches of at most ${MAX_BATCH} (the default), keeping the order`, async () => {
    const { batcher, batches } = collect(false);
    const count = MAX_BATCH * 2 + 3;
    for (let n = 0; n < count; n++) batcher.add({ tag: '', n });
    await endOfTick();
    expect(batches.map((b) => b.length)).toEqual([MAX_BATCH, MAX_BATCH, 3]);
    expect(batches.flat().map((i) => i.n)).toEqual(Array.from({ length: count }, (_, n) => n));
  });

  it('groups by hash tag when asked (a Cluster call touches one slot), in order within each tag, split by maxBatch', async () => {
    const { batcher, batches } = collect(true, 2);
    const tags = ['a', 'b', 'a', 'c', 'a', 'b'];
    tags.forEach((tag, n) => batcher.add({ tag, n }));
    await endOfTick();
    expect(batches.map((b) => b.map((i) => `${i.tag}${i.n}`))).toEqual([['a0', 'a2'], ['a4'], ['b1', 'b5'], ['c3']]);
  });

  it('does not group when not asked: one batch across tags', async () => {
    const { batcher, batches } = collect(false);
    ['a', 'b', 'a'].forEach((tag, n) => batcher.add({ tag, n }));
    await endOfTick();
    expect(batches).toHaveLength(1);
  });
});
