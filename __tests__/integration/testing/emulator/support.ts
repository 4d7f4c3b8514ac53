/** Shared by the emulator's dialect tests: emulators closed after each test, polling, raw SSE frames. */
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../../../src/testing/emulator';

/** A prompt counter that makes token counts exact: one token per character. */
export const lengthTokens = (text: string): number => text.length;

/** A random source that makes every answer as long as its output budget allows. */
export const longest = (): number => 0.999999;

/**
 * Registers an `afterEach` that closes every emulator started through the returned function.
 * @returns `start(options)`: an emulator with no latency and {@link lengthTokens}, unless overridden.
 */
export function emulators(): (options?: EmulatorOptions) => Promise<EmulatorHandle> {
  const open: EmulatorHandle[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()));
  });
  return async (options = {}) => {
    const emulator = await startEmulator({ latencyMs: 0, countTokens: lengthTokens, ...options });
    open.push(emulator);
    return emulator;
  };
}

/** Polls `condition` (no fixed sleep) until true or the deadline passes. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Reads a stream to its end.
 * @param onItem - called with the running count after each item.
 * @returns how many items it yielded.
 */
export async function drain(stream: AsyncIterable<unknown>, onItem?: (count: number) => void): Promise<number> {
  let count = 0;
  for await (const item of stream) {
    if (item !== undefined) count++;
    onItem?.(count);
  }
  return count;
}

/** One server-sent event: its `event:` name (or null) and its `data:` text. */
export interface Frame {
  readonly event: string | null;
  readonly data: string;
}

/**
 * POSTs JSON and splits the answer into server-sent events (frames end with a blank line, `\n\n` or `\r\n\r\n`).
 * @returns the response and its frames.
 */
export async function postFrames(url: string, body: unknown): Promise<{ response: Response; frames: Frame[]; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  const frames = text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.length > 0)
    .map((block) => {
      let event: string | null = null;
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      return { event, data: data.join('\n') };
    });
  return { response, frames, text };
}

/**
 * Watches the timers armed with one delay (the emulator's, given a delay nothing else uses): how many were armed,
 * and how many are still pending (neither fired nor cleared).
 * @param delayMs - the delay to watch.
 */
export function watchTimers(delayMs: number): { armed: () => number; pending: () => number; restore: () => void } {
  const live = new Set<unknown>();
  let armed = 0;
  const realSet = global.setTimeout;
  const realClear = global.clearTimeout;
  const setSpy = jest.spyOn(global, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    if (ms !== delayMs) return realSet(callback, ms, ...args);
    armed++;
    const handle = realSet(
      (...a: unknown[]) => {
        live.delete(handle);
        callback(...a);
      },
      ms,
      ...args,
    );
    live.add(handle);
    return handle;
  }) as typeof setTimeout);
  const clearSpy = jest.spyOn(global, 'clearTimeout').mockImplementation((handle) => {
    live.delete(handle);
    realClear(handle);
  });
  return {
    armed: () => armed,
    pending: () => live.size,
    restore: () => {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    },
  };
}
