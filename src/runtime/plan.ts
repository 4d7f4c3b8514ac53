/**
 * A method's compiled plan: its validated policies plus, per resolved key, the limits and acquire bounds.
 * Compiled once per method (and per configuration), so a call does no metadata lookup.
 * @packageDocumentation
 */

import { limitInForce, type ProviderLimits } from './provider-limits';
import type { ResolvedConfig } from './resolved-config';
import { BoundedMap } from '../util/bounded-map';
import { PolicyConfigError } from '../errors';
import type { AcquireBounds } from '../limits/limiter';
import type { MethodHandle } from '../policy/method-handle';
import { getPolicyMetadata } from '../policy/metadata';
import { DEFAULTS, type NamedPolicy } from '../policy/options';
import type { GuardSlot } from '../retry/overload-guards';
import type { DemandPart, LimitSpec } from '../limits/store';
import type { ResolvedKey, ResolvedRateLimit, ResolvedRetry, ResolvedTokenBudget } from '../policy/validate';

/** Most distinct keys whose plans one method caches (keys can come from user input). */
export const MAX_KEY_PLANS = 10_000;

/** Longest key accepted from a key function (keys are bounded: they become map keys and Redis keys). */
export const MAX_KEY_LENGTH = 256;

/** The limits of one call's key combination. */
export interface KeyPlan {
  /** The FIFO the call waits in. */
  readonly queueKey: string;
  /** The key reported in the call context and logs (the rate limit's, else the budget's). */
  readonly key: string;
  /** The rate limit's resolved key, if any. */
  readonly rateKey: string | undefined;
  /** The token budget's resolved key, if any. */
  readonly budgetKey: string | undefined;
  /**
   * One spec per distinct key, the rate limit's first: the limits in force, the configured ones lowered to what the
   * provider reports where it reports less.
   */
  readonly specs: readonly LimitSpec[];
  /** The same specs as configured (what the provider's reports are compared with). */
  readonly configuredSpecs: readonly LimitSpec[];
  /** The provider limits' generation the specs were built in: a later one rebuilds the plan. */
  readonly generation: number;
  /** Queue/reject and bounds. */
  readonly bounds: AcquireBounds;
  /** Longest pause a 429's wait hint may impose on the call's keys, ms (`maxCooldownMs`). */
  readonly maxCooldownMs: number;
  /** The demand of a call that estimates 0 tokens (shared: no allocation per call). */
  readonly requestOnly: readonly DemandPart[];
  /**
   * The smallest per-minute or daily token limit over the specs: a larger estimate can never be served (one
   * comparison per call instead of a loop).
   */
  readonly largestServable: number;
  /**
   * The smallest per-minute token limit in force, or daily token budget, of the keys charged tokens: a reported
   * usage above it cannot be true (a provider refuses a request larger than its per-minute limit), and one absurd
   * figure must not spend a day's budget. `Infinity` when none is configured.
   */
  readonly largestUsage: number;
  /** The overload guard of this key, cached (see {@link GuardSlot}). */
  readonly guard: GuardSlot;
}

/** The limits one call takes: resolved once per call, used by every attempt. */
export class CallLimits {
  /**
   * @param plan - the key plan of the call's keys.
   * @param parts - what each attempt takes from each key.
   * @param estimate - estimated tokens (0 without `@TokenBudget`).
   */
  constructor(
    readonly plan: KeyPlan,
    readonly parts: readonly DemandPart[],
    readonly estimate: number,
  ) {}

  /** The same demand against a rebuilt key plan of the same keys (its specs in force changed). */
  rebased(plan: KeyPlan): CallLimits {
    if (this.parts === this.plan.requestOnly) return new CallLimits(plan, plan.requestOnly, this.estimate);
    return new CallLimits(plan, this.parts.map((part, i) => ({ ...part, spec: plan.specs[i] })), this.estimate);
  }
}

