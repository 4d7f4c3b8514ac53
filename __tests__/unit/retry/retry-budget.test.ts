import { RetryBudget } from '../../../src/retry/retry-budget';

describe('RetryBudget', () => {
  it('allows the saved-up retries, then only what successes and the per-second floor earn', () => {
    const budget = new RetryBudget(0.2, 1, 10, 0);
    let granted = 0;
    while (budget.tryRetry(0)) granted++;
    expect(granted).toBe(10);
    for (let i = 0; i < 10; i++) budget.succeeded(); // +2
    expect(budget.tryRetry(0)).toBe(true);
    expect(budget.tryRetry(0)).toBe(true);
    expect(budget.tryRetry(0)).toBe(false);
    expect(budget.tryRetry(999)).toBe(false); // floor: 1 per second
    expect(budget.tryRetry(1000)).toBe(true);
    expect(budget.tryRetry(1000)).toBe(false);
  });

  it('never saves more than maxBalance', () => {
    const budget = new RetryBudget(1, 100, 3, 0);
    for (let i = 0; i < 50; i++) budget.succeeded();
    let granted = 0;
    while (budget.tryRetry(60_000)) granted++;
    expect(granted).toBe(3);
  });
});
