import { EventHub } from '../../../src/events/hub';
import type { CallEvent } from '../../../src/events/types';

describe('EventHub', () => {
  it('each onX returns a disposable; listeners run in subscription order until disposed', () => {
    const hub = new EventHub();
    const seen: string[] = [];
    expect(hub.callStart.listening).toBe(false);
    const a = hub.onCallStart((e) => seen.push(`a:${e.key}`));
    const b = hub.onCallStart((e) => seen.push(`b:${e.key}`));
    expect(hub.callStart.listening).toBe(true);
    hub.callStart.emit({ key: '1' });
    a.dispose();
    a.dispose(); // twice is harmless
    hub.callStart.emit({ key: '2' });
    b.dispose();
    expect(hub.callStart.listening).toBe(false);
    hub.callStart.emit({ key: '3' });
    expect(seen).toEqual(['a:1', 'b:1', 'b:2']);
  });

  it('the same function subscribed twice is two subscriptions, disposed one at a time', () => {
    const hub = new EventHub();
    let calls = 0;
    const listener = (): void => {
      calls++;
    };
    const first = hub.onCallEnd(listener);
    hub.onCallEnd(listener);
    hub.callEnd.emit({ key: 'k' });
    first.dispose();
    hub.callEnd.emit({ key: 'k' });
    expect(calls).toBe(3);
  });

  it('a throwing or rejecting listener is reported and never stops the others', async () => {
    const failures: Array<[string, string]> = [];
    const hub = new EventHub((event, error) => failures.push([event, (error as Error).message]));
    const seen: CallEvent[] = [];
    hub.onCallStart(() => {
      throw new Error('boom');
    });
    // a listener typed to return nothing may still return a promise (a misuse this test makes on purpose)
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the case under test
    hub.onCallStart(() => Promise.reject(new Error('later')));
    hub.onCallStart((e) => seen.push(e));
    expect(() => hub.callStart.emit({ key: 'k' })).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([{ key: 'k' }]);
    expect(failures).toEqual([
      ['callStart', 'boom'],
      ['callStart', 'later'],
    ]);
  });

  it('by default reports a failing listener as one process warning per event', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const hub = new EventHub();
      hub.onRetry(() => {
        throw new TypeError('bad listener');
      });
      const event = { key: 'k', model: undefined, attempt: 1, estimatedTokens: undefined, status: 500, reason: 'server-error', retryAfterMs: undefined, delayMs: 1 };
      hub.retry.emit(event);
      hub.retry.emit(event);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/"retry" listener failed \(TypeError: bad listener\)/);
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses a listener that is not a function', () => {
    expect(() => new EventHub().onRetry('log it' as never)).toThrow(TypeError);
  });
});