/** Everything the interceptor needs for one method. */
export interface CompiledPlan {
  readonly where: string;
  readonly original: (...args: unknown[]) => unknown;
  readonly retry: ResolvedRetry | undefined;
  readonly rate: ResolvedRateLimit | undefined;
  readonly budget: ResolvedTokenBudget | undefined;
  /** Key plans by resolved key string. */
  readonly keyPlans: BoundedMap<string, KeyPlan>;
  /** True when every key is a fixed string: the one key plan is kept in {@link CompiledPlan.fixedKeyPlan}. */
  readonly fixedKeys: boolean;
  /** The key plan of a method with fixed keys, once built. */
  fixedKeyPlan: KeyPlan | undefined;
  /** The overload guard of a method without limits (its key is `Class.method`). */
  readonly guard: GuardSlot;
}

/** Compiles a method's metadata against a configuration. */
export function compilePlan(handle: MethodHandle): CompiledPlan {
  const meta = getPolicyMetadata(handle.target, handle.propertyKey) ?? {};
  return {
    where: handle.where,
    original: handle.original,
    retry: meta.retry,
    rate: meta.rateLimit,
    budget: meta.tokenBudget,
    keyPlans: new BoundedMap(MAX_KEY_PLANS),
    fixedKeys: typeof meta.rateLimit?.key !== 'function' && typeof meta.tokenBudget?.key !== 'function',
    fixedKeyPlan: undefined,
    guard: { value: undefined, generation: -1 },
  };
}

/** Resolves a key source against the call's arguments. */
export function resolveKey(where: string, source: ResolvedKey, args: unknown[]): string {
  if (typeof source === 'string') return source;
  const key = source(...args);
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new PolicyConfigError(where, 'key', key, `the key function to return a non-empty string of at most ${MAX_KEY_LENGTH} characters`);
  }
  return key;
}

/** Builds the key plan for a (rate key, budget key) pair. */
export function buildKeyPlan(
  plan: CompiledPlan,
  config: ResolvedConfig,
  rateKey: string | undefined,
  budgetKey: string | undefined,
  provider: ProviderLimits,
): KeyPlan {
  const rate = plan.rate;
  const budget = plan.budget;
  const ratePolicy = rateKey === undefined ? undefined : config.policies.get(rateKey);
  if (rate?.requiresPolicy && ratePolicy === undefined) {
    throw new PolicyConfigError(plan.where, 'policyName', rateKey, 'a policy defined in configureResilience({ policies })');
  }
  // One key: it carries both limits. Two keys: the rate key is charged requests only, the budget key tokens only.
  const separate = rateKey !== undefined && budgetKey !== undefined && budgetKey !== rateKey;
  const configuredSpecs: LimitSpec[] = [];
  if (rateKey !== undefined) {
    const rateSpec = spec(rateKey, ratePolicy, rate, rateKey === budgetKey ? budget : undefined);
    configuredSpecs.push(separate ? requestsOnly(rateSpec) : rateSpec);
  }
  if (budgetKey !== undefined && budgetKey !== rateKey) {
    const budgetSpec = spec(budgetKey, config.policies.get(budgetKey), undefined, budget);
    configuredSpecs.push(separate ? tokensOnly(budgetSpec) : budgetSpec);
  }
  const specs = configuredSpecs.map((s) => specInForce(s, provider));
  const key = rateKey ?? budgetKey;
  if (key === undefined) throw new Error('unreachable: a key plan is built for a rate limit or a token budget');
  const policy = ratePolicy ?? (budgetKey === undefined ? undefined : config.policies.get(budgetKey));
  let largestServable = Infinity;
  let largestUsage = Infinity;
  for (const s of specs) {
    largestServable = Math.min(largestServable, s.tokensPerMinute ?? Infinity, s.tokensPerDay ?? Infinity);
    largestUsage = Math.min(largestUsage, s.tokensPerMinute ?? Infinity, s.tokensPerDay ?? Infinity);
  }
  return {
    queueKey: budgetKey === undefined || budgetKey === rateKey || rateKey === undefined ? key : `${rateKey}\u0000${budgetKey}`,
    key,
    rateKey,
    budgetKey,
    specs,
    configuredSpecs,
    generation: provider.generation,
    bounds: {
      onLimit: rate?.onLimit ?? policy?.onLimit ?? DEFAULTS.onLimit,
      maxWaitMs: rate?.maxWaitMs ?? policy?.maxWaitMs ?? DEFAULTS.maxWaitMs,
      maxQueue: rate?.maxQueue ?? policy?.maxQueue ?? DEFAULTS.maxQueue,
    },
    maxCooldownMs: rate?.maxCooldownMs ?? policy?.maxCooldownMs ?? DEFAULTS.maxCooldownMs,
    requestOnly: specs.map((s) => ({ spec: s, requests: chargesRequests(s) ? 1 : 0, tokens: 0 })),
    largestServable,
    largestUsage,
    guard: { value: undefined, generation: -1 },
  };
}

