/**
 * The runtime's public surface (the package root adds the decorators).
 * @packageDocumentation
 */

export { JITTER_KINDS, initialBackoff, jitterAboveHint, nextBackoff } from './backoff';
export type { BackoffOptions, BackoffState, JitterKind } from './backoff';
export { classifyError, errorFacts } from './classify';
export type { Classification, ErrorFacts, NoRetryReason, RetryReason } from './classify';
export { systemClock } from './clock';
export type { Clock, RandomSource, TimerHandle } from './clock';
export { activeInterceptor, configureResilience } from './config';
export type { ResilienceOptions, ResolvedConfig } from './config';
export { currentCall } from './context';
export type { CallContext } from './context';
export { ResilienceTokens } from './di';
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
export { readHeader } from './headers';
export type { HeaderValue, HeadersLike } from './headers';
export { Interceptor } from './interceptor';
export { REDACT_PATHS } from './log-redaction';
export { LOW_CAPACITY_DEFAULTS } from './low-capacity';
export type { CapacityResource, LowCapacityEvent, LowCapacityOptions } from './low-capacity';
export { MemoryStore } from './memory-store';
export type { MemoryStoreOptions } from './memory-store';
export { POLICY_METADATA_KEY, getPolicyMetadata } from './metadata';
export { DEFAULT_METRICS_PREFIX, MAX_METRIC_KEYS, OVERFLOW_KEY, WAIT_BUCKETS_SECONDS } from './metrics';
export type { MetricsOptions, MetricsRegistry } from './metrics';
export type { PolicyMetadata } from './metadata';
export { DEFAULTS } from './options';
export type { AdaptiveRetryOptions, KeySource, NamedPolicy, OnLimit, RateLimitedOptions, TokenBudgetOptions } from './options';
export { observingFetch } from './observing-fetch';
export type { FetchLike } from './observing-fetch';
export { RedisStore, DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_POLL_JITTER_MS, DEFAULT_RECOVERY_INTERVAL_MS } from './redis-store';
export type { RedisStoreClient, RedisStoreLogger, RedisStoreOptions, StoreErrorMode } from './redis-store';
export { parseRateLimitHeaders } from './rate-limit-headers';
export type { RateLimitSnapshot, ResourceSnapshot } from './rate-limit-headers';
export { DAY_BUDGET_SPENT, LEARNING_REQUESTS_PER_MINUTE } from './store';
export type { DemandPart, KeyView, LimitSpec, LimiterStore } from './store';
export { Telemetry } from './telemetry';
export type { AttemptFields, CallFields, TelemetryConfig } from './telemetry';
export { countTextTokens, estimateChatTokens, usageTokens } from './tokens';
export type { ChatRequestLike } from './tokens';
export { parseGoDuration, parseResetTimestamp, parseRetryAfter, serverWaitHint } from './wait-hints';
export type { WaitHint, WaitHintSource } from './wait-hints';
