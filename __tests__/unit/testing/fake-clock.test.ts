import { FakeClock, flushPromises } from '../../../src/testing/fake-clock';

describe('FakeClock', () => {
  it('starts at 2026-01-01T00:00:00Z unless told otherwise, and moves only when advanced', async () => {
    expect(new FakeClock().now()).toBe(Date.UTC(2026, 0, 1));
    const clock = new FakeClock(1000);
    expect(clock.now()).toBe(1000);
    await flushPromises();
    expect(clock.now()).toBe(1000);
    await clock.advance(250);
    expect(clock.now()).toBe(1250);
  });

  it('fires due timers in time order (ties in scheduling order), each at its own time', async () => {
    const clock = new FakeClock(0);
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['c', clock.now()]), 30);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    clock.setTimeout(() => fired.push(['b1', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['b2', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['late', clock.now()]), 100);
    expect(clock.pendingTimers).toBe(5);
    await clock.advance(50);
    expect(fired).toEqual([['a', 10], ['b1', 20], ['b2', 20], ['c', 30]]);
    expect(clock.now()).toBe(50);
    expect(clock.pendingTimers).toBe(1);
  });

  it('fires timers that callbacks and promise chains schedule within the window', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const wait = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    void (async () => {
      await wait(10);
      fired.push(clock.now());
      await wait(10);
      fired.push(clock.now());
    })();
    clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.now()), 5), 1);
    await clock.advance(20);
    expect(fired).toEqual([6, 10, 20]);
  });

  it('never fires a cleared timer; a negative delay fires at once', async () => {
    const clock = new FakeClock(0);
    let fired = 0;
    const handle = clock.setTimeout(() => fired++, 10);
    clock.clearTimeout(handle);
    clock.clearTimeout(handle); // unknown handles are ignored
    clock.setTimeout(() => fired++, -5);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(0);
    expect(fired).toBe(1);
    await clock.advance(100);
    expect(fired).toBe(1);
  });

  it('runAll advances to each pending timer until none is left, within its bound', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.now()), 5000), 1000);
    await clock.runAll();
    expect(fired).toEqual([6000]);
    expect(clock.pendingTimers).toBe(0);
    clock.setTimeout(() => fired.push(clock.now()), 10_000);
    await clock.runAll(5000); // beyond the bound: left pending
    expect(clock.pendingTimers).toBe(1);
  });
});
