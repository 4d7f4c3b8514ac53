/**
 * Feeds the Prometheus series ({@link ResilienceMetrics}) from the runtime's events. Subscribed once, when
 * metrics are configured; without metrics nothing listens, so the call path pays nothing for them. Each
 * listener updates plain numbers; prom-client reads them at scrape time.
 * @packageDocumentation
 */

import type { Disposable } from '../events/disposable';
import type { ResilienceEvents } from '../events/hub';
import type { ResilienceMetrics } from './metrics';

/**
 * Subscribes the series of `metrics` to `events`.
 * @returns one disposable for every subscription.
 */
export function subscribeMetrics(events: ResilienceEvents, metrics: ResilienceMetrics): Disposable {
  const subscriptions: Disposable[] = [
    events.onCallStart((e) => {
      metrics.series(e.key).inflight++;
    }),
    events.onCallEnd((e) => {
      metrics.series(e.key).inflight--;
    }),
    events.onSucceeded((e) => {
      const series = metrics.series(e.key);
      series.success++;
      if (e.estimatedTokens !== undefined) series.estimatedTokens += e.estimatedTokens;
      if (e.actualTokens !== undefined) series.actualTokens += e.actualTokens;
    }),
    events.onStreamEnd((e) => {
      if (e.actualTokens !== undefined) metrics.series(e.key).actualTokens += e.actualTokens;
    }),
    events.onFailed((e) => {
      metrics.series(e.key).failure++;
    }),
    events.onRejected((e) => {
      metrics.series(e.key).rejected++;
    }),
    events.onRateLimited((e) => {
      metrics.series(e.key).rateLimited++;
    }),
    events.onRetry((e) => {
      const retries = metrics.series(e.key).retries;
      retries.set(e.reason, (retries.get(e.reason) ?? 0) + 1);
    }),
    events.onWaited((e) => metrics.observeWait(metrics.series(e.key), e.waitMs / 1000)),
    events.onBreakerChange((e) => {
      const transitions = metrics.series(e.key).breakerTransitions;
      transitions.set(e.state, (transitions.get(e.state) ?? 0) + 1);
    }),
    events.onCapacity((e) => {
      const series = metrics.series(e.key);
      if (e.resource === 'requests') {
        series.remainingRequests = e.remaining;
        if (e.ratio !== undefined) series.ratioRequests = e.ratio;
      } else {
        series.remainingTokens = e.remaining;
        if (e.ratio !== undefined) series.ratioTokens = e.ratio;
      }
    }),
  ];
  return {
    dispose: () => {
      for (const subscription of subscriptions) subscription.dispose();
    },
  };
}
