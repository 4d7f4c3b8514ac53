/**
 * A small service that summarises support tickets through the three decorators against the provider emulator
 * (started in-process), and serves its Prometheus metrics over HTTP, so you can point Prometheus (and
 * `examples/prometheus/alerts.yml`) at it. The offered load exceeds the quota, so calls wait for capacity; and
 * another consumer of the same organisation takes most of one model's minute quota, so the provider answers
 * some calls with 429s and its reported remaining capacity stays under 10% (the low-capacity alert fires).
 *
 * ```bash
 * node -r ./scripts/register.js examples/metrics-server.ts             # 10 s of load, then exits
 * node -r ./scripts/register.js examples/metrics-server.ts --duration 0 --port 9464   # until Ctrl-C
 * curl -s localhost:9464/metrics | grep '^llm_'
 * ```
 *
 * Options: `--duration <s>` (default 10; 0 = until SIGINT/SIGTERM), `--port <n>` (default 9464; 0 = any free
 * port), `--rate <calls/s>` (default 12), `--log-level <level>` (default `warn`: retries, cooldowns and
 * low-capacity warnings as JSON lines on stdout).
 * @packageDocumentation
 */

import 'reflect-metadata';
import { setMaxListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { container } from 'tsyringe';
import {
  AdaptiveRetry,
  RateLimited,
  TokenBudget,
  configureResilience,
  currentCall,
  estimateChatTokens,
  observingFetch,
  type LowCapacityEvent,
} from '../index';
import { startEmulator } from '../src/testing';

type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

/** The provider's quotas per model: the offered load exceeds the small one, so its quota runs low. */
const QUOTAS = {
  'gpt-4o-mini': { requestsPerMinute: 300, tokensPerMinute: 60_000 },
  'gpt-4o': { requestsPerMinute: 120, tokensPerMinute: 30_000 },
} as const;
type Model = keyof typeof QUOTAS;

/** Options of {@link startMetricsExample}. */
export interface MetricsExampleOptions {
  /** HTTP port of `/metrics`; 0 = any free port. Default 9464. */
  readonly port?: number;
  /** How long to offer load, ms; `Infinity` = until {@link MetricsExample.stop}. Default 10 000. */
  readonly durationMs?: number;
  /** Offered calls per second (split between the two models). Default 12. */
  readonly callsPerSecond?: number;
  /** Where the runtime logs. Default: pino to stdout at `warn`. */
  readonly logger?: Logger;
}

/** What a run did. */
export interface MetricsExampleSummary {
  /** Calls of the service that succeeded. */
  readonly succeeded: number;
  /** Calls that failed or were rejected. */
  readonly failed: number;
  /** Calls still waiting when the run stopped (cancelled). */
  readonly cancelled: number;
  /** 429s the emulator sent (to the service and to the other consumer). */
  readonly providerRateLimited: number;
  /** Times `onLowCapacity` was called. */
  readonly lowCapacityAlerts: number;
}

/** A running example. */
export interface MetricsExample {
  /** `http://127.0.0.1:<port>/metrics`. */
  readonly url: string;
  /** The registry `/metrics` serves. */
  readonly registry: Registry;
  /** Resolves once the load has ended (duration reached or {@link stop}) and everything is closed. */
  readonly done: Promise<MetricsExampleSummary>;
  /** The figures so far. */
  stats(): MetricsExampleSummary;
  /** Ends the load now, aborts calls still waiting, closes the HTTP server and the emulator. */
  stop(): Promise<MetricsExampleSummary>;
}

const TICKETS = [
  'My invoice shows a duplicate charge for order 1042; please refund it.',
  'The export button does nothing in Firefox since the last update.',
  'How do I add a second admin to our workspace?',
  'Our SSO login loops back to the sign-in page after the certificate rotation.',
];

/**
 * Starts the emulator, configures the runtime with a metrics registry and the low-capacity alert, serves
 * `/metrics`, and offers load until the duration has passed.
 */
export async function startMetricsExample(options: MetricsExampleOptions = {}): Promise<MetricsExample> {
  const durationMs = options.durationMs ?? 10_000;
  const callsPerSecond = options.callsPerSecond ?? 12;
  const logger = options.logger ?? pino({ level: 'warn' });
  const emulator = await startEmulator({ models: QUOTAS, sliceMs: 0, latencyMs: [40, 120], faults: { serverError: 0.02 } });

  const registry = new Registry();
  let lowCapacityAlerts = 0;
  configureResilience(container, {
    logger,
    metrics: { registry },
    // A real service would page someone or shed optional work here; the warning is logged either way.
    onLowCapacity: (_event: LowCapacityEvent) => {
      lowCapacityAlerts++;
    },
    policies: Object.fromEntries(Object.entries(QUOTAS).map(([model, quota]) => [`openai:${model}`, { ...quota, maxWaitMs: 30_000 }])),
  });

  const client = new OpenAI({ apiKey: 'sk-example-not-a-real-key', baseURL: emulator.url, maxRetries: 0, fetch: observingFetch() });
  class TicketSummarizer {
    @AdaptiveRetry({ maxRetries: 4, baseDelayMs: 250, maxDelayMs: 10_000 })
    @RateLimited({ key: (req: ChatRequest) => `openai:${req.model}` })
    @TokenBudget({ key: (req: ChatRequest) => `openai:${req.model}`, estimate: (req: ChatRequest) => estimateChatTokens(req) })
    async summarize(req: ChatRequest, _options?: { signal?: AbortSignal }) {
      return client.chat.completions.create(req, { signal: currentCall()?.signal });
    }
  }
  const summarizer = new TicketSummarizer();

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        },
      );
      return;
    }
    res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/' ? 'llm-resilience example: GET /metrics\n' : 'not found\n');
  });
  await listen(server, options.port ?? 9464);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;

  // The load: a steady rate of calls alternating between the two models.
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // every waiting call listens to it
  const inFlight = new Set<Promise<unknown>>();
  let succeeded = 0;
  let failed = 0;
  let cancelled = 0;
  let sequence = 0;
  const tick = setInterval(() => {
    const model: Model = sequence % 3 === 2 ? 'gpt-4o' : 'gpt-4o-mini';
    const ticket = TICKETS[sequence % TICKETS.length];
    sequence++;
    const call = summarizer
      .summarize(
        {
          model,
          max_completion_tokens: 60,
          messages: [
            { role: 'system', content: 'Summarise the support ticket in one sentence.' },
            { role: 'user', content: ticket },
          ],
        },
        { signal: abort.signal },
      )
      .then(
        () => {
          succeeded++;
        },
        () => {
          if (abort.signal.aborted) cancelled++;
          else failed++;
        },
      );
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
  }, 1000 / callsPerSecond);
  const neighbour = otherConsumer(emulator.url, 'gpt-4o-mini', abort.signal);

  let finish!: (summary: MetricsExampleSummary) => void;
  let fail!: (error: unknown) => void;
  const done = new Promise<MetricsExampleSummary>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  let stopping: Promise<MetricsExampleSummary> | undefined;
  const stop = (): Promise<MetricsExampleSummary> => {
    if (stopping !== undefined) return stopping;
    stopping = (async () => {
      clearInterval(tick);
      clearTimeout(endTimer);
      abort.abort(new Error('example stopping')); // calls still waiting for capacity leave at once
      await Promise.allSettled([...inFlight, neighbour]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      const providerRateLimited = emulator.counters().rateLimited;
      await emulator.close();
      return { succeeded, failed, cancelled, providerRateLimited, lowCapacityAlerts };
    })();
    stopping.then(finish, fail);
    return stopping;
  };
  const endTimer = Number.isFinite(durationMs) ? setTimeout(() => void stop().catch(() => undefined), durationMs) : undefined;
  const stats = (): MetricsExampleSummary => ({
    succeeded,
    failed,
    cancelled,
    providerRateLimited: emulator.counters().rateLimited,
    lowCapacityAlerts,
  });
  return { url, registry, done, stats, stop };
}

