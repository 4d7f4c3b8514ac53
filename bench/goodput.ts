/**
 * Part 1a: goodput of one process on a quota-bound batch through the real openai SDK. Each contender gets a
 * fresh emulator with the same quota, warms its client up on a separate model, then fires every call at
 * once (a batch job). Figures come from the emulator's counters.
 */

import { articleLoop } from './contenders/article-loop';
import { bottleneckContender } from './contenders/bottleneck';
import { llmResilience } from './contenders/llm-resilience';
import { sdkRetries } from './contenders/sdk-retries';
import type { Contender } from './contenders/types';
import { fixed, textTable, type Column } from './table';
import { MODEL, startBenchEmulator, summarise, tickets, type BatchFigures, type BatchResult, type GoodputSizes } from './workload';

/** Runs one contender against a fresh emulator. */
export async function runContender(contender: Contender, sizes: GoodputSizes): Promise<BatchResult> {
  const emulator = await startBenchEmulator(sizes.quota);
  let prepared: Awaited<ReturnType<Contender['prepare']>> | undefined;
  try {
    prepared = await contender.prepare(emulator.url);
    const requests = tickets(sizes.calls);
    emulator.resetCounters();
    const started = performance.now();
    const outcomes = await Promise.allSettled(requests.map((req) => prepared!.call(req)));
    const wallSeconds = (performance.now() - started) / 1000;
    return summarise(contender.name, outcomes, emulator.counters(), sizes.quota, wallSeconds);
  } finally {
    await prepared?.close?.();
    await emulator.close();
  }
}

/** The single-process contenders, in table order. */
export function goodputContenders(sizes: GoodputSizes): Contender[] {
  return [
    llmResilience('configured', sizes.quota, MODEL),
    llmResilience('learned', sizes.quota, MODEL),
    sdkRetries(5),
    bottleneckContender(sizes.quota),
    articleLoop(),
  ];
}

/** Runs every contender in turn, printing a line after each. */
export async function runGoodput(sizes: GoodputSizes, log: (line: string) => void): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const contender of goodputContenders(sizes)) {
    const result = await runContender(contender, sizes);
    log(`  ${result.contender}: ${result.completed}/${result.calls} completed, ${result.rateLimited} 429s, ${result.wallSeconds.toFixed(2)} s`);
    results.push(result);
  }
  return results;
}

/** Table columns of a goodput result. */
export const GOODPUT_COLUMNS: readonly Column[] = [
  { header: 'contender' },
  { header: 'completed', right: true },
  { header: 'failed', right: true },
  { header: '429s', right: true },
  { header: 'HTTP requests', right: true },
  { header: 'wall s', right: true },
  { header: 'ideal s', right: true },
  { header: 'wall/ideal', right: true },
];

/** One table row of goodput figures; `label` names the contender. */
export function figuresRow(r: BatchFigures, label: string = r.contender): string[] {
  return [
    label,
    `${r.completed}/${r.calls}`,
    String(r.failed),
    String(r.rateLimited),
    String(r.requests),
    fixed(r.wallSeconds, 2),
    fixed(r.idealSeconds, 2),
    fixed(r.ratio, 2),
  ];
}

/** Table rows of goodput results. */
export function goodputRows(results: readonly BatchResult[]): string[][] {
  return results.map((r) => figuresRow(r));
}

/** The printable table. */
export function goodputTable(results: readonly BatchResult[]): string {
  return textTable(GOODPUT_COLUMNS, goodputRows(results));
}
