import 'reflect-metadata';
import OpenAI from 'openai';
import { container as rootContainer } from 'tsyringe';
import { configureResilience, estimateChatTokens, observingFetch, type LimiterStore } from '../../index';
import { startEmulator, type EmulatorHandle } from '../../src/testing';
import type { DemoOptions } from './options';
import { createProgress } from './progress';
import { formatReport, type BatchReport } from './report';
import { OPENAI_CLIENT, TicketSummarizer, summaryRequest } from './ticket-service';
import { generateTickets, type Ticket } from './tickets';

/** What one process's share of the batch produced. */
export interface ShareResult {
  readonly completed: number;
  readonly failures: Record<string, number>;
  readonly retries: number;
  readonly estimatedTokens: number;
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
  const startedAt = Date.now();
  await Promise.all(
    tickets.map(async (ticket) => {
      const req = summaryRequest(ticket, options.model);
      estimatedTokens += estimateChatTokens(req);
      try {
        await service.summarize(req);
        completed++;
        onDone(false);
      } catch (error) {
        const name = failureName(error);
        failures[name] = (failures[name] ?? 0) + 1;
        onDone(true);
      }
    }),
  );
  return { completed, failures, retries: service.retries, estimatedTokens, startedAt, endedAt: Date.now() };
}

/** A failure's line in the report: the error's `code` (an SDK's or node's), else its class name. */
function failureName(error: unknown): string {
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' || typeof code === 'number') return String(code);
  return error instanceof Error ? error.constructor.name : 'Error';
}

/** Runs the batch in this process against an embedded emulator (or the live API) and prints the report. */
export async function runDemo(options: DemoOptions, out: NodeJS.WriteStream = process.stdout): Promise<BatchReport> {
  let emulator: EmulatorHandle | undefined;
  if (!options.live) {
    const third = options.faults / 3;
    emulator = await startEmulator({
      requestsPerMinute: options.rpm,
      tokensPerMinute: options.tpm,
      faults: options.faults > 0 ? { serverError: third, overloaded: third, drop: third } : undefined,
    });
    out.write(`emulator: ${emulator.url} (${options.rpm} requests/min, ${options.tpm} tokens/min per model)\n`);
  }
  const tickets = generateTickets(options.calls);
  const progress = createProgress(tickets.length, out);
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
    const report: BatchReport = {
      calls: tickets.length,
      completed: share.completed,
      failed: tickets.length - share.completed,
      failures: share.failures,
      rateLimited: counters?.rateLimited,
      serverErrors: counters === undefined ? undefined : counters.serverErrors + counters.dropped,
      retries: share.retries,
      estimatedTokens: share.estimatedTokens,
      chargedTokens: counters === undefined ? 0 : counters.promptTokens + counters.completionTokens,
      wallSeconds,
      quota: options.live ? undefined : { requestsPerMinute: options.rpm, tokensPerMinute: options.tpm },
    };
    out.write(`\n${formatReport(report)}\n`);
    return report;
  } finally {
    progress.stop();
    await emulator?.close();
  }
}
