import { StoreUnavailableError } from '../../../../src/errors';
import { LocalShare, OutageFallback } from '../../../../src/limits/redis/local-share';
import type { DemandPart, LimitSpec } from '../../../../src/limits/store';
import { FakeClock } from '../../../../src/testing/fake-clock';

const fleet: LimitSpec = {
  key: 'k',
  requestsPerMinute: 6000,
  requestBurst: 100,
  tokensPerMinute: 60_000,
  tokenBurst: 1000,
  tokensPerDay: 1_000_000,
  learnRequests: false,
  learnTokens: true,
};

describe('LocalShare', () => {
  it('divides every limit and burst by the instances, once per spec', () => {
    const share = new LocalShare(4);
    const local = share.spec(fleet);
    expect(local).toEqual({ ...fleet, requestsPerMinute: 1500, requestBurst: 25, tokensPerMinute: 15_000, tokenBurst: 250, tokensPerDay: 250_000 });
    expect(share.spec(fleet)).toBe(local);
    expect(share.spec({ ...fleet, requestsPerMinute: undefined }).requestsPerMinute).toBeUndefined();
  });

  it('divides a provider snapshot (limits and remaining, not the reset time)', () => {
    const share = new LocalShare(2);
    expect(share.snapshot({ requests: { limit: 100, remaining: 50, resetMs: 1000 }, outputTokens: { remaining: 8 } })).toEqual({
      requests: { limit: 50, remaining: 25, resetMs: 1000 },
      outputTokens: { remaining: 4 },
    });
  });

  it('scales the parts of a demand, once per parts array; one instance is the identity', () => {
    const share = new LocalShare(4);
    const parts: DemandPart[] = [{ spec: fleet, requests: 1, tokens: 10 }];
    const local = share.parts(parts);
    expect(local).toEqual([{ spec: share.spec(fleet), requests: 1, tokens: 10 }]);
    expect(share.parts(parts)).toBe(local);
    const whole = new LocalShare(1);
    expect(whole.parts(parts)).toBe(parts);
    expect(whole.spec(fleet)).toBe(fleet);
  });
});

describe('OutageFallback', () => {
  const unavailable = (): Error => new Error('RedisStore (prefix "p"): connection refused');
  const parts: DemandPart[] = [{ spec: { ...fleet, tokensPerMinute: undefined, learnTokens: false }, requests: 1, tokens: 0 }];

  it("'local' limits at the instance's share, and remembers settles, cooldowns and views locally", () => {
    const clock = new FakeClock();
    const fallback = new OutageFallback('local', 4);
    expect(fallback.description).toBe('limiting in-process at 1/4 of the limits');
    expect(fallback.acquire(parts, clock.now(), unavailable)).toBe(0);
    expect(fallback.acquire(parts, clock.now(), unavailable)).toBe(40); // 1500/min: one per 40 ms
    fallback.cooldown(parts[0].spec, clock.now() + 500, clock.now());
    expect(fallback.view(parts[0].spec, clock.now())!.cooldownUntil).toBe(clock.now() + 500);
    fallback.observe(fleet, { tokens: { limit: 60_000 } }, clock.now());
    expect(fallback.view(fleet, clock.now())!.tokensPerMinute).toBe(15_000);
  });

  it("'fail-open' grants everything and keeps nothing", () => {
    const fallback = new OutageFallback('fail-open', 4);
    expect(fallback.description).toBe('granting calls unlimited (onStoreError "fail-open")');
    for (let i = 0; i < 10; i++) expect(fallback.acquire(parts, 0, unavailable)).toBe(0);
    fallback.settle(fleet, 10, 0, 0);
    expect(fallback.view(fleet, 0)).toBeUndefined();
  });

  it("'fail-closed' refuses with StoreUnavailableError carrying the cause", () => {
    const fallback = new OutageFallback('fail-closed', 1);
    expect(fallback.description).toBe('rejecting calls (onStoreError "fail-closed")');
    let caught: unknown;
    try {
      fallback.acquire(parts, 0, unavailable);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreUnavailableError);
    expect(((caught as Error).cause as Error).message).toBe('RedisStore (prefix "p"): connection refused');
    expect(fallback.view(fleet, 0)).toBeUndefined();
  });
});
