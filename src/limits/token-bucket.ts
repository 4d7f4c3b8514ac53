/**
 * Continuous-refill token bucket arithmetic shared by the stores (pure functions, no state).
 * @packageDocumentation
 */

/** Float slack so that a bucket refilled to exactly the demand is not reported as short by rounding. */
const EPSILON = 1e-9;

/**
 * The level after refilling.
 * @param level - level at `at`.
 * @param at - when `level` was recorded (ms).
 * @param now - current time (ms).
 * @param capacity - bucket capacity.
 * @param ratePerMs - refill rate.
 */
export function refill(level: number, at: number, now: number, capacity: number, ratePerMs: number): number {
  const elapsed = now > at ? now - at : 0;
  const next = level + elapsed * ratePerMs;
  return next < capacity ? next : capacity;
}

/**
 * Milliseconds until `amount` can be taken (0 when it can now). A demand larger than the capacity can be
 * taken when the bucket is full; the bucket then goes into debt that later demands wait off.
 */
export function waitFor(level: number, amount: number, capacity: number, ratePerMs: number): number {
  const need = amount < capacity ? amount : capacity;
  if (level + EPSILON >= need) return 0;
  return (need - level) / ratePerMs;
}
