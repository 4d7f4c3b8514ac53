/**
 * Fault injection for the provider emulator.
 * @packageDocumentation
 */

/**
 * Per-request fault probabilities (each in [0, 1]), applied after the quota check admits a request, on every
 * endpoint, in the endpoint's own error format. Mid-stream faults are the `streaming` options.
 */
export interface FaultProbabilities {
  /** Respond 500 (OpenAI `server_error`, Anthropic `api_error`, Gemini `INTERNAL`). */
  readonly serverError?: number;
  /**
   * Respond 529 `overloaded_error` (Anthropic's body, also on the OpenAI endpoints); Gemini, which has no 529,
   * answers 503 `UNAVAILABLE` "The model is overloaded".
   */
  readonly overloaded?: number;
  /** Respond 503. */
  readonly unavailable?: number;
  /** Destroy the socket without any response. */
  readonly drop?: number;
}

/** A fault chosen for one request. */
export type FaultKind = 'serverError' | 'overloaded' | 'unavailable' | 'drop';

/** Fault thresholds precomputed as cumulative probabilities, so one draw picks a fault. */
export interface FaultTable {
  /** Sum of all probabilities; 0 means no draw is made. */
  readonly total: number;
  /** Cumulative upper bounds, in the order serverError, overloaded, unavailable, drop. */
  readonly bounds: readonly [number, number, number, number];
}

/** A table that never injects anything. */
export const NO_FAULTS: FaultTable = { total: 0, bounds: [0, 0, 0, 0] };

function probability(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`emulator fault probability "${name}" must be in [0, 1], got ${value}`);
  }
  return value;
}

/**
 * Validates probabilities and builds the cumulative table.
 * @param faults - the probabilities (undefined = no faults).
 * @returns the table used by {@link pickFault}.
 * @throws RangeError when a probability is outside [0, 1].
 */
export function faultTable(faults: FaultProbabilities | undefined): FaultTable {
  if (faults === undefined) return NO_FAULTS;
  const a = probability('serverError', faults.serverError);
  const b = a + probability('overloaded', faults.overloaded);
  const c = b + probability('unavailable', faults.unavailable);
  const d = c + probability('drop', faults.drop);
  return d === 0 ? NO_FAULTS : { total: d, bounds: [a, b, c, d] };
}

/**
 * Draws at most one fault for a request. When probabilities sum above 1 the earlier kinds win.
 * @param table - from {@link faultTable}.
 * @param random - uniform source in [0, 1); not called when the table is empty.
 * @returns the fault to inject, or null.
 */
export function pickFault(table: FaultTable, random: () => number): FaultKind | null {
  if (table.total === 0) return null;
  const r = random();
  const [a, b, c, d] = table.bounds;
  if (r < a) return 'serverError';
  if (r < b) return 'overloaded';
  if (r < c) return 'unavailable';
  if (r < d) return 'drop';
  return null;
}
