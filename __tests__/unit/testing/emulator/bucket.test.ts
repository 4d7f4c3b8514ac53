import { TokenBucket } from '../../../../src/testing/emulator/bucket';

describe('emulator helpers', () => {
  it('token bucket admits from a full bucket into debt and reports waits', () => {
    const bucket = new TokenBucket(10, 1000, 0); // 0.01 per ms
    expect(bucket.waitMs(5)).toBe(0);
    bucket.take(5);
    expect(bucket.waitMs(6)).toBeCloseTo(100);
    expect(bucket.refill(100)).toBeCloseTo(6);
    expect(bucket.waitMs(20)).toBeCloseTo(400); // needs min(cost, capacity) = 10
    bucket.refill(500);
    bucket.take(20);
    expect(bucket.current()).toBeCloseTo(-10);
    expect(bucket.msUntilFull()).toBeCloseTo(2000);
    bucket.give(100, 500);
    expect(bucket.current()).toBe(10);
  });
});
