/**
 * A provider emulator over real HTTP, for tests and benchmarks, speaking the OpenAI chat completions and
 * Responses, Anthropic Messages and Gemini dialects (answers, server-sent-event streams, rate-limit headers and
 * errors, each as its provider writes them): per-model RPM/TPM quotas enforced like OpenAI (up-front charge,
 * minute and slice buckets, 429 with a wait), latency, fault injection before and during streams, and counters.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ requestsPerMinute: 600 });
 * const client = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
 * await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
 * await emulator.close();
 * ```
 * @packageDocumentation
 */
import { resolveOptions } from './options';
import { EmulatorServer } from './server';
import type { EmulatorHandle, EmulatorOptions } from './types';

export type { FaultProbabilities as EmulatorFaults } from './faults';
export type {
  EmulatorAdmission,
  EmulatorCounters,
  EmulatorEndpoint,
  EmulatorEndpointCounters,
  EmulatorHandle,
  EmulatorModelQuota,
  EmulatorOptions,
  EmulatorStreamOptions,
} from './types';

/**
 * Starts the emulator on 127.0.0.1. Endpoints, each answering JSON or (`stream: true`) server-sent events:
 * `POST /v1/chat/completions` and `POST /v1/responses` (OpenAI), `POST /v1/messages` (Anthropic),
 * `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent?alt=sse` (Gemini); also
 * `GET /v1/models` (the configured `models`) and `GET /health`. Anything else is a JSON 404.
 * @param options - quotas, latency, faults; see {@link EmulatorOptions}.
 * @returns a handle once the server is listening.
 * @throws RangeError on invalid options; the listen error if the port is taken.
 */
export async function startEmulator(options?: EmulatorOptions): Promise<EmulatorHandle> {
  const server = new EmulatorServer(resolveOptions(options));
  const port = await server.listen();
  return {
    url: `http://127.0.0.1:${port}/v1`,
    origin: `http://127.0.0.1:${port}`,
    port,
    counters: () => server.counters(),
    resetCounters: () => server.resetCounters(),
    setOutage: (active) => server.setOutage(active),
    setInsufficientQuota: (active) => server.setInsufficientQuota(active),
    setFaults: (faults) => server.setFaults(faults),
    setStreaming: (streaming) => server.setStreaming(streaming),
    admissions: (model) => server.admissions(model),
    close: () => server.close(),
  };
}

/**
 * The shortest possible time for `calls` requests of `tokensPerCall` tokens each under a quota:
 * `max(calls / rpm, calls * tokensPerCall / tpm) * 60` seconds. Benchmarks divide wall time by it.
 * @param calls - number of requests.
 * @param tokensPerCall - tokens charged per request.
 * @param quota - the per-minute limits.
 * @returns the ideal duration in seconds.
 */
export function idealSeconds(
  calls: number,
  tokensPerCall: number,
  quota: { requestsPerMinute: number; tokensPerMinute: number },
): number {
  return Math.max(calls / quota.requestsPerMinute, (calls * tokensPerCall) / quota.tokensPerMinute) * 60;
}
