import type { Logger } from 'pino';
import { EventHub } from '../../src/events/hub';
import type { AttemptFailure, LowCapacityEvent } from '../../src/events/types';
import { redactingLogger } from '../../src/observability/log-redaction';
import { subscribeCallback } from '../../src/observability/low-capacity-callback';
import { EventLogs } from '../../src/observability/logs';
import type { ResilienceMetrics } from '../../src/observability/metrics';
import { subscribeMetrics } from '../../src/observability/metrics-feed';
import { CapacityReporter, LOW_CAPACITY_DEFAULTS } from '../../src/runtime/capacity';
import { captureLogger } from './capture-logger';

/** What `configureResilience` wires, built by hand: the hub, its log and metric subscribers, the capacity reporter. */
export function eventPipeline(
  options: {
    metrics?: ResilienceMetrics;
    onLowCapacity?: (event: LowCapacityEvent) => void;
    lowCapacity?: { threshold?: number; consecutive?: number };
    logger?: Logger;
  } = {},
) {
  const capture = captureLogger();
  const logger = redactingLogger(options.logger ?? capture.logger);
  const lowCapacity = { ...LOW_CAPACITY_DEFAULTS, ...options.lowCapacity };
  const hub = new EventHub();
  const logs = new EventLogs(logger, lowCapacity);
  logs.subscribe(hub);
  if (options.onLowCapacity !== undefined) subscribeCallback(hub, options.onLowCapacity, logger);
  if (options.metrics !== undefined) subscribeMetrics(hub, options.metrics);
  const capacity = new CapacityReporter(hub, lowCapacity);
  return { ...capture, hub, logs, logger, capacity };
}

/** A failed attempt's event fields. */
export function attempt(key: string, overrides: Partial<AttemptFailure> = {}): AttemptFailure {
  return { key, model: 'gpt-4o-mini', attempt: 2, status: 429, reason: 'rate-limited', estimatedTokens: 120, retryAfterMs: 750, ...overrides };
}

/** A rate-limit snapshot with requests (and tokens) remaining. */
export function snapshot(remainingRequests: number, remainingTokens?: number, limits = { requests: 100, tokens: 10_000 }) {
  return {
    requests: { limit: limits.requests, remaining: remainingRequests },
    ...(remainingTokens === undefined ? {} : { tokens: { limit: limits.tokens, remaining: remainingTokens } }),
  };
}
