import { refill, waitFor } from '../../../src/limits/token-bucket';

describe('refill', () => {
  it('adds elapsed time × rate, up to the capacity', () => {
    expect(refill(0, 1000, 1500, 100, 0.1)).toBe(50);
    expect(refill(20, 0, 400, 100, 0.1)).toBe(60);
    expect(refill(90, 0, 1000, 100, 0.1)).toBe(100);
  });

  it('adds nothing when the clock has not moved or went backwards', () => {
    expect(refill(30, 1000, 1000, 100, 0.1)).toBe(30);
    expect(refill(30, 1000, 900, 100, 0.1)).toBe(30);
  });

  it('pays a debt off before the level turns positive', () => {
    expect(refill(-50, 0, 300, 100, 0.1)).toBe(-20);
  });
});

describe('waitFor', () => {
  it('is 0 when the level covers the amount, else the missing amount over the rate', () => {
    expect(waitFor(10, 10, 100, 0.1)).toBe(0);
    expect(waitFor(10, 5, 100, 0.1)).toBe(0);
    expect(waitFor(10, 30, 100, 0.1)).toBeCloseTo(200);
  });

  it('treats a level a rounding error short of the amount as enough', () => {
    expect(waitFor(0.1 + 0.2, 0.3, 100, 0.1)).toBe(0);
    expect(waitFor(3 - 1e-12, 3, 100, 0.1)).toBe(0);
  });

  it('lets a demand larger than the capacity go once the bucket is full (into debt)', () => {
    expect(waitFor(100, 500, 100, 0.1)).toBe(0);
    expect(waitFor(60, 500, 100, 0.1)).toBeCloseTo(400);
  });

  it('waits off a debt', () => {
    expect(waitFor(-20, 10, 100, 0.1)).toBeCloseTo(300);
  });
});
