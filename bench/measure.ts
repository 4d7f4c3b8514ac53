/** Small timing helpers shared by the micro-benchmarks. */

/** Nanoseconds since an arbitrary origin. */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `global.gc` when node runs with `--expose-gc`; a few passes to settle weak references and finalizers. */
export async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run node with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Heap used after a full collection, bytes. */
export async function heapUsed(): Promise<number> {
  await collect();
  return process.memoryUsage().heapUsed;
}
