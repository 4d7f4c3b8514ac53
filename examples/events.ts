/** README: subscribing to the runtime's events to feed another sink (run by the test suite against the emulator). */
import 'reflect-metadata';
import OpenAI from 'openai';
import { AdaptiveRetry, RateLimited, configureResilience, currentCall, observingFetch } from 'llm-resilience';

/** Stands in for your telemetry: an OpenTelemetry meter, a Datadog client, a StatsD socket. */
const sink = {
  counts: new Map<string, number>(),
  count(name: string, tags: Record<string, string | number | undefined>): void {
    const key = `${name}${JSON.stringify(tags)}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  },
  timing(name: string, _ms: number, tags: Record<string, string | undefined>): void {
    this.count(`${name}.samples`, tags);
  },
};
// #region readme
const runtime = configureResilience({ policies: { 'openai:gpt-4o-mini': { requestsPerMinute: 500 } } });

// each onX returns a disposable; payloads carry keys, models, counts and timings, never prompts
const subscriptions = [
  runtime.events.onRetry((e) => sink.count('llm.retry', { key: e.key, reason: e.reason, status: e.status })),
  runtime.events.onRateLimited((e) => sink.count('llm.429', { key: e.key, model: e.model })),
  runtime.events.onWaited((e) => sink.timing('llm.queue_wait', e.waitMs, { key: e.key })),
  runtime.events.onSucceeded((e) => sink.count('llm.ok', { key: e.key, attempts: e.attempt })),
];
// later: for (const s of subscriptions) s.dispose();
// #endregion readme

const client = new OpenAI({ maxRetries: 0, fetch: observingFetch() });

class Chat {
  @AdaptiveRetry()
  @RateLimited('openai:gpt-4o-mini')
  async ask(question: string) {
    return client.chat.completions.create({ model: 'gpt-4o-mini', max_completion_tokens: 5, messages: [{ role: 'user', content: question }] }, { signal: currentCall()?.signal });
  }
}

async function main(): Promise<void> {
  const chat = new Chat();
  // 30 calls at once on a 500 RPM key: the limiter paces them (about 8 per second), so most wait their turn
  const done = await Promise.all(Array.from({ length: 30 }, (_, i) => chat.ask(`question ${i}`)));
  for (const subscription of subscriptions) subscription.dispose();
  const total = (prefix: string): number => [...sink.counts].filter(([k]) => k.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);
  console.log(JSON.stringify({ completed: done.length, ok: total('llm.ok{'), waits: total('llm.queue_wait.samples{'), retries: total('llm.retry{') }));
}

void main();
