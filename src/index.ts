/**
 * The runtime's public surface (the package root adds the decorators).
 * @packageDocumentation
 */

export { JITTER_KINDS, initialBackoff, jitterAboveHint, nextBackoff } from './retry/backoff';
export type { BackoffOptions, BackoffState, JitterKind } from './retry/backoff';
export { classifyError, errorFacts } from './providers/classify';
export type { Classification, ErrorFacts, NoRetryReason, RetryReason } from './providers/classify';
export { systemClock } from './clock';
export type { Clock, RandomSource, TimerHandle } from './clock';
export { activeInterceptor, configureResilience } from './runtime/configure';
export type { ResilienceOptions } from './runtime/configure';
export type { ResolvedConfig } from './runtime/resolved-config';
export { currentCall } from './runtime/context';
export type { CallContext } from './runtime/context';
export { ResilienceTokens } from './runtime/di-tokens';
export {
  AttemptTimeoutError,
  CircuitOpenError,
  PolicyConfigError,
  RateLimitExceededError,
  ResilienceError,
  RetryExhaustedError,
  StoreUnavailableError,
  TokenBudgetExceededError,
} from './errors';
export type { RetryStopReason } from './errors';
export { readHeader } from './providers/headers';
export type { HeaderValue, HeadersLike } from './providers/headers';
export { Interceptor } from './runtime/interceptor';
export { REDACT_PATHS } from './observability/log-redaction';
export { LOW_CAPACITY_DEFAULTS } from './observability/low-capacity';
export type { CapacityResource, LowCapacityEvent, LowCapacityOptions } from './observability/low-capacity';
export { MemoryStore } from './limits/memory-store';
export type { MemoryStoreOptions } from './limits/memory-store';
export { POLICY_METADATA_KEY, getPolicyMetadata } from './policy/metadata';
export { DEFAULT_METRICS_PREFIX, MAX_METRIC_KEYS, OVERFLOW_KEY, WAIT_BUCKETS_SECONDS } from './observability/metrics';
export type { MetricsOptions, MetricsRegistry } from './observability/metrics';
export type { PolicyMetadata } from './policy/metadata';
export { DEFAULTS } from './policy/options';
export type { AdaptiveRetryOptions, KeySource, NamedPolicy, OnLimit, RateLimitedOptions, TokenBudgetOptions } from './policy/options';
export { observingFetch } from './runtime/observing-fetch';
export type { FetchLike } from './runtime/observing-fetch';
export { RedisStore, DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_POLL_JITTER_MS, DEFAULT_RECOVERY_INTERVAL_MS } from './limits/redis/redis-store';
export type { RedisStoreClient, RedisStoreLogger, RedisStoreOptions, StoreErrorMode } from './limits/redis/redis-store';
export { parseRateLimitHeaders } from './providers/rate-limit-headers';
export type { RateLimitSnapshot, ResourceSnapshot } from './providers/rate-limit-headers';
export { DAY_BUDGET_SPENT, LEARNING_REQUESTS_PER_MINUTE } from './limits/store';
export type { DemandPart, KeyView, LimitSpec, LimiterStore } from './limits/store';
export { Telemetry } from './observability/telemetry';
export type { AttemptFields, CallFields, TelemetryConfig } from './observability/telemetry';
export { countTextTokens, estimateChatTokens, usageTokens } from './tokens';
export type { ChatRequestLike } from './tokens';
export { parseGoDuration, parseResetTimestamp, parseRetryAfter } from './providers/header-values';
export { serverWaitHint } from './providers/wait-hints';
export type { WaitHint, WaitHintSource } from './providers/wait-hints';
