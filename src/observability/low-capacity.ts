/**
 * The low-capacity alert: fires when the provider-reported remaining / limit of a key's resource stays below
 * a threshold for a number of consecutive observations, and again only after it has recovered.
 * @packageDocumentation
 */

/** A provider-reported resource. */
export type CapacityResource = 'requests' | 'tokens';

/** What `onLowCapacity` receives. */
export interface LowCapacityEvent {
  /** The limit key. */
  readonly key: string;
  /** Which resource runs low. */
  readonly resource: CapacityResource;
  /** What the provider reported left in its window. */
  readonly remaining: number;
  /** The provider's limit per window. */
  readonly limit: number;
  /** `remaining / limit`, below the threshold. */
  readonly ratio: number;
}

/** Settings of the alert (`configureResilience({ lowCapacity })`). */
export interface LowCapacityOptions {
  /** Alert when remaining / limit is below this, in (0, 1]. Default 0.1. */
  readonly threshold?: number;
  /** …for this many consecutive observations of the key's resource (an integer ≥ 1). Default 3. */
  readonly consecutive?: number;
}

/** Defaults of {@link LowCapacityOptions}. */
export const LOW_CAPACITY_DEFAULTS = { threshold: 0.1, consecutive: 3 } as const;

/**
 * The alert's state for one key and resource.
 *
 * - `ratio < threshold`: the streak grows; when it reaches `consecutive` and the alert is not already
 *   raised, it is raised ({@link observe} returns true, once);
 * - `ratio ≥ threshold`: recovery: the streak and the raised alert are cleared, so the next low streak
 *   fires again.
 */
export class LowCapacityTracker {
  /** Consecutive observations below the threshold. */
  streak = 0;
  /** Raised and not yet recovered. */
  raised = false;

  /**
   * @param threshold - ratio below which an observation counts as low.
   * @param consecutive - low observations in a row that raise the alert.
   */
  constructor(
    private readonly threshold: number,
    private readonly consecutive: number,
  ) {}

  /**
   * Feeds one observation.
   * @param ratio - remaining / limit, in [0, 1] (may exceed 1 if the provider reports so).
   * @returns true exactly when this observation raises the alert.
   */
  observe(ratio: number): boolean {
    if (!(ratio < this.threshold)) {
      this.streak = 0;
      this.raised = false;
      return false;
    }
    if (this.raised) return false;
    if (++this.streak < this.consecutive) return false;
    this.raised = true;
    return true;
  }
}
