import OpenAI from 'openai';
import { startEmulator } from '../../src/testing';
import type { DemoOptions } from './options';
import { PROGRESS_LABELS, createProgress, type ProgressStream } from './progress';
import type { BatchReport } from './report';
import { failureName, summaryRequest } from './ticket-service';
import type { Ticket } from './tickets';

/**
 * The same batch through the openai SDK's own retries only (`maxRetries`, honouring `retry-after-ms`), all calls
 * at once, against a fresh emulator with the same quota: what the batch costs without llm-resilience.
 */
export async function runSdkOnly(tickets: readonly Ticket[], options: DemoOptions, out: ProgressStream = process.stdout): Promise<BatchReport> {
  const third = options.faults / 3;
  const emulator = await startEmulator({
    requestsPerMinute: options.rpm,
    tokensPerMinute: options.tpm,
    faults: options.faults > 0 ? { serverError: third, overloaded: third, drop: third } : undefined,
  });
  const client = new OpenAI({ apiKey: 'sk-emulator', baseURL: emulator.url, maxRetries: options.sdkRetries });
  const progress = createProgress(tickets.length, out, PROGRESS_LABELS.sdkAlone);
  const failures: Record<string, number> = {};
  let completed = 0;
  const started = performance.now();
  try {
    await Promise.all(
      tickets.map(async (ticket) => {
        try {
          await client.chat.completions.create(summaryRequest(ticket, options.model));
          completed++;
          progress.tick(false);
        } catch (error) {
          const name = failureName(error);
          failures[name] = (failures[name] ?? 0) + 1;
          progress.tick(true);
        }
      }),
    );
    progress.stop();
    const wallSeconds = (performance.now() - started) / 1000;
    const counters = emulator.counters();
    return {
      calls: tickets.length,
      completed,
      failed: tickets.length - completed,
      failures,
      rateLimited: counters.rateLimited,
      serverErrors: counters.serverErrors + counters.dropped,
      retries: counters.requests - tickets.length,
      estimatedTokens: undefined,
      chargedTokens: counters.promptTokens + counters.completionTokens,
      wallSeconds,
      quota: { requestsPerMinute: options.rpm, tokensPerMinute: options.tpm },
    };
  } finally {
    progress.stop();
    await emulator.close();
  }
}
