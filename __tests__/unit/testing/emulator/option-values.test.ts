import { drawMs, integerAtLeast, msRange, nonNegative, positive, probability } from '../../../../src/testing/emulator/option-values';

describe('emulator option values', () => {
  it('accept what they promise and refuse the rest with a RangeError naming the option', () => {
    expect(positive('a', 0.5)).toBe(0.5);
    expect(() => positive('a', 0)).toThrow(/"a" must be a finite number > 0, got 0/);
    expect(() => positive('a', Infinity)).toThrow(RangeError);
    expect(nonNegative('b', 0)).toBe(0);
    expect(() => nonNegative('b', -1)).toThrow(/"b" must be a finite number >= 0/);
    expect(integerAtLeast('c', 3, 1)).toBe(3);
    expect(() => integerAtLeast('c', 0, 1)).toThrow(/"c" must be an integer >= 1, got 0/);
    expect(() => integerAtLeast('c', 2.5, 1)).toThrow(RangeError);
    expect(probability('d', 1)).toBe(1);
    expect(() => probability('d', 1.01)).toThrow(/"d" must be a probability in \[0, 1\]/);
    expect(() => probability('d', Number.NaN)).toThrow(RangeError);
  });

  it('reads a delay as fixed ms or a [min, max] range, and draws from it', () => {
    expect(msRange('e', 5)).toEqual([5, 5]);
    expect(msRange('e', [1, 4])).toEqual([1, 4]);
    expect(() => msRange('e', [4, 1])).toThrow(/"e" range is reversed: \[4, 1\]/);
    expect(() => msRange('e', [-1, 4])).toThrow(/"e\[0\]"/);
    expect(() => msRange('e', -2)).toThrow(/"e"/);
    expect(drawMs([5, 5], () => {
      throw new Error('a fixed delay draws nothing');
    })).toBe(5);
    expect(drawMs([10, 20], () => 0.25)).toBe(12.5);
  });
});
