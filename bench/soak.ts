/**
 * Soak: decorated calls against the emulator at the quota for a few minutes; samples heap (after GC), the
 * runtime's live timers, the process's active handles and abort listeners. Run:
 * `node --expose-gc -r ./scripts/register.js bench/soak.ts [--minutes 3]`. Not part of CI.
 */
import 'reflect-metadata';
import { getEventListeners } from 'node:events';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimited, TokenBudget, configureResilience, currentCall, estimateChatTokens, observingFetch, systemClock, type Clock } from '../index';
import { startEmulator } from '../src/testing';

type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

function argMinutes(): number {
  const i = process.argv.indexOf('--minutes');
  const n = i < 0 ? 3 : Number(process.argv[i + 1]);
  return Number.isFinite(n) && n > 0 ? n : 3;
}

async function main(): Promise<void> {
  const minutes = argMinutes();
  const quota = { requestsPerMinute: 3000, tokensPerMinute: 150_000 };
  const emulator = await startEmulator({ ...quota, latencyMs: [10, 30], faults: { serverError: 0.01 } });
  let liveTimers = 0;
  const clock: Clock = {
    now: () => systemClock.now(),
    setTimeout: (cb, ms) => {
      liveTimers++;
      return systemClock.setTimeout(() => {
        liveTimers--;
        cb();
      }, ms);
    },
    clearTimeout: (h) => {
      liveTimers--;
      systemClock.clearTimeout(h);
    },
  };
  configureResilience(container, { clock, policies: { 'openai:gpt-4o-mini': quota } });
  const client = new OpenAI({ apiKey: 'sk-soak', baseURL: emulator.url, maxRetries: 0, fetch: observingFetch() });
  const caller = new AbortController(); // one long-lived caller signal shared by every call: listeners must not pile up
  class Service {
    @AdaptiveRetry({ maxRetries: 5, baseDelayMs: 50, attemptTimeoutMs: 5000 })
    @RateLimited({ key: (r: ChatRequest) => `openai:${r.model}` })
    @TokenBudget({ key: (r: ChatRequest) => `openai:${r.model}`, estimate: (r: ChatRequest) => estimateChatTokens(r) })
    async call(req: ChatRequest, _options: { signal: AbortSignal }) {
      return client.chat.completions.create(req, { signal: currentCall()?.signal });
    }
  }
  const service = new Service();
  const until = Date.now() + minutes * 60_000;
  let completed = 0;
  let failed = 0;
  // keep ~2 s of quota queued at all times: the limiter, not the caller, sets the pace
  const worker = async (): Promise<void> => {
    while (Date.now() < until) {
      await service
        .call({ model: 'gpt-4o-mini', max_completion_tokens: 40, messages: [{ role: 'user', content: `Summarise ticket ${completed}: refund please.` }] }, { signal: caller.signal })
        .then(() => completed++, () => failed++);
    }
  };
  const samples: string[] = [];
  const sample = () => {
    global.gc?.();
    const heapMb = process.memoryUsage().heapUsed / 1048576;
    const handles = process.getActiveResourcesInfo().length;
    const listeners = getEventListeners(caller.signal, 'abort').length;
    samples.push(`${new Date().toISOString().slice(11, 19)}  heap ${heapMb.toFixed(1)} MB  runtime timers ${liveTimers}  active handles ${handles}  abort listeners ${listeners}  completed ${completed}  failed ${failed}`);
    console.log(samples[samples.length - 1]);
  };
  const ticker = setInterval(sample, 15_000);
  sample();
  await Promise.all(Array.from({ length: 100 }, worker));
  clearInterval(ticker);
  sample();
  const c = emulator.counters();
  console.log(`soak ${minutes} min: ${completed} completed, ${failed} failed, ${c.rateLimited} 429s, ${c.serverErrors} injected 5xx; rate ${(completed / minutes).toFixed(0)}/min of ${quota.requestsPerMinute}`);
  await emulator.close();
}

void main();
