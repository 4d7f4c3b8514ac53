/**
 * Cost of the metrics: per-call time of a method with all three decorators (in-memory store, limits so large
 * it is never throttled, a constant estimate, a silent logger) without and with a prom-client registry
 * configured, next to a bare async call. Each decorated variant also runs with rate-limit headers reported on
 * every call (what `observingFetch()` does on each response), since that feeds the remaining/ratio gauges and
 * the low-capacity alert. Sequential awaits; the variants are interleaved over many short rounds (order
 * reversed every other round) and the median and fastest rounds are reported — the fastest is the least
 * disturbed by other load on the machine. Then the events of one successful call alone (call start, capacity
 * observed, succeeded, call end) published without and with the metrics subscribed, which isolates the added
 * work, and one scrape.
 *
 *   node -r ./scripts/register.js bench/metrics-overhead.ts [--quick]
 *   npx tsc -p tsconfig.json --outDir /tmp/mb && NODE_PATH=$PWD/node_modules node /tmp/mb/bench/metrics-overhead.js [--quick]
 */

import 'reflect-metadata';
import { Registry } from 'prom-client';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimited, TokenBudget, configureResilience, currentCall } from '../index';
import { EventHub } from '../src/events/hub';
import { ResilienceMetrics } from '../src/observability/metrics';
import { subscribeMetrics } from '../src/observability/metrics-feed';
import { parseRateLimitHeaders } from '../src/providers/rate-limit-headers';
import { CapacityReporter } from '../src/runtime/capacity';

const quick = process.argv.includes('--quick');
const CALLS_PER_ROUND = quick ? 10_000 : 40_000;
const ROUNDS = quick ? 7 : 25;
const WARM_UP = quick ? 20_000 : 100_000;

const RESULT = { id: 'cmpl', usage: { total_tokens: 100 } };
const HEADERS: Record<string, string> = {
  'x-ratelimit-limit-requests': '1000000000',
  'x-ratelimit-remaining-requests': '999999999',
  'x-ratelimit-limit-tokens': '1000000000000',
  'x-ratelimit-remaining-tokens': '999999999900',
};
const HUGE = { requestsPerMinute: 1e12, tokensPerMinute: 1e15 };

class Service {
  @AdaptiveRetry()
  @RateLimited({ key: 'bench', requestsPerMinute: HUGE.requestsPerMinute })
  @TokenBudget({ key: 'bench', tokensPerMinute: HUGE.tokensPerMinute, estimate: () => 100 })
  async call(): Promise<typeof RESULT> {
    return RESULT;
  }

  @AdaptiveRetry()
  @RateLimited({ key: 'bench-headers', requestsPerMinute: HUGE.requestsPerMinute })
  @TokenBudget({ key: 'bench-headers', tokensPerMinute: HUGE.tokensPerMinute, estimate: () => 100 })
  async callWithHeaders(): Promise<typeof RESULT> {
    currentCall()!.observeHeaders(HEADERS);
    return RESULT;
  }
}

async function bare(): Promise<typeof RESULT> {
  return RESULT;
}

const service = new Service();
const registry = new Registry();
const configure = {
  none: () => configureResilience(container),
  metrics: () => configureResilience(container, { metrics: { registry } }),
};

interface Variant {
  readonly name: string;
  readonly setup: () => void;
  readonly call: () => Promise<unknown>;
}

const VARIANTS: readonly Variant[] = [
  { name: 'bare async call', setup: () => undefined, call: bare },
  { name: 'decorated, no metrics', setup: configure.none, call: () => service.call() },
  { name: 'decorated, metrics', setup: configure.metrics, call: () => service.call() },
  { name: 'decorated + headers, no metrics', setup: configure.none, call: () => service.callWithHeaders() },
  { name: 'decorated + headers, metrics', setup: configure.metrics, call: () => service.callWithHeaders() },
];

async function run(call: () => Promise<unknown>, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call();
  return Number(process.hrtime.bigint() - start) / n;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  for (const variant of VARIANTS) {
    variant.setup();
    await run(variant.call, WARM_UP);
  }
  const samples = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
      variant.setup();
      samples.get(variant.name)!.push(await run(variant.call, CALLS_PER_ROUND));
    }
  }
  const fastest = (name: string) => Math.min(...samples.get(name)!);
  const middle = (name: string) => median(samples.get(name)!);
  console.log(`metrics overhead: ${ROUNDS} rounds × ${CALLS_PER_ROUND} sequential calls per variant (node ${process.version})`);
  console.log('ns per call                         median  fastest   fastest over bare');
  for (const variant of VARIANTS) {
    const over = variant.call === bare ? '' : (fastest(variant.name) - fastest('bare async call')).toFixed(0).padStart(12);
    console.log(`${variant.name.padEnd(32)} ${middle(variant.name).toFixed(0).padStart(9)} ${fastest(variant.name).toFixed(0).padStart(8)} ${over}`);
  }
  const pairs: Array<[string, string]> = [
    ['decorated, no metrics', 'decorated, metrics'],
    ['decorated + headers, no metrics', 'decorated + headers, metrics'],
  ];
  for (const [without, withMetrics] of pairs) {
    const byMedian = middle(withMetrics) - middle(without);
    const byFastest = fastest(withMetrics) - fastest(without);
    console.log(`metrics cost, ${withMetrics.replace(', metrics', '')}: ${byMedian.toFixed(0)} ns/call (medians), ${byFastest.toFixed(0)} ns/call (fastest rounds)`);
  }
  hooks();
  const scrapes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const start = process.hrtime.bigint();
    await registry.metrics();
    scrapes.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  console.log(`scrape (registry.metrics(), 2 keys): ${median(scrapes).toFixed(0)} µs`);
}

/** The events of one successful call with rate-limit headers, alone, as the interceptor publishes them. */
function hooks(): void {
  const snapshot = parseRateLimitHeaders(HEADERS, Date.now())!;
  const withMetrics = new EventHub();
  subscribeMetrics(withMetrics, ResilienceMetrics.for(new Registry()));
  const variants = { 'no metrics': new EventHub(), metrics: withMetrics };
  const n = quick ? 200_000 : 2_000_000;
  const once = (events: EventHub): number => {
    const capacity = new CapacityReporter(events);
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      if (events.callStart.listening) events.callStart.emit({ key: 'k' });
      capacity.observed('k', snapshot);
      if (events.succeeded.listening) events.succeeded.emit({ key: 'k', model: undefined, attempt: 1, estimatedTokens: 100, actualTokens: 90 });
      if (events.callEnd.listening) events.callEnd.emit({ key: 'k' });
    }
    return Number(process.hrtime.bigint() - start) / n;
  };
  const results: Record<string, number[]> = { 'no metrics': [], metrics: [] };
  for (let round = 0; round < 7; round++) {
    for (const [name, events] of Object.entries(variants)) results[name].push(once(events));
  }
  const [off, on] = [Math.min(...results['no metrics']), Math.min(...results.metrics)];
  console.log(`events of one call (call start, capacity observed, succeeded, call end): no metrics ${off.toFixed(0)} ns, metrics ${on.toFixed(0)} ns (+${(on - off).toFixed(0)} ns)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
