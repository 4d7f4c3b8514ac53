/** A {@link LimitSpec} for limiter and store tests: the given limits, default bursts of one second, nothing learned. */
import type { DemandPart, LimitSpec } from '../../src/limits/store';

/** Key "k", bursts of one second of the given per-minute limits (requests at least 1), nothing learned; `overrides` win. */
export function spec(overrides: Partial<LimitSpec> = {}): LimitSpec {
  const rpm = overrides.requestsPerMinute;
  const tpm = overrides.tokensPerMinute;
  return {
    key: 'k',
    requestsPerMinute: rpm,
    requestBurst: Math.max(1, (rpm ?? 0) / 60),
    tokensPerMinute: tpm,
    tokenBurst: (tpm ?? 0) / 60,
    tokensPerDay: undefined,
    learnRequests: false,
    learnTokens: false,
    ...overrides,
  };
}

/** One key's share of a demand: `requests` requests (default 1) and `tokens` tokens (default 0). */
export function part(s: LimitSpec, requests = 1, tokens = 0): DemandPart {
  return { spec: s, requests, tokens };
}
