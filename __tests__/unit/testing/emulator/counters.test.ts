import { Counters, ModelStats } from '../../../../src/testing/emulator/counters';

describe('emulator counters', () => {
  it('count every outcome emulator-wide and per endpoint, with the concurrency peak', () => {
    const counters = new Counters();
    const chat = counters.endpoint('chat.completions');
    const messages = counters.endpoint('messages');
    expect(counters.endpoint('chat.completions')).toBe(chat);
    counters.begin(chat);
    counters.begin(chat);
    counters.begin(messages);
    counters.end(chat, 'succeeded');
    counters.end(chat, 'rateLimited');
    messages.streams++;
    counters.streams++;
    counters.end(messages, 'aborted');
    counters.begin(chat);
    const snapshot = counters.snapshot(new Map([['m', new ModelStats()]]));
    expect(snapshot).toMatchObject({ requests: 4, succeeded: 1, rateLimited: 1, aborted: 1, streams: 1, maxConcurrent: 3, perModel: {} });
    expect(snapshot.perEndpoint).toEqual({
      'chat.completions': { requests: 3, succeeded: 1, rateLimited: 1, serverErrors: 0, dropped: 0, badRequests: 0, aborted: 0, streams: 0 },
      messages: { requests: 1, succeeded: 0, rateLimited: 0, serverErrors: 0, dropped: 0, badRequests: 0, aborted: 1, streams: 1 },
    });
    // A reset zeroes everything; the peak restarts from what is still in flight (one request).
    counters.reset();
    const after = counters.snapshot(new Map());
    expect(after).toMatchObject({ requests: 0, succeeded: 0, streams: 0, maxConcurrent: 1 });
    expect(after.perEndpoint).toEqual({});
  });
});
