/**
 * The runtime's public surface (the package root adds the decorators). Everything users need to configure,
 * observe and extend the runtime; internals are not exported.
 * @packageDocumentation
 */

// configuring the runtime
export { configureResilience } from './runtime/configure';
export type { ResilienceOptions } from './runtime/resilience-options';
export type { ResilienceRuntime } from './runtime/resilience-runtime';
export { ResilienceTokens } from './runtime/di-tokens';
export { LOW_CAPACITY_DEFAULTS } from './runtime/capacity';
export type { LowCapacityOptions } from './runtime/capacity';
export { DEFAULT_METRICS_PREFIX } from './observability/metrics-options';
export type { MetricsOptions, MetricsRegistry } from './observability/metrics-options';
export { systemClock } from './clock';
export type { Clock, RandomSource, TimerHandle } from './clock';

// the policies' options
export { DEFAULTS } from './policy/options';
export type { AdaptiveRetryOptions, KeySource, NamedPolicy, OnLimit, RateLimitedOptions, TokenBudgetOptions } from './policy/options';
export type { JitterKind } from './retry/backoff';
export type { BreakerOptions, BreakerState } from './retry/breaker';
export type { RetryBudgetOptions } from './retry/retry-budget';

// inside a decorated method
export { currentCall } from './runtime/context';
export type { CallContext } from './runtime/context';
export { observingFetch } from './runtime/observing-fetch';
export type { AnyFetch, FetchLike } from './runtime/observing-fetch';
export type { HeaderValue, HeadersLike } from './providers/headers';

// events
export type { ResilienceEvents } from './events/hub';
export type { Disposable } from './events/disposable';
export type { Listener } from './events/emitter';
export type {
  AttemptFailure,
  BogusUsageEvent,
  BreakerEvent,
  CallEvent,
  CallInfo,
  CapacityEvent,
  CapacityResource,
  CooldownEvent,
  FailedEvent,
  LowCapacityEvent,
  ProviderLimitEvent,
  QueuedEvent,
  RateLimitedEvent,
  RejectedEvent,
  RetryEvent,
  SdkRetriedEvent,
  StreamEndEvent,
  StreamOutcome,
  SucceededEvent,
  WaitedEvent,
} from './events/types';

// errors
export {
  AttemptTimeoutError,
  CircuitOpenError,
  PolicyConfigError,
  RateLimitExceededError,
  ResilienceError,
  RetryExhaustedError,
  StoreUnavailableError,
  StreamInterruptedError,
  TokenBudgetExceededError,
} from './errors';
export type { LimitBound, RetryStopReason, TimeoutPhase } from './errors';
export { classifyError } from './providers/classify';
export type { Classification, NoRetryReason, RetryReason } from './providers/classify';

// stores
export { MemoryStore } from './limits/memory-store';
export type { MemoryStoreOptions } from './limits/memory-store';
export { RedisStore } from './limits/redis/redis-store';
export type { RedisStoreClient, RedisStoreLogger, RedisStoreOptions, StoreErrorMode } from './limits/redis/redis-store';
export { DAY_BUDGET_SPENT, NEVER_FITS } from './limits/store';
export type { DemandPart, KeyView, LimitSpec, LimiterStore } from './limits/store';
export type { RateLimitSnapshot, ResourceSnapshot } from './providers/rate-limit-headers';

// tokens
export { countTextTokens, estimateChatTokens, preloadTokenizer, usageTokens } from './tokens';
export type { ChatMessageLike, ChatRequestLike, ContentPartLike, EstimateOptions, GeminiContentsLike, ResponsesInputItemLike, ToolCallLike } from './tokens';
