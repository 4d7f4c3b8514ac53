import { goDuration } from '../../../../src/testing/emulator/headers';

describe('emulator helpers', () => {
  it('formats Go-style durations', () => {
    expect(goDuration(0)).toBe('0s');
    expect(goDuration(-5)).toBe('0s');
    expect(goDuration(0.2)).toBe('1ms');
    expect(goDuration(120)).toBe('120ms');
    expect(goDuration(1000)).toBe('1s');
    expect(goDuration(1500)).toBe('1.5s');
    expect(goDuration(7660)).toBe('7.66s');
    expect(goDuration(360_000)).toBe('6m0s');
    expect(goDuration(61_001)).toBe('1m1.001s');
    expect(goDuration(3_600_000)).toBe('1h0m0s');
  });
});
