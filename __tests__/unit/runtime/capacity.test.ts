import { EventHub } from '../../../src/events/hub';
import type { CapacityEvent, LowCapacityEvent } from '../../../src/events/types';
import { CapacityReporter, LowCapacityTracker, MAX_CAPACITY_KEYS } from '../../../src/runtime/capacity';
import { parseRateLimitHeaders } from '../../../src/providers/rate-limit-headers';
import { eventPipeline, snapshot } from '../../helpers/event-pipeline';

describe('LowCapacityTracker', () => {
  it('fires once after N consecutive low observations, a high one resets the streak, fires again only after recovery', () => {
    const tracker = new LowCapacityTracker(0.1, 3);
    expect([0.05, 0.05].map((r) => tracker.observe(r))).toEqual([false, false]);
    expect(tracker.observe(0.5)).toBe(false); // streak broken
    expect([0.05, 0.09, 0.0999].map((r) => tracker.observe(r))).toEqual([false, false, true]);
    expect([0.01, 0.0, 0.05].map((r) => tracker.observe(r))).toEqual([false, false, false]); // still raised
    expect(tracker.observe(0.1)).toBe(false); // recovery: ratio back at the threshold
    expect([0.01, 0.01, 0.01].map((r) => tracker.observe(r))).toEqual([false, false, true]);
  });
});

describe('CapacityReporter', () => {
  it('publishes remaining, limit and ratio per resource, remembering the last limit reported for the key', () => {
    const hub = new EventHub();
    const seen: CapacityEvent[] = [];
    hub.onCapacity((e) => seen.push(e));
    const reporter = new CapacityReporter(hub);
    reporter.observed('k', snapshot(25, 4000));
    reporter.observed('k', { requests: { remaining: 9 } });
    reporter.observed('fresh', { tokens: { remaining: 5 } });
    expect(seen).toEqual([
      { key: 'k', resource: 'requests', remaining: 25, limit: 100, ratio: 0.25 },
      { key: 'k', resource: 'tokens', remaining: 4000, limit: 10_000, ratio: 0.4 },
      { key: 'k', resource: 'requests', remaining: 9, limit: 100, ratio: 0.09 },
      { key: 'fresh', resource: 'tokens', remaining: 5, limit: undefined, ratio: undefined },
    ]);
  });

  it("reports Anthropic's tokens from its input or output budget when one has less left than their sum", () => {
    const hub = new EventHub();
    const seen: CapacityEvent[] = [];
    hub.onCapacity((e) => seen.push(e));
    const reporter = new CapacityReporter(hub);
    const headers = {
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '40',
      'anthropic-ratelimit-input-tokens-limit': '40000',
      'anthropic-ratelimit-input-tokens-remaining': '39000',
      'anthropic-ratelimit-output-tokens-limit': '8000',
      'anthropic-ratelimit-output-tokens-remaining': '400',
    };
    reporter.observed('claude', parseRateLimitHeaders(headers, 0)!);
    // the sum (39,400 of 48,000) would hide the output budget nearly spent
    expect(seen[1]).toEqual({ key: 'claude', resource: 'tokens', remaining: 400, limit: 8000, ratio: 0.05 });
  });

  it('does no work and keeps no state while nobody listens', () => {
    const hub = new EventHub();
    const reporter = new CapacityReporter(hub);
    reporter.observed('k', snapshot(1, 1));
    expect(reporter.trackedKeys).toBe(0);
    const subscription = hub.onLowCapacity(() => undefined);
    for (let i = 0; i < MAX_CAPACITY_KEYS + 10; i++) reporter.observed(`tenant-${i}`, snapshot(50));
    expect(reporter.trackedKeys).toBe(MAX_CAPACITY_KEYS);
    subscription.dispose();
  });

  it('calls onLowCapacity per key and resource with remaining, limit and ratio, and logs a warning', () => {
    const events: LowCapacityEvent[] = [];
    const { capacity, records } = eventPipeline({ onLowCapacity: (e) => events.push(e) });
    for (const remaining of [9, 8]) capacity.observed('k', snapshot(remaining, 5000));
    capacity.observed('other', snapshot(1, 5000));
    expect(events).toEqual([]);
    capacity.observed('k', { requests: { remaining: 7 } }); // the limit is remembered from earlier snapshots
    expect(events).toEqual([{ key: 'k', resource: 'requests', remaining: 7, limit: 100, ratio: 0.07 }]);
    for (const remaining of [900, 800, 700]) capacity.observed('k', snapshot(5, remaining));
    expect(events.slice(1)).toEqual([{ key: 'k', resource: 'tokens', remaining: 700, limit: 10_000, ratio: 0.07 }]);
    const warnings = records().filter((r) => r.msg.startsWith('provider capacity low'));
    expect(warnings).toEqual([
      expect.objectContaining({ level: 40, key: 'k', resource: 'requests', remaining: 7, limit: 100, ratio: 0.07, threshold: 0.1, consecutive: 3 }),
      expect.objectContaining({ level: 40, key: 'k', resource: 'tokens', remaining: 700, limit: 10_000, ratio: 0.07 }),
    ]);
    // recovery, then low again: fires again
    capacity.observed('k', snapshot(50, 9000));
    for (const remaining of [3, 2, 1]) capacity.observed('k', snapshot(remaining, 9000));
    expect(events.map((e) => `${e.resource}:${e.remaining}`)).toEqual(['requests:7', 'tokens:700', 'requests:1']);
  });

  it('honours threshold and consecutive', () => {
    const events: LowCapacityEvent[] = [];
    const { capacity } = eventPipeline({ onLowCapacity: (e) => events.push(e), lowCapacity: { threshold: 0.5, consecutive: 1 } });
    capacity.observed('k', snapshot(60));
    expect(events).toEqual([]);
    capacity.observed('k', snapshot(49));
    expect(events).toEqual([{ key: 'k', resource: 'requests', remaining: 49, limit: 100, ratio: 0.49 }]);
  });
});
