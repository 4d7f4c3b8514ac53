import { MemoryStore } from '../../../src/limits/memory-store';
import { FakeClock } from '../../../src/testing/fake-clock';
import { spec } from '../../helpers/limit-spec';

describe('MemoryStore key bound', () => {
  it('drops idle keys past maxKeys, keeps busy ones, and does not sweep on every new key', () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxKeys: 100 });
    const s = (key: string) => spec({ key, requestsPerMinute: 60 });
    for (let i = 0; i < 100; i++) store.acquire([{ spec: s(`old${i}`), requests: 1, tokens: 0 }], clock.now());
    expect(store.size).toBe(100);
    const later = clock.now() + 120_000;
    store.acquire([{ spec: s('fresh'), requests: 1, tokens: 0 }], later); // sweep: the 100 idle keys go
    expect(store.size).toBe(1);
    for (let i = 0; i < 150; i++) store.acquire([{ spec: s(`busy${i}`), requests: 1, tokens: 0 }], later);
    // busy keys survive sweeps; the store grows past maxKeys rather than rescanning on every insert
    expect(store.size).toBe(151);
    expect(store.view(s('busy0'), later)).toBeDefined();
  });
});
