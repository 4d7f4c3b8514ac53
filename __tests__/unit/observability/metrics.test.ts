import 'reflect-metadata';
import { Counter, Registry } from 'prom-client';
import { container } from 'tsyringe';
import { PolicyConfigError, configureResilience } from '../../../index';
import { EventHub } from '../../../src/events/hub';
import { ResilienceMetrics } from '../../../src/observability/metrics';
import { MAX_METRIC_KEYS, OVERFLOW_KEY } from '../../../src/observability/metrics-options';
import { attempt, eventPipeline, snapshot } from '../../helpers/event-pipeline';
import { samples } from '../../helpers/prometheus';

function success(runtime: { readonly events: unknown }, key: string): void {
  const events = runtime.events;
  if (!(events instanceof EventHub)) throw new Error('the runtime publishes through an EventHub');
  events.succeeded.emit({ key, model: undefined, attempt: 1, estimatedTokens: undefined, actualTokens: undefined });
}

describe('metrics', () => {
  afterAll(() => configureResilience(container));

  it('exposes every series with a key label, fed from the events', async () => {
    const registry = new Registry();
    const { hub, capacity } = eventPipeline({ metrics: ResilienceMetrics.for(registry) });
    hub.callStart.emit({ key: 'k' });
    hub.callStart.emit({ key: 'k' });
    hub.succeeded.emit({ key: 'k', model: undefined, attempt: 1, estimatedTokens: 100, actualTokens: 80 });
    hub.callEnd.emit({ key: 'k' });
    hub.rateLimited.emit(attempt('k'));
    hub.retry.emit({ ...attempt('k'), delayMs: 100 });
    hub.retry.emit({ ...attempt('k', { reason: 'server-error' }), delayMs: 100 });
    hub.failed.emit({ ...attempt('k'), stop: 'max-retries' });
    hub.rejected.emit({ key: 'k', model: undefined, attempt: 1, estimatedTokens: undefined, reason: 'queue full', retryAfterMs: 10 });
    hub.waited.emit({ key: 'k', model: undefined, attempt: 1, estimatedTokens: undefined, waitMs: 1500 });
    capacity.observed('k', snapshot(25, 4000));
    hub.breaker.emit({ key: 'k', state: 'open' });
    hub.streamEnd.emit({ key: 'k', model: undefined, attempt: 1, estimatedTokens: 100, outcome: 'completed', chunks: 3, actualTokens: 20, reason: undefined });
    const text = await registry.metrics();
    const s = samples(text);
    expect(s.get('llm_calls_total{key="k",outcome="success"}')).toBe(1);
    expect(s.get('llm_calls_total{key="k",outcome="failure"}')).toBe(1);
    expect(s.get('llm_calls_total{key="k",outcome="rejected"}')).toBe(1);
    expect(s.get('llm_retries_total{key="k",reason="rate-limited"}')).toBe(1);
    expect(s.get('llm_retries_total{key="k",reason="server-error"}')).toBe(1);
    expect(s.get('llm_rate_limited_total{key="k"}')).toBe(1);
    expect(s.get('llm_limiter_wait_seconds_count{key="k"}')).toBe(1);
    expect(s.get('llm_limiter_wait_seconds_sum{key="k"}')).toBe(1.5);
    expect(s.get('llm_limiter_wait_seconds_bucket{le="1",key="k"}')).toBe(0);
    expect(s.get('llm_limiter_wait_seconds_bucket{le="2.5",key="k"}')).toBe(1);
    expect(s.get('llm_tokens_total{key="k",kind="estimated"}')).toBe(100);
    expect(s.get('llm_tokens_total{key="k",kind="actual"}')).toBe(80 + 20); // a call's usage, and a stream's at its end
    expect(s.get('llm_ratelimit_remaining{key="k",resource="requests"}')).toBe(25);
    expect(s.get('llm_ratelimit_remaining{key="k",resource="tokens"}')).toBe(4000);
    expect(s.get('llm_ratelimit_remaining_ratio{key="k",resource="requests"}')).toBe(0.25);
    expect(s.get('llm_ratelimit_remaining_ratio{key="k",resource="tokens"}')).toBe(0.4);
    expect(s.get('llm_inflight{key="k"}')).toBe(1);
    expect(s.get('llm_breaker_transitions_total{key="k",state="open"}')).toBe(1);
    for (const name of s.keys()) expect(name).toMatch(/\{(.*,)?key="k"/);
  });

  it('re-configuring with the same registry reuses the series: no "already registered", counts continue', async () => {
    const registry = new Registry();
    success(configureResilience(container, { metrics: { registry } }), 'k');
    success(configureResilience(container, { metrics: { registry } }), 'k');
    expect(samples(await registry.metrics()).get('llm_calls_total{key="k",outcome="success"}')).toBe(2);
    // a series removed from the registry is registered again
    registry.removeSingleMetric('llm_inflight');
    configureResilience(container, { metrics: { registry } });
    expect(registry.getSingleMetric('llm_inflight')).toBeDefined();
    // another prefix is another set of series
    success(configureResilience(container, { metrics: { registry, prefix: 'svc_llm_' } }), 'k');
    const s = samples(await registry.metrics());
    expect(s.get('svc_llm_calls_total{key="k",outcome="success"}')).toBe(1);
    expect(s.get('llm_calls_total{key="k",outcome="success"}')).toBe(2);
  });

  it('refuses a registry where a series name is taken by a metric it did not register', () => {
    const registry = new Registry();
    new Counter({ name: 'llm_retries_total', help: 'mine', registers: [registry] });
    expect(() => configureResilience(container, { metrics: { registry } })).toThrow(PolicyConfigError);
    expect(() => configureResilience(container, { metrics: { registry } })).toThrow(/llm_retries_total.*metrics.prefix/);
  });

  it(`bounds the key label: keys beyond ${MAX_METRIC_KEYS} are counted under "${OVERFLOW_KEY}"`, async () => {
    const registry = new Registry();
    const { hub } = eventPipeline({ metrics: ResilienceMetrics.for(registry) });
    for (let i = 0; i < MAX_METRIC_KEYS + 25; i++) hub.succeeded.emit({ key: `tenant-${i}`, model: undefined, attempt: 1, estimatedTokens: undefined, actualTokens: undefined });
    const s = samples(await registry.metrics());
    const keys = new Set([...s.keys()].filter((k) => k.startsWith('llm_calls_total')).map((k) => /key="([^"]*)"/.exec(k)![1]));
    expect(keys.size).toBe(MAX_METRIC_KEYS + 1);
    expect(s.get(`llm_calls_total{key="${OVERFLOW_KEY}",outcome="success"}`)).toBe(25);
  });

  it('without metrics nothing listens to the per-call events', () => {
    const hub = (events: unknown): EventHub => {
      if (!(events instanceof EventHub)) throw new Error('the runtime publishes through an EventHub');
      return events;
    };
    const without = hub(configureResilience(container).events);
    expect(without.callStart.listening).toBe(false);
    expect(without.callEnd.listening).toBe(false);
    expect(without.succeeded.listening).toBe(false);
    const withMetrics = hub(configureResilience(container, { metrics: { registry: new Registry() } }).events);
    expect(withMetrics.callStart.listening).toBe(true);
    expect(withMetrics.succeeded.listening).toBe(true);
  });
});
