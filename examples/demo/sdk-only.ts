import OpenAI from 'openai';
import type { DemoOptions } from './options';
import { PROGRESS_LABELS, createProgress, type ProgressStream } from './progress';
import { SLICE_MS, quotaUse, startDemoEmulator } from './provider';
import type { BatchReport } from './report';
import { MAX_COMPLETION_TOKENS, failureName, summaryRequest } from './ticket-service';
import type { Ticket } from './tickets';

/**
 * The same batch through the openai SDK's own retries only (`maxRetries`, honouring `retry-after-ms`), all calls
 * at once, against a fresh emulator with the same quota: what the batch costs without llm-resilience.
 */
export async function runSdkOnly(tickets: readonly Ticket[], options: DemoOptions, out: ProgressStream = process.stdout): Promise<BatchReport> {
  const quota = { requestsPerMinute: options.rpm, tokensPerMinute: options.tpm };
  const emulator = await startDemoEmulator(quota, options.faults);
  const client = new OpenAI({ apiKey: 'sk-emulator', baseURL: emulator.url, maxRetries: options.sdkRetries });
  const progress = createProgress(tickets.length, out, PROGRESS_LABELS.sdkAlone);
  const failures: Record<string, number> = {};
  let completed = 0;
  let usedTokens = 0;
  const started = performance.now();
  try {
    await Promise.all(
      tickets.map(async (ticket) => {
        try {
          const answer = await client.chat.completions.create(summaryRequest(ticket, options.model));
          usedTokens += answer.usage?.total_tokens ?? 0;
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
      usedTokens,
      wallSeconds,
      quota: { ...quota, sliceMs: SLICE_MS, use: quotaUse(emulator, options.model, MAX_COMPLETION_TOKENS) },
    };
  } finally {
    progress.stop();
    await emulator.close();
  }
}
