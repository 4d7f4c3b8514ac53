/** The demo's provider: the emulator with the quota asked for, and what that quota counted during a run. */
import { startEmulator, type EmulatorHandle } from '../../src/testing';

/**
 * The provider's enforcement slice, in ms: each per-minute limit is also a bucket holding one slice's worth that
 * starts full and refills at the per-minute rate (as OpenAI's "60,000 RPM may be enforced as 1,000 RPS"). So a
 * batch gets one slice's worth at once (the initial burst), then the per-minute rate.
 */
export const SLICE_MS = 1000;

/** The quota the demo runs at. */
export interface DemoQuota {
  readonly requestsPerMinute: number;
  readonly tokensPerMinute: number;
}

/** What the provider's quota counted during a run. */
export interface QuotaUse {
  /** Requests it admitted (answered, or failed by an injected fault after admission; 429s are not admitted). */
  readonly requests: number;
  /** Tokens it kept: charged up front (prompt + max_completion_tokens), less the unused part it gave back. */
  readonly tokens: number;
}

/**
 * Starts the emulator for one run: the demo's quota in {@link SLICE_MS} slices, unused `max_completion_tokens`
 * given back when an answer ends (`refundUnused`, the emulator's default, said here because the report counts on
 * it), and `faults` spread evenly over 500s, 529s and dropped connections.
 */
export function startDemoEmulator(quota: DemoQuota, faults: number): Promise<EmulatorHandle> {
  const third = faults / 3;
  return startEmulator({
    requestsPerMinute: quota.requestsPerMinute,
    tokensPerMinute: quota.tokensPerMinute,
    sliceMs: SLICE_MS,
    refundUnused: true,
    faults: faults > 0 ? { serverError: third, overloaded: third, drop: third } : undefined,
  });
}

/**
 * What the emulator's quota counted for `model` since it started: its admissions, and their up-front tokens less
 * what answers sent whole gave back (each left `maxCompletionTokens` less its completion unused).
 * @param maxCompletionTokens - the `max_completion_tokens` every request of the run set.
 */
export function quotaUse(emulator: EmulatorHandle, model: string, maxCompletionTokens: number): QuotaUse {
  const admissions = emulator.admissions(model);
  const counters = emulator.counters();
  const answered = Object.hasOwn(counters.perModel, model) ? counters.perModel[model].succeeded : 0;
  const upFront = admissions.reduce((sum, a) => sum + a.tokens, 0);
  const givenBack = answered * maxCompletionTokens - counters.completionTokens;
  return { requests: admissions.length, tokens: upFront - givenBack };
}
