import { MAX_RAMPING_KEYS, ProcessRamp } from '../../../../src/limits/redis/process-ramp';
import { part, spec } from '../../../helpers/limit-spec';


describe('ProcessRamp', () => {
  const s = spec({ key: 'k', requestsPerMinute: 600, requestBurst: 10 }); // 10/s, 1 per 100 ms

  it('starts a key at one request, refills it at the key rate, and refuses with the wait until the demand fits', () => {
    const ramp = new ProcessRamp();
    expect(ramp.take([part(s)], 0)).toBe(0);
    expect(ramp.take([part(s)], 0)).toBeCloseTo(100, 9);
    expect(ramp.take([part(s)], 50)).toBeCloseTo(50, 9);
    expect(ramp.take([part(s)], 100)).toBe(0);
    expect(ramp.take([part(s, 3)], 100)).toBeCloseTo(300, 9); // three requests: 300 ms of refill
  });

  it('gives back what the shared store refused', () => {
    const ramp = new ProcessRamp();
    expect(ramp.take([part(s)], 0)).toBe(0);
    ramp.giveBack([part(s)]);
    expect(ramp.take([part(s)], 0)).toBe(0);
  });

  it('takes all or nothing across the keys of one demand', () => {
    const ramp = new ProcessRamp();
    const other = spec({ key: 'other', requestsPerMinute: 600, requestBurst: 10 });
    expect(ramp.take([part(other)], 0)).toBe(0); // other's one request is spent
    expect(ramp.take([part(s), part(other)], 0)).toBeCloseTo(100, 9);
    expect(ramp.take([part(s)], 0)).toBe(0); // s kept its request
  });

  it('ends a key once it could hold a whole burst, for good', () => {
    const ramp = new ProcessRamp();
    expect(ramp.take([part(s)], 0)).toBe(0);
    expect(ramp.size).toBe(1);
    for (let i = 0; i < 50; i++) expect(ramp.take([part(s)], 1000)).toBeUndefined(); // full at 1 s: the ramp is over, nothing taken
    expect(ramp.size).toBe(0);
  });

  it('leaves alone what it cannot ramp: no configured request limit, no requests', () => {
    const ramp = new ProcessRamp();
    const learned = spec({ key: 'learned' });
    for (let i = 0; i < 5; i++) expect(ramp.take([part(learned)], 0)).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(ramp.take([part(s, 0, 100)], 0)).toBeUndefined();
    expect(ramp.size).toBe(0);
  });

  it('holds at most MAX_RAMPING_KEYS keys, dropping the ones that are full by now to make room', () => {
    const ramp = new ProcessRamp();
    for (let i = 0; i < MAX_RAMPING_KEYS; i++) ramp.take([part({ ...s, key: `k${i}` })], 0);
    expect(ramp.size).toBe(MAX_RAMPING_KEYS);
    // at once: no room, so the new key is not ramped (its requests are the shared store's to decide)
    const late = { ...s, key: 'late' };
    expect(ramp.take([part(late)], 0)).toBeUndefined();
    expect(ramp.take([part(late)], 0)).toBeUndefined();
    // a second on, every earlier key is full: swept, and the new key ramps
    const later = { ...s, key: 'later' };
    expect(ramp.take([part(later)], 1000)).toBe(0);
    expect(ramp.take([part(later)], 1000)).toBeCloseTo(100, 9);
    expect(ramp.size).toBe(1);
  });

  it("ramps at this process's share of the key: rate and burst divided by the live processes counted", () => {
    let live = 4;
    const ramp = new ProcessRamp(() => live);
    const fleet = spec({ key: 'fleet', requestsPerMinute: 6000, requestBurst: 100 }); // 100/s: 25/s each of 4
    expect(ramp.take([part(fleet)], 0)).toBe(0);
    expect(ramp.take([part(fleet)], 0)).toBeCloseTo(40, 9);
    live = 2; // two left: 50/s each from now on
    expect(ramp.take([part(fleet)], 20)).toBeCloseTo(0, 9); // 20 ms at 50/s: one request
    expect(ramp.take([part(fleet)], 20)).toBeCloseTo(20, 9);
    // full at its share of the burst (50): the ramp ends
    for (let i = 0; i < 60; i++) expect(ramp.take([part(fleet)], 1100)).toBeUndefined();
    expect(ramp.size).toBe(0);
  });
});
