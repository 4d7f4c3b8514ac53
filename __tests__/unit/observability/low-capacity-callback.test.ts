import { eventPipeline, snapshot } from '../../helpers/event-pipeline';

describe('the onLowCapacity callback', () => {
  it('a throwing or rejecting callback never breaks the call path: caught and logged', async () => {
    const { capacity, records } = eventPipeline({
      // a callback that returns a rejecting promise where none is expected: the misuse under test
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the case under test
      onLowCapacity: (e) => {
        if (e.resource === 'requests') throw new Error('pager down');
        return Promise.reject(new Error('webhook 500'));
      },
      lowCapacity: { consecutive: 1 },
    });
    expect(() => capacity.observed('k', snapshot(1, 1))).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    const errors = records().filter((r) => r.msg === 'onLowCapacity callback failed');
    expect(errors).toEqual([
      expect.objectContaining({ level: 50, key: 'k', resource: 'requests', error: 'Error' }),
      expect.objectContaining({ level: 50, key: 'k', resource: 'tokens', error: 'Error' }),
    ]);
    // the name only: a callback's error may quote what it handled
    expect(JSON.stringify(records())).not.toMatch(/pager down|webhook 500/);
  });
});
