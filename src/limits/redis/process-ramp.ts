/**
 * A process's ramp onto a key it has not used yet: its requests start at one and grow at the key's rate until
 * they could fill the key's burst, whatever the shared bucket in Redis holds.
 *
 * Why: a key the fleet used within the last minute is shared state, so a process that restarts finds it as the
 * fleet left it — full after an idle minute. Granted a whole burst at once, the process hands it to a cold SDK,
 * which holds its first requests for several hundred milliseconds and then releases them together with the next
 * grants: against a provider enforcing per-second slices, that is a slice and a half at once (a trial measured
 * 37–68 429s of 600 calls at 6,000 RPM). The in-memory store starts a new key nearly empty for the same reason;
 * this gives a process on a shared key the same start. A key new to Redis is handled there (its cold start), and
 * the ramp only bounds this process: the fleet's total stays Redis's to decide.
 *
 * The ramp runs at this process's share of the key (its rate and burst divided by the live processes the fleet's
 * heartbeat counts), so a fleet restarting together ramps at the key's rate in total, not at a multiple of it.
 * Only requests are ramped, and only on keys with a configured requests-per-minute limit (a learned one is not
 * known before the first response). A key leaves the ramp once it is full, so the ramp costs nothing afterwards.
 * @packageDocumentation
 */

import type { DemandPart } from '../store';

/** Most keys ramping at once; a process starting on more keys than this leaves the rest unramped. */
export const MAX_RAMPING_KEYS = 10_000;

/** One key's ramp: requests available to this process, refilled at the key's rate up to its burst. */
interface Ramp {
  level: number;
  at: number;
  /** The key's rate (requests per ms) and burst, as last seen. */
  perMs: number;
  burst: number;
}

/** The ramps of one store instance's keys. */
export class ProcessRamp {
  private readonly ramps = new Map<string, Ramp>();
  /** Keys that have finished their ramp (never ramped again by this instance). */
  private readonly done = new Set<string>();

  /** @param instances - the live processes sharing the keys (≥ 1; read at each refill). */
  constructor(private readonly instances: () => number = () => 1) {}

  /**
   * Takes the demand's requests from the ramps of its keys, or nothing.
   * @param parts - the demand.
   * @param now - the caller's clock, ms.
   * @returns 0 when taken (give it back if the shared store refuses); undefined when none of its keys ramps
   * (nothing taken); else the ms until the ramps hold the demand's requests.
   */
  take(parts: readonly DemandPart[], now: number): number | undefined {
    let wait = 0;
    let ramping = false;
    for (const part of parts) {
      const ramp = this.ramp(part, now);
      if (ramp === undefined) continue;
      ramping = true;
      if (ramp.level >= part.requests) continue;
      const needed = (part.requests - ramp.level) / ramp.perMs;
      if (needed > wait) wait = needed;
    }
    if (!ramping) return undefined;
    if (wait > 0) return wait;
    for (const part of parts) {
      const ramp = this.ramps.get(part.spec.key);
      if (ramp !== undefined) ramp.level -= part.requests;
    }
    return 0;
  }

  /**
   * Returns a demand's requests taken by {@link ProcessRamp.take} (the shared store refused it, or failed).
   * @param parts - the demand.
   */
  giveBack(parts: readonly DemandPart[]): void {
    for (const part of parts) {
      const ramp = this.ramps.get(part.spec.key);
      if (ramp !== undefined) ramp.level += part.requests;
    }
  }

  /** Keys ramping now (for tests). */
  get size(): number {
    return this.ramps.size;
  }

  /** The part's ramp refilled to `now`; undefined when its key does not ramp (any more). */
  private ramp(part: DemandPart, now: number): Ramp | undefined {
    const { key, requestsPerMinute, requestBurst } = part.spec;
    if (part.requests <= 0 || requestsPerMinute === undefined || !(requestsPerMinute > 0)) return undefined;
    const n = this.instances();
    const share = n >= 1 && Number.isFinite(n) ? 1 / n : 1;
    let ramp = this.ramps.get(key);
    if (ramp === undefined) {
      if (this.done.has(key)) return undefined;
      if (this.ramps.size >= MAX_RAMPING_KEYS) this.sweep(now);
      if (this.ramps.size >= MAX_RAMPING_KEYS) return undefined;
      ramp = { level: 1, at: now, perMs: 0, burst: 0 };
      this.ramps.set(key, ramp);
    }
    // this process's share of the key, as the fleet is counted now (a burst of at least one request)
    ramp.perMs = (requestsPerMinute * share) / 60_000;
    ramp.burst = Math.max(1, requestBurst * share);
    if (this.refill(key, ramp, now)) return undefined;
    return ramp;
  }

  /** Refills a ramp to `now`; true (and the key leaves the ramp) once it could hold a whole burst. */
  private refill(key: string, ramp: Ramp, now: number): boolean {
    if (now > ramp.at) {
      ramp.level += (now - ramp.at) * ramp.perMs;
      ramp.at = now;
    }
    if (ramp.level < ramp.burst) return false;
    // it could hold a whole burst now: the shared bucket decides alone from here on
    this.ramps.delete(key);
    if (this.done.size >= MAX_RAMPING_KEYS) this.done.clear();
    this.done.add(key);
    return true;
  }

  /** Drops the ramps that are full by now (keys used once and not since). */
  private sweep(now: number): void {
    for (const [key, ramp] of this.ramps) this.refill(key, ramp, now);
  }
}
