/**
 * `llm-resilience/testing`: an OpenAI-compatible provider emulator with realistic rate limits, and a manual
 * clock for unit tests.
 * @packageDocumentation
 */

export * from './emulator';
export { FakeClock, flushPromises } from './fake-clock';
export { seededRandom } from './seeded-random';
