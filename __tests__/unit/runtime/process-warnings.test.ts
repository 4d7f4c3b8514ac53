import 'reflect-metadata';
import { APICallError, RetryError } from 'ai';
import { container } from 'tsyringe';
import { AdaptiveRetry, configureResilience, type SdkRetriedEvent } from '../../../index';
import { adviseOnce } from '../../../src/runtime/process-warnings';
import { FakeClock } from '../../../src/testing/fake-clock';

afterAll(() => configureResilience(container));

/** Runs `body` with process warnings recorded instead of printed. */
async function recordingWarnings(body: () => Promise<void> | void): Promise<Array<{ message: string; code: unknown }>> {
  const seen: Array<{ message: string; code: unknown }> = [];
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation((warning: string | Error, options?: unknown) => {
    seen.push({ message: String(warning), code: (options as { code?: unknown } | undefined)?.code });
  });
  try {
    await body();
  } finally {
    spy.mockRestore();
  }
  return seen;
}

describe('advice given once per process', () => {
  it('emits each code once, however often it is asked', async () => {
    const seen = await recordingWarnings(() => {
      adviseOnce('LLM_RESILIENCE_STREAM_USAGE');
      adviseOnce('LLM_RESILIENCE_STREAM_USAGE');
    });
    expect(seen).toEqual([{ message: expect.stringMatching(/include_usage: true/), code: 'LLM_RESILIENCE_STREAM_USAGE' }]);
  });

  it("a client's own retries (the AI SDK's RetryError) are advised against even with no logger configured", async () => {
    const clock = new FakeClock();
    const runtime = configureResilience(container, { clock, random: () => 0 });
    const events: SdkRetriedEvent[] = [];
    runtime.events.onSdkRetried((e) => events.push(e));
    const rate = new APICallError({ message: 'Too Many Requests', url: 'u', requestBodyValues: {}, statusCode: 429, responseHeaders: { 'retry-after-ms': '5' } });
    let calls = 0;
    class Service {
      @AdaptiveRetry({ maxRetries: 1 })
      async call(): Promise<string> {
        if (++calls === 1) throw new RetryError({ message: 'Failed after 3 attempts', reason: 'maxRetriesExceeded', errors: [rate, rate, rate] });
        return 'ok';
      }
    }
    const seen = await recordingWarnings(async () => {
      const pending = new Service().call();
      await clock.advance(100);
      await expect(pending).resolves.toBe('ok');
    });
    expect(seen).toEqual([{ message: expect.stringMatching(/maxRetries: 0/), code: 'LLM_RESILIENCE_SDK_RETRIES' }]);
    expect(events).toEqual([expect.objectContaining({ key: 'Service.call', attempt: 1, wrapper: 'AI_RetryError' })]);
  });
});
