/**
 * The waiting-line identities of one Redis store: one id per key combination a process queues on, so a
 * process holds one place in each key's waiting line (see `ACQUIRE_LUA`) and its limiter's FIFO decides the
 * order inside the process.
 * @packageDocumentation
 */

import { randomBytes } from 'node:crypto';
import { BoundedMap } from '../../util/bounded-map';
import type { DemandPart } from '../store';

/** Most key combinations whose waiter ids are remembered (then the oldest is forgotten). */
export const MAX_WAITER_IDS = 10_000;

/** Hands out waiter ids: `<instance>.<n>`, unique per store instance and key combination. */
export class WaiterIds {
  /** Identifies this store instance in the waiting lines (random, no `,` or `;`). */
  private readonly instanceId = randomBytes(6).toString('base64url');
  private readonly ids = new BoundedMap<string, string>(MAX_WAITER_IDS);
  private next = 0;

  /**
   * The id of this process's queue for the demand's key combination (the same for every call on it).
   * @param parts - the demand; only its keys, in order, matter.
   */
  of(parts: readonly DemandPart[]): string {
    const signature = parts.length === 1 ? parts[0].spec.key : parts.map((p) => p.spec.key).join('\u0000');
    let id = this.ids.get(signature);
    if (id === undefined) {
      id = `${this.instanceId}.${(this.next++).toString(36)}`;
      this.ids.set(signature, id);
    }
    return id;
  }
}
