import { WaiterIds } from '../../../../src/limits/redis/waiter-ids';
import type { DemandPart } from '../../../../src/limits/store';
import { part as partOf, spec } from '../../../helpers/limit-spec';

function part(key: string): DemandPart {
  return partOf(spec({ key, requestsPerMinute: 60, requestBurst: 1 }));
}

describe('WaiterIds', () => {
  it('gives one id per key combination (in order), the same on every call, without "," or ";"', () => {
    const ids = new WaiterIds();
    const a = ids.of([part('a')]);
    expect(ids.of([part('a')])).toBe(a);
    const ab = ids.of([part('a'), part('b')]);
    const ba = ids.of([part('b'), part('a')]);
    expect(new Set([a, ab, ba, ids.of([part('b')])]).size).toBe(4);
    for (const id of [a, ab, ba]) expect(id).toMatch(/^[A-Za-z0-9_-]+\.[0-9a-z]+$/);
  });

  it('differs between store instances (processes)', () => {
    expect(new WaiterIds().of([part('a')])).not.toBe(new WaiterIds().of([part('a')]));
  });
});
