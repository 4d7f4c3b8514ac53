import { BeatSchedule, HEARTBEAT_LIFETIMES, YOUNG_BEAT_MS, YOUNG_INTERVALS_AT_START } from '../../../../src/limits/redis/heartbeat';

/** The times of every beat a store sends from `start` to `end` if nothing changes (the first at `start`). */
function beats(schedule: BeatSchedule, start: number, end: number): number[] {
  const out: number[] = [];
  for (let t = start; t <= end; t += schedule.delay(t)) out.push(t);
  return out;
}

describe('BeatSchedule: when the heartbeat beats', () => {
  it('beats every second during the first three intervals (the count is young), then at the interval', () => {
    const schedule = new BeatSchedule(5000, 0);
    const times = beats(schedule, 0, 30_000);
    const young = times.filter((t) => t < YOUNG_INTERVALS_AT_START * 5000);
    expect(young).toEqual(Array.from({ length: 15 }, (_, i) => i * YOUNG_BEAT_MS));
    expect(times.filter((t) => t >= 15_000)).toEqual([15_000, 20_000, 25_000, 30_000]);
    // the extra commands of a store's start: 16 beats in the first 15 s where the interval alone sends 4 (0, 5, 10, 15 s)
    expect(times.filter((t) => t <= 15_000)).toHaveLength(16);
  });

  it('a beat that sees the count change makes it young again for one interval', () => {
    const schedule = new BeatSchedule(5000, 0);
    expect(schedule.delay(60_000)).toBe(5000); // settled
    schedule.changed(60_000);
    expect(beats(schedule, 60_000, 70_000)).toEqual([60_000, 61_000, 62_000, 63_000, 64_000, 65_000, 70_000]);
    // a change during the start's young phase does not shorten it
    const starting = new BeatSchedule(5000, 0);
    starting.changed(1000);
    expect(starting.delay(14_000)).toBe(1000);
  });

  it('no gap between two beats is longer than the interval, so an entry (three intervals) outlives a late beat', () => {
    for (const interval of [50, 999, 1000, 1500, 5000, 60_000]) {
      const schedule = new BeatSchedule(interval, 0);
      schedule.changed(4 * interval);
      const times = beats(schedule, 0, 10 * interval);
      for (let i = 1; i < times.length; i++) {
        expect(times[i] - times[i - 1]).toBeLessThanOrEqual(interval);
        expect(times[i] - times[i - 1]).toBeLessThanOrEqual(HEARTBEAT_LIFETIMES * interval);
      }
      // an interval shorter than the young pace is kept as it is
      expect(schedule.youngMs).toBe(Math.min(interval, YOUNG_BEAT_MS));
    }
  });
});
