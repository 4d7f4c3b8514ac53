/**
 * Validation and defaults of the provider emulator options.
 * @packageDocumentation
 */
import { countTextTokens } from '../../tokens/count';
import type { EmulatorOptions } from './types';
import { faultTable, type FaultTable } from './faults';
import { msRange, nonNegative, positive } from './option-values';
import type { QuotaLimits } from './quota';
import { resolveStreamOptions, type ResolvedStreamOptions } from './stream-options';

/** Default requests per minute for models without an override. */
export const DEFAULT_REQUESTS_PER_MINUTE = 500;
/** Default tokens per minute for models without an override. */
export const DEFAULT_TOKENS_PER_MINUTE = 30_000;
/** Default enforcement slice (ms). */
export const DEFAULT_SLICE_MS = 1000;
/** Default response latency range (ms). */
export const DEFAULT_LATENCY_MS: readonly [number, number] = [20, 40];
/**
 * Completion budget charged (and the upper bound of the generated length) when a request sets
 * neither `max_completion_tokens` nor `max_tokens` — the legacy OpenAI completions default.
 */
export const DEFAULT_MAX_TOKENS = 16;

/** Options after validation, with every default applied. */
export interface ResolvedEmulatorOptions {
  /** Port to listen on (0 = any free port). */
  readonly port: number;
  /** Limits for models without an override. */
  readonly defaults: QuotaLimits;
  /** Per-model limits. */
  readonly models: ReadonlyMap<string, QuotaLimits>;
  /** Enforcement slice in ms; 0 disables. */
  readonly sliceMs: number;
  /** Lower latency bound (ms). */
  readonly latencyMin: number;
  /** Upper latency bound (ms). */
  readonly latencyMax: number;
  /** Initial fault table. */
  readonly faults: FaultTable;
  /** Give the unused output budget back when an answer ends. */
  readonly refundUnused: boolean;
  /** Initial streaming options. */
  readonly streaming: ResolvedStreamOptions;
  /** Uniform random source in [0, 1). */
  readonly random: () => number;
  /** Prompt text token counter. */
  readonly countTokens: (text: string, model?: string) => number;
  /** Initial state of the insufficient-quota switch. */
  readonly insufficientQuota: boolean;
  /** Completion budget when the request sets none. */
  readonly defaultMaxTokens: number;
}

/**
 * @param options - user options.
 * @returns validated options with defaults.
 * @throws RangeError on an invalid value.
 */
export function resolveOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`emulator option "port" must be an integer in [0, 65535], got ${port}`);
  }
  const defaults: QuotaLimits = {
    requestsPerMinute: positive('requestsPerMinute', options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE),
    tokensPerMinute: positive('tokensPerMinute', options.tokensPerMinute ?? DEFAULT_TOKENS_PER_MINUTE),
  };
  const models = new Map<string, QuotaLimits>();
  for (const [model, quota] of Object.entries(options.models ?? {})) {
    models.set(model, {
      requestsPerMinute: positive(`models.${model}.requestsPerMinute`, quota.requestsPerMinute),
      tokensPerMinute: positive(`models.${model}.tokensPerMinute`, quota.tokensPerMinute),
    });
  }
  const [latencyMin, latencyMax] = msRange('latencyMs', options.latencyMs ?? DEFAULT_LATENCY_MS);
  const defaultMaxTokens = options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
  if (!Number.isInteger(defaultMaxTokens) || defaultMaxTokens < 1) {
    throw new RangeError(`emulator option "defaultMaxTokens" must be an integer >= 1, got ${defaultMaxTokens}`);
  }
  return {
    port,
    defaults,
    models,
    sliceMs: nonNegative('sliceMs', options.sliceMs ?? DEFAULT_SLICE_MS),
    latencyMin,
    latencyMax,
    faults: faultTable(options.faults),
    refundUnused: refundUnused(options),
    streaming: resolveStreamOptions(options.streaming),
    random: options.random ?? Math.random,
    countTokens: options.countTokens ?? countTextTokens,
    insufficientQuota: options.insufficientQuota ?? false,
    defaultMaxTokens,
  };
}

/** `refundUnused`, or its deprecated alias `refundUnusedCompletion`; default true. */
function refundUnused(options: EmulatorOptions): boolean {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the alias is read here and only here, to keep it working
  const { refundUnused: value, refundUnusedCompletion: alias } = options;
  if (value !== undefined && alias !== undefined && value !== alias) {
    throw new RangeError(
      `emulator options "refundUnused" (${value}) and its deprecated alias "refundUnusedCompletion" (${alias}) disagree; set only "refundUnused"`,
    );
  }
  return value ?? alias ?? true;
}
