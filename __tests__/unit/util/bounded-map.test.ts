import { BoundedMap } from '../../../src/util/bounded-map';

describe('BoundedMap', () => {
  it('keeps at most maxSize entries, evicting the oldest insertion, and counts evictions', () => {
    const map = new BoundedMap<string, number>(3);
    map.set('a', 1).set('b', 2).set('c', 3);
    expect(map.size).toBe(3);
    expect(map.generation).toBe(0);
    map.set('d', 4);
    expect(map.size).toBe(3);
    expect(map.has('a')).toBe(false);
    expect([...map.values()]).toEqual([2, 3, 4]);
    expect(map.generation).toBe(1);
  });

  it('updates an existing key in place without evicting', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 10);
    expect(map.size).toBe(2);
    expect(map.get('a')).toBe(10);
    expect(map.get('b')).toBe(2);
    expect(map.generation).toBe(0);
  });

  it('getOrCreate creates once, then returns the stored value; creating past the bound evicts', () => {
    const map = new BoundedMap<number, { n: number }>(2);
    let created = 0;
    const make = (n: number) => {
      created++;
      return { n };
    };
    const first = map.getOrCreate(1, make);
    expect(map.getOrCreate(1, make)).toBe(first);
    expect(created).toBe(1);
    map.getOrCreate(2, make);
    map.getOrCreate(3, make);
    expect(created).toBe(3);
    expect(map.has(1)).toBe(false);
    expect(map.generation).toBe(1);
  });

  it('deletes keys, and a deleted key frees its place without an eviction', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2);
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    map.set('c', 3);
    expect([...map.values()]).toEqual([2, 3]);
    expect(map.generation).toBe(0);
  });

  it('refuses a bound below 1', () => {
    for (const bad of [0, -1, Number.NaN]) expect(() => new BoundedMap(bad)).toThrow(RangeError);
  });
});
