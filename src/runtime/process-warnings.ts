/**
 * Advice the runtime gives once per process, as a Node warning (visible without any logger configured).
 * @packageDocumentation
 */

/** The advice, by warning code. */
const ADVICE = {
  LLM_RESILIENCE_STREAM_USAGE:
    'an openai chat completion stream ended without a usage chunk, so its token estimate stays charged; ' +
    'pass stream_options: { include_usage: true } to settle the real usage',
  LLM_RESILIENCE_SDK_RETRIES:
    'a client retried a call itself before the error reached llm-resilience (the AI SDK threw a RetryError): ' +
    'its own retries hide 429s and server waits from the limiter; set them to 0 (the AI SDK: maxRetries: 0)',
} as const;

/** A warning code. */
export type AdviceCode = keyof typeof ADVICE;

const given = new Set<AdviceCode>();

/** Emits the advice of `code` as a process warning, the first time only. */
export function adviseOnce(code: AdviceCode): void {
  if (given.has(code)) return;
  given.add(code);
  process.emitWarning(ADVICE[code], { code });
}