/** The configured spec of each spec in force that differs from it (to lower a waiting call's spec again). */
const CONFIGURED = new WeakMap<LimitSpec, LimitSpec>();

/**
 * A configured spec with its per-minute limits lowered to the provider's where it reports less, and the bursts
 * with them (at most one second of the lower limit).
 * @param spec - a spec as configured, or one in force before (its configured spec is looked up).
 * @param provider - the provider's reported limits.
 */
export function specInForce(spec: LimitSpec, provider: ProviderLimits): LimitSpec {
  const configured = CONFIGURED.get(spec) ?? spec;
  const reported = provider.get(configured.key);
  if (reported === undefined) return configured;
  const rpm = configured.requestsPerMinute === undefined ? undefined : limitInForce(configured.requestsPerMinute, reported.requests);
  const tpm = configured.tokensPerMinute === undefined ? undefined : limitInForce(configured.tokensPerMinute, reported.tokens);
  if (rpm === configured.requestsPerMinute && tpm === configured.tokensPerMinute) return configured;
  const lowered: LimitSpec = {
    ...configured,
    requestsPerMinute: rpm,
    tokensPerMinute: tpm,
    requestBurst: rpm === configured.requestsPerMinute || rpm === undefined ? configured.requestBurst : Math.min(configured.requestBurst, Math.max(1, rpm / 60)),
    tokenBurst: tpm === configured.tokensPerMinute || tpm === undefined ? configured.tokenBurst : Math.min(configured.tokenBurst, tpm / 60),
  };
  CONFIGURED.set(lowered, configured);
  return lowered;
}

/** Whether a key's spec limits requests (configured, learned, or being learned). */
export function chargesRequests(spec: LimitSpec): boolean {
  return spec.requestsPerMinute !== undefined || spec.learnRequests;
}

/** Whether a key's spec limits tokens (per minute configured or learned, or a daily budget). */
export function chargesTokens(spec: LimitSpec): boolean {
  return spec.tokensPerMinute !== undefined || spec.learnTokens || spec.tokensPerDay !== undefined;
}

/** A rate key's spec when the call's tokens go to another key: requests only. */
function requestsOnly(spec: LimitSpec): LimitSpec {
  return { ...spec, tokensPerMinute: undefined, tokenBurst: 0, tokensPerDay: undefined, learnTokens: false };
}

/** A budget key's spec when the call's request goes to another key: tokens only. */
function tokensOnly(spec: LimitSpec): LimitSpec {
  return { ...spec, requestsPerMinute: undefined, requestBurst: 1, learnRequests: false };
}

function spec(
  key: string,
  policy: NamedPolicy | undefined,
  rate: ResolvedRateLimit | undefined,
  budget: ResolvedTokenBudget | undefined,
): LimitSpec {
  const requestsPerMinute = rate?.requestsPerMinute ?? policy?.requestsPerMinute;
  const tokensPerMinute = budget?.tokensPerMinute ?? policy?.tokensPerMinute;
  return {
    key,
    requestsPerMinute,
    requestBurst: rate?.burst ?? policy?.requestBurst ?? Math.max(1, (requestsPerMinute ?? 0) / 60),
    tokensPerMinute,
    tokenBurst: budget?.burst ?? policy?.tokenBurst ?? (tokensPerMinute ?? 0) / 60,
    tokensPerDay: budget?.tokensPerDay ?? policy?.tokensPerDay,
    learnRequests: requestsPerMinute === undefined && rate !== undefined,
    learnTokens: tokensPerMinute === undefined,
  };
}
