import { OverloadBreaker, BREAKER_DEFAULTS } from '../../../src/retry/breaker';

describe('OverloadBreaker', () => {
  const options = { ...BREAKER_DEFAULTS, minimumAttempts: 4, failureRatio: 0.5, windowMs: 1000, coolOffMs: 5000 };

  it('opens when most recent attempts are overload failures, rejects during the cool-off, probes once, closes on success', () => {
    const b = new OverloadBreaker(options);
    expect(b.record(0, false, false)).toBeUndefined();
    expect(b.record(10, true, false)).toBeUndefined();
    expect(b.record(20, true, false)).toBeUndefined(); // 2/3, below minimumAttempts
    expect(b.record(30, true, false)).toBe('open'); // 3/4 ≥ 0.5
    expect(b.verdict(100)).toBe('reject');
    expect(b.verdict(5029)).toBe('reject');
    expect(b.verdict(5030)).toBe('probe');
    expect(b.state).toBe('half-open');
    expect(b.verdict(5031)).toBe('reject'); // one probe at a time
    expect(b.record(5100, false, true)).toBe('closed');
    expect(b.verdict(5101)).toBe('allow');
  });

  it('opens again when the probe fails', () => {
    const b = new OverloadBreaker(options);
    for (let t = 0; t < 4; t++) b.record(t, true, false);
    expect(b.state).toBe('open');
    expect(b.verdict(6000)).toBe('probe');
    expect(b.record(6001, true, true)).toBe('open');
    expect(b.verdict(6002)).toBe('reject');
    expect(b.openUntil).toBe(11_001);
  });

  it('forgets failures older than the window', () => {
    const b = new OverloadBreaker(options);
    b.record(0, true, false);
    b.record(1, true, false);
    b.record(2, true, false);
    // 1.5 s later the old failures have left the 1 s window: 1 failure of 4 attempts
    b.record(1500, false, false);
    b.record(1501, false, false);
    b.record(1502, false, false);
    expect(b.record(1503, true, false)).toBeUndefined();
    expect(b.state).toBe('closed');
  });
});
