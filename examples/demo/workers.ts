import { spawn } from 'node:child_process';
import { preloadTokenizer } from '../../index';
import type { DemoOptions } from './options';
import { createProgress, type ProgressStream } from './progress';
import { SLICE_MS, quotaUse, startDemoEmulator } from './provider';
import { formatReport, type BatchReport } from './report';
import type { ShareResult } from './run-demo';
import { MAX_COMPLETION_TOKENS } from './ticket-service';
import { generateTickets } from './tickets';

/** Marker of the JSON line a worker prints with its share's result. */
const RESULT_PREFIX = 'llm-resilience-worker-result ';
/** Marker of the line a worker prints per finished call (`1` failed, `0` succeeded), for the parent's progress. */
const PROGRESS_PREFIX = 'llm-resilience-worker-done ';

/** Worker side: summarises tickets `id % workers === index` with a Redis-backed store and prints the result. */
export async function runWorkerShare(options: DemoOptions): Promise<void> {
  const { default: Redis } = await import('ioredis');
  const { RedisStore } = await import('../../src/limits/redis/redis-store');
  const { summarizeShare } = await import('./run-demo');
  const { worker, redis } = options;
  if (worker === undefined || redis === undefined) throw new Error('a demo worker needs --worker-index, --emulator-url and --redis');
  const client = new Redis(redis, { maxRetriesPerRequest: 1 });
  try {
    const tickets = generateTickets(options.calls).filter((t) => t.id % options.workers === worker.index);
    const share = await summarizeShare(tickets, {
      baseURL: worker.emulatorUrl,
      apiKey: 'sk-emulator',
      model: options.model,
      policies: true,
      rpm: options.rpm,
      tpm: options.tpm,
      store: new RedisStore({ client, prefix: 'llmr-demo', instances: options.workers }),
    }, (failed) => process.stdout.write(`${PROGRESS_PREFIX}${failed ? 1 : 0}\n`));
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(share)}\n`);
  } finally {
    client.disconnect();
  }
}

/** Runs one worker process; `onDone` hears of each call it finishes, as it finishes. */
function runChild(args: string[], onDone: (failed: boolean) => void): Promise<ShareResult> {
  return new Promise((resolve, reject) => {
    // the parent printed the process warnings (e.g. the tokenizer's) once, before the progress line
    const env = { ...process.env, NODE_NO_WARNINGS: '1' };
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], 'demo', ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let pending = '';
    let result: ShareResult | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith(PROGRESS_PREFIX)) onDone(line.slice(PROGRESS_PREFIX.length) === '1');
        else if (line.startsWith(RESULT_PREFIX)) result = JSON.parse(line.slice(RESULT_PREFIX.length)) as ShareResult;
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (result === undefined) reject(new Error(`worker exited with ${String(code)} and no result`));
      else resolve(result);
    });
  });
}

/** Parent side: one emulator, N worker processes sharing the quota through Redis; prints the joint report. */
export async function runWorkers(options: DemoOptions, out: ProgressStream = process.stdout): Promise<BatchReport> {
  const redis = options.redis;
  if (redis === undefined) throw new Error('--workers needs --redis URL (the processes share the limit through Redis)');
  preloadTokenizer(options.model);
  const quota = { requestsPerMinute: options.rpm, tokensPerMinute: options.tpm };
  const emulator = await startDemoEmulator(quota, options.faults);
  out.write(`emulator: ${emulator.url}; starting ${options.workers} worker processes that share one limit through ${redis}\n`);
  const progress = createProgress(options.calls, out);
  try {
    const common = ['--calls', String(options.calls), '--workers', String(options.workers), '--redis', redis, '--rpm', String(options.rpm), '--tpm', String(options.tpm), '--model', options.model, '--emulator-url', emulator.url];
    const shares = await Promise.all(Array.from({ length: options.workers }, (_, i) => runChild([...common, '--worker-index', String(i)], (failed) => progress.tick(failed))));
    progress.stop();
    const counters = emulator.counters();
    const failures: Record<string, number> = {};
    for (const s of shares) for (const [k, v] of Object.entries(s.failures)) failures[k] = (failures[k] ?? 0) + v;
    const completed = shares.reduce((n, s) => n + s.completed, 0);
    const report: BatchReport = {
      calls: options.calls,
      completed,
      failed: options.calls - completed,
      failures,
      rateLimited: counters.rateLimited,
      serverErrors: counters.serverErrors + counters.dropped,
      retries: shares.reduce((n, s) => n + s.retries, 0),
      estimatedTokens: shares.reduce((n, s) => n + s.estimatedTokens, 0),
      usedTokens: shares.reduce((n, s) => n + s.usedTokens, 0),
      // from the first call of any worker to the last completion: process start-up is not the batch
      wallSeconds: (Math.max(...shares.map((x) => x.endedAt)) - Math.min(...shares.map((x) => x.startedAt))) / 1000,
      quota: { ...quota, sliceMs: SLICE_MS, use: quotaUse(emulator, options.model, MAX_COMPLETION_TOKENS) },
    };
    out.write(`\n${formatReport(report)}\n`);
    return report;
  } finally {
    progress.stop();
    await emulator.close();
  }
}
