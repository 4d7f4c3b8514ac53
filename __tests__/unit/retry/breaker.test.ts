import { OverloadBreaker, BREAKER_DEFAULTS } from '../../../src/retry/breaker';

describe('OverloadBreaker', () => {
  const options = { ...BREAKER_DEFAULTS, minimumAttempts: 4, failureRatio: 0.5, windowMs: 1000, coolOffMs: 5000 };

  it('opens when most recent attempts are overload failures, rejects during the cool-off, probes once, closes on success', () => {
    const b = new OverloadBreaker(options);
    expect(b.record(0, false)).toBeUndefined();
    expect(b.record(10, true)).toBeUndefined();
    expect(b.record(20, true)).toBeUndefined(); // 2/3, below minimumAttempts
    expect(b.record(30, true)).toBe('open'); // 3/4 ≥ 0.5
    expect(b.verdict(100)).toBe('reject');
    expect(b.verdict(5029)).toBe('reject');
    expect(b.verdict(5030)).toBe('probe');
    expect(b.state).toBe('half-open');
    expect(b.verdict(5031)).toBe('reject'); // one probe at a time
    expect(b.record(5100, false)).toBe('closed');
    expect(b.verdict(5101)).toBe('allow');
  });

  it('opens again when the probe fails', () => {
    const b = new OverloadBreaker(options);
    for (let t = 0; t < 4; t++) b.record(t, true);
    expect(b.state).toBe('open');
    expect(b.verdict(6000)).toBe('probe');
    expect(b.record(6001, true)).toBe('open');
    expect(b.verdict(6002)).toBe('reject');
    expect(b.openUntil).toBe(11_001);
  });

  it('reports each transition once: open, half-open (on the first verdict after the cool-off), open, half-open, closed', () => {
    const b = new OverloadBreaker(options);
    const states: string[] = [];
    const note = (changed: string | undefined) => {
      if (changed !== undefined) states.push(changed);
    };
    /** The verdict, noting the state it entered (the interceptor compares the state before and after). */
    const ask = (now: number) => {
      const before = b.state;
      const verdict = b.verdict(now);
      if (b.state !== before) states.push(b.state);
      return verdict;
    };
    for (let t = 0; t < 4; t++) note(b.record(t, true));
    expect(ask(4999)).toBe('reject');
    expect(ask(5003)).toBe('probe');
    expect(ask(5004)).toBe('reject');
    note(b.record(5005, true)); // the probe fails
    expect(ask(10_004)).toBe('reject');
    expect(ask(10_005)).toBe('probe');
    note(b.record(10_006, false)); // the probe succeeds
    expect(ask(10_007)).toBe('allow');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('a released probe leaves it half-open: the next attempt probes, with no second half-open', () => {
    const b = new OverloadBreaker(options);
    for (let t = 0; t < 4; t++) b.record(t, true);
    expect(b.verdict(5003)).toBe('probe');
    b.release(); // refused by the limiter before it reached the provider
    expect(b.state).toBe('half-open');
    expect(b.verdict(5004)).toBe('probe');
  });

  it('a probe overtaken by an attempt sent before the breaker opened changes nothing: no state twice in a row', () => {
    const b = new OverloadBreaker(options);
    for (let t = 0; t < 4; t++) b.record(t, true);
    expect(b.verdict(5003)).toBe('probe');
    // an attempt sent at t=3 (before the breaker opened) fails while the probe is out: open again
    expect(b.record(3, true)).toBe('open');
    expect(b.record(5010, true)).toBeUndefined(); // the probe's failure: already open, no second 'open'
    expect(b.openUntil).toBe(5003); // the cool-off runs from the first failure (recorded at its start, t=3)
    expect(b.verdict(5003)).toBe('probe');
    // the same with successes: closed by the earlier attempt, the probe's success only counts in the window
    expect(b.record(0, false)).toBe('closed');
    expect(b.record(5020, false)).toBeUndefined();
    expect(b.state).toBe('closed');
  });

  it('forgets failures older than the window', () => {
    const b = new OverloadBreaker(options);
    b.record(0, true);
    b.record(1, true);
    b.record(2, true);
    // 1.5 s later the old failures have left the 1 s window: 1 failure of 4 attempts
    b.record(1500, false);
    b.record(1501, false);
    b.record(1502, false);
    expect(b.record(1503, true)).toBeUndefined();
    expect(b.state).toBe('closed');
  });
});
