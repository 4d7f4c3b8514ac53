/** README: logs, metrics and the low-capacity alert (run by the test suite against the emulator). */
import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { RateLimited, configureResilience, currentCall, observingFetch } from 'llm-resilience';

const pager = { warn: (message: string) => { console.error(`PAGE: ${message}`); } };
// #region readme
import pino from 'pino';
import { Registry } from 'prom-client';

const registry = new Registry(); // the one your /metrics endpoint serves
configureResilience(container, {
  logger: pino({ level: 'info' }),
  metrics: { registry },                       // prefix: 'llm_' by default
  onLowCapacity: (e) => pager.warn(`${e.key} ${e.resource} at ${(e.ratio * 100).toFixed(1)}%`),
  lowCapacity: { threshold: 0.1, consecutive: 3 }, // the defaults
});
// #endregion readme

const client = new OpenAI({ maxRetries: 0, fetch: observingFetch() });

class Chat {
  @RateLimited({ key: 'openai:gpt-4o-mini', requestsPerMinute: 600 })
  async ask(question: string) {
    return client.chat.completions.create({ model: 'gpt-4o-mini', max_completion_tokens: 20, messages: [{ role: 'user', content: question }] }, { signal: currentCall()?.signal });
  }
}

async function main(): Promise<void> {
  await new Chat().ask('hello');
  const text = await registry.metrics();
  console.log(JSON.stringify({ series: [...new Set(text.split('\n').filter((l) => l.startsWith('# TYPE')).map((l) => l.split(' ')[2]))] }));
}

void main();