/**
 * Another service of the same organisation, calling the provider directly: it takes 95% of `model`'s minute
 * quota at once, then one request a second, until `signal` aborts.
 */
async function otherConsumer(baseURL: string, model: Model, signal: AbortSignal): Promise<void> {
  const body = JSON.stringify({ model, max_completion_tokens: 5, messages: [{ role: 'user', content: 'batch job' }] });
  const send = (): Promise<void> =>
    fetch(`${baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal }).then(
      (response) => response.arrayBuffer().then(() => undefined),
      () => undefined,
    );
  const burst = Math.floor(QUOTAS[model].requestsPerMinute * 0.95);
  for (let sent = 0; sent < burst && !signal.aborted; sent += 100) await Promise.all(Array.from({ length: Math.min(100, burst - sent) }, send));
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
    // the abort may have come during the wait
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the listener above, which TypeScript's narrowing does not see
    if (!signal.aborted) await send();
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      port: { type: 'string', default: '9464' },
      rate: { type: 'string', default: '12' },
      'log-level': { type: 'string', default: 'warn' },
    },
  });
  const seconds = Number(values.duration);
  const port = Number(values.port);
  const rate = Number(values.rate);
  if (!(seconds >= 0) || !Number.isInteger(port) || port < 0 || !(rate > 0)) {
    console.error('usage: metrics-server.ts [--duration <seconds, 0 = until Ctrl-C>] [--port <n>] [--rate <calls/s>] [--log-level <level>]');
    process.exitCode = 2;
    return;
  }
  const example = await startMetricsExample({
    port,
    durationMs: seconds === 0 ? Infinity : seconds * 1000,
    callsPerSecond: rate,
    logger: pino({ level: values['log-level'] }),
  });
  console.log(`metrics: ${example.url}`);
  const onSignal = (): void => void example.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const summary = await example.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  console.log(`done: ${JSON.stringify(summary)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
