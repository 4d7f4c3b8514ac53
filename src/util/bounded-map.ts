/**
 * The one way this library bounds a map keyed by user input (limit keys can come from request fields).
 * @packageDocumentation
 */

/**
 * A `Map` that holds at most `maxSize` entries: adding one more evicts the oldest (insertion order), one entry
 * per insertion, so the cost stays O(1). {@link BoundedMap.generation} counts evictions, so a reference cached
 * elsewhere can tell whether it may have been evicted since it was taken.
 *
 * Two per-key maps are bounded differently on purpose: the memory store's buckets (dropping a busy bucket would
 * hand its capacity out twice, so only idle, full buckets are swept) and the metric series (a Prometheus series
 * cannot be forgotten, so keys past the bound share one overflow label).
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  /** Evictions so far: a value cached at an older generation may no longer be in the map. */
  generation = 0;

  /** @param maxSize - the most entries kept (≥ 1). */
  constructor(readonly maxSize: number) {
    if (!(maxSize >= 1)) throw new RangeError(`BoundedMap: maxSize must be ≥ 1, got ${String(maxSize)}`);
  }

  /** Number of entries. */
  get size(): number {
    return this.map.size;
  }

  /** The value of `key`, if present. */
  get(key: K): V | undefined {
    return this.map.get(key);
  }

  /** Whether `key` is present. */
  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Sets `key`, evicting the oldest entry first when the map is full and `key` is new. */
  set(key: K, value: V): this {
    if (this.map.size >= this.maxSize && !this.map.has(key)) {
      this.map.delete(this.map.keys().next().value as K);
      this.generation++;
    }
    this.map.set(key, value);
    return this;
  }

  /** The value of `key`, created with `create(key)` and added when absent. */
  getOrCreate(key: K, create: (key: K) => V): V {
    let value = this.map.get(key);
    if (value === undefined) {
      value = create(key);
      this.set(key, value);
    }
    return value;
  }

  /** Removes `key`. */
  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** The values, oldest first. */
  values(): IterableIterator<V> {
    return this.map.values();
  }
}
