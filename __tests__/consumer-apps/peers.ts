/**
 * Copied into a consumer app that installs the packed tarball with the lowest versions of the peer dependencies
 * (scripts/consumer-apps.js): compiles there with skipLibCheck off, and runs. The optional peers in use: a
 * RedisStore over an ioredis client (type-checked; no server is contacted), metrics in a prom-client registry,
 * and exact token counts from gpt-tokenizer. Also type-checked here by `npm test` against the repository's versions.
 * (The app is ESM: ioredis 5.0's `Redis` class is its module's default export only, which ESM cannot name without
 * `.default`; its `Cluster` is a named export, and a client like any other for the store.)
 */
import { Cluster } from 'ioredis';
import { Registry } from 'prom-client';
import { RedisStore, configureResilience, countTextTokens, type ResilienceOptions } from 'llm-resilience';

const redis = new Cluster([{ host: '127.0.0.1', port: 6379 }], { lazyConnect: true });
export const fleet: ResilienceOptions = { store: new RedisStore({ client: redis, instances: 2 }) };
redis.disconnect();

const registry = new Registry();
configureResilience({ metrics: { registry } });

async function main() {
  const series = (await registry.getMetricsAsJSON()).map((m) => m.name).filter((name) => name.startsWith('llm_'));
  // o200k_base counts "hello world" as 2 tokens; characters / 4 would say 3.
  console.log(JSON.stringify({ series: series.length, helloWorldTokens: countTextTokens('hello world', 'gpt-4o-mini') }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
