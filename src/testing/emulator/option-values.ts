/**
 * Validation of single emulator option values; every failure is a `RangeError` naming the option.
 * @packageDocumentation
 */

/**
 * @param name - the option's name, for the message.
 * @param value - the value.
 * @returns the value when finite and > 0.
 * @throws RangeError otherwise.
 */
export function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`emulator option "${name}" must be a finite number > 0, got ${value}`);
  }
  return value;
}

/**
 * @param name - the option's name, for the message.
 * @param value - the value.
 * @returns the value when finite and >= 0.
 * @throws RangeError otherwise.
 */
export function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`emulator option "${name}" must be a finite number >= 0, got ${value}`);
  }
  return value;
}

/**
 * @param name - the option's name, for the message.
 * @param value - the value.
 * @param min - the smallest accepted integer.
 * @returns the value when an integer >= `min`.
 * @throws RangeError otherwise.
 */
export function integerAtLeast(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`emulator option "${name}" must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

/**
 * @param name - the option's name, for the message.
 * @param value - the value.
 * @returns the value when in [0, 1].
 * @throws RangeError otherwise.
 */
export function probability(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`emulator option "${name}" must be a probability in [0, 1], got ${value}`);
  }
  return value;
}

/**
 * A delay given as fixed ms or a `[min, max]` uniform range.
 * @param name - the option's name, for the message.
 * @param value - the value.
 * @returns `[min, max]` (equal for a fixed delay).
 * @throws RangeError when negative, not finite, or reversed.
 */
export function msRange(name: string, value: number | readonly [number, number]): readonly [number, number] {
  if (typeof value === 'number') return [nonNegative(name, value), value];
  const min = nonNegative(`${name}[0]`, value[0]);
  const max = nonNegative(`${name}[1]`, value[1]);
  if (max < min) throw new RangeError(`emulator option "${name}" range is reversed: [${min}, ${max}]`);
  return [min, max];
}

/**
 * Draws from a range made by {@link msRange}.
 * @param range - `[min, max]`.
 * @param random - uniform source in [0, 1); not called for a fixed value.
 * @returns a value in the range.
 */
export function drawMs(range: readonly [number, number], random: () => number): number {
  const [min, max] = range;
  return max === min ? min : min + random() * (max - min);
}
