import 'reflect-metadata';
import OpenAI from 'openai';
import { container as rootContainer } from 'tsyringe';
import { configureResilience, estimateChatTokens, observingFetch, preloadTokenizer, type LimiterStore } from '../../index';
import type { EmulatorHandle } from '../../src/testing';
import type { DemoOptions } from './options';
import { PROGRESS_LABELS, createProgress, type ProgressStream } from './progress';
import { SLICE_MS, quotaUse, startDemoEmulator } from './provider';
import { formatReport, type BatchReport } from './report';
import { runSdkOnly } from './sdk-only';
import { MAX_COMPLETION_TOKENS, OPENAI_CLIENT, TicketSummarizer, failureName, summaryRequest } from './ticket-service';
import { generateTickets, type Ticket } from './tickets';

/** What one process's share of the batch produced. */
export interface ShareResult {
  readonly completed: number;
  readonly failures: Record<string, number>;
  readonly retries: number;
  readonly estimatedTokens: number;
  /** Tokens the answers used (their `usage.total_tokens`). */
  readonly usedTokens: number;
  /** Epoch ms of the first call and of the last completion (the batch's own time, without process start). */
  readonly startedAt: number;
  readonly endedAt: number;
}

/**
 * Summarises `tickets` through a TicketSummarizer resolved from the container, configured with the named
 * policy for the model (or none, to learn the limits from headers, with --live).
 */
export async function summarizeShare(
  tickets: readonly Ticket[],
  options: { baseURL?: string; apiKey: string | undefined; model: string; policies: boolean; rpm: number; tpm: number; store?: LimiterStore },
  onDone: (failed: boolean) => void = () => undefined,
): Promise<ShareResult> {
  const container = rootContainer.createChildContainer();
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0, fetch: observingFetch() });
  container.register(OPENAI_CLIENT, { useValue: client });
  configureResilience(rootContainer, {
    policies: options.policies ? { [`openai:${options.model}`]: { requestsPerMinute: options.rpm, tokensPerMinute: options.tpm } } : {},
    ...(options.store ? { store: options.store } : {}),
  });
  const service = container.resolve(TicketSummarizer);
  const failures: Record<string, number> = {};
  let completed = 0;
  let estimatedTokens = 0;
  let usedTokens = 0;
  const startedAt = Date.now();
  await Promise.all(
    tickets.map(async (ticket) => {
      const req = summaryRequest(ticket, options.model);
      estimatedTokens += estimateChatTokens(req);
      try {
        const answer = await service.summarize(req);
        usedTokens += answer.usage?.total_tokens ?? 0;
        completed++;
        onDone(false);
      } catch (error) {
        const name = failureName(error);
        failures[name] = (failures[name] ?? 0) + 1;
        onDone(true);
      }
    }),
  );
  return { completed, failures, retries: service.retries, estimatedTokens, usedTokens, startedAt, endedAt: Date.now() };
}

/**
 * Runs the batch in this process against an embedded emulator (or the live API); then, unless told not to, the same
 * batch through the SDK's own retries against a fresh emulator; prints the report.
 */
export async function runDemo(options: DemoOptions, out: ProgressStream = process.stdout): Promise<BatchReport> {
  // the tokenizer's load (or its "not installed" warning) before the batch, not in the middle of it
  preloadTokenizer(options.model);
  let emulator: EmulatorHandle | undefined;
  const quota = { requestsPerMinute: options.rpm, tokensPerMinute: options.tpm };
  if (!options.live) {
    emulator = await startDemoEmulator(quota, options.faults);
    out.write(`emulator: ${emulator.url} (${options.rpm} requests/min, ${options.tpm} tokens/min per model)\n`);
  }
  const tickets = generateTickets(options.calls);
  const progress = createProgress(tickets.length, out, options.compare ? PROGRESS_LABELS.ours : 'summarising');
  const started = performance.now();
  try {
    const share = await summarizeShare(
      tickets,
      {
        baseURL: emulator?.url,
        apiKey: emulator ? 'sk-emulator' : process.env.OPENAI_API_KEY,
        model: options.model,
        policies: !options.live,
        rpm: options.rpm,
        tpm: options.tpm,
      },
      (failed) => progress.tick(failed),
    );
    progress.stop();
    const wallSeconds = (performance.now() - started) / 1000;
    const counters = emulator?.counters();
    const use = emulator === undefined ? undefined : quotaUse(emulator, options.model, MAX_COMPLETION_TOKENS);
    const report: BatchReport = {
      calls: tickets.length,
      completed: share.completed,
      failed: tickets.length - share.completed,
      failures: share.failures,
      rateLimited: counters?.rateLimited,
      serverErrors: counters === undefined ? undefined : counters.serverErrors + counters.dropped,
      retries: share.retries,
      estimatedTokens: share.estimatedTokens,
      usedTokens: share.usedTokens,
      wallSeconds,
      quota: use === undefined ? undefined : { ...quota, sliceMs: SLICE_MS, use },
    };
    await emulator?.close();
    emulator = undefined;
    const baseline = options.compare ? await runSdkOnly(tickets, options, out) : undefined;
    out.write(`\n${formatReport(report, baseline && { title: `openai SDK alone (maxRetries ${options.sdkRetries})`, report: baseline })}\n`);
    return report;
  } finally {
    progress.stop();
    await emulator?.close();
  }
}
