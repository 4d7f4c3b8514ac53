import fc from 'fast-check';
import { serverWaitHint } from '../../../src/providers/wait-hints';
import { RUNS, anyBody, anyHeaders, expectValidMs, nowArb } from '../../helpers/header-arbitraries';

describe('header parsers under fuzzing', () => {
  it('serverWaitHint never throws and returns a valid hint or undefined', () => {
    const sources = ['retry-after-ms', 'retry-after', 'x-ratelimit-reset', 'anthropic-ratelimit-reset', 'ratelimit', 'retry-info'];
    fc.assert(
      fc.property(fc.option(anyHeaders), anyBody, nowArb, (headers, body, now) => {
        const hint = serverWaitHint(headers, body, now);
        if (hint !== undefined) {
          expectValidMs(hint.ms);
          expect(sources).toContain(hint.source);
        }
      }),
      RUNS,
    );
  });

  it('serverWaitHint: array and comma-joined duplicates agree with the first value', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.nat(1_000_000), (a, b) => {
        const expected = { ms: a, source: 'retry-after-ms' };
        expect(serverWaitHint({ 'retry-after-ms': [String(a), String(b)] }, undefined, 0)).toEqual(expected);
        const h = new Headers();
        h.append('retry-after-ms', String(a));
        h.append('retry-after-ms', String(b));
        expect(serverWaitHint(h, undefined, 0)).toEqual(expected);
      }),
      RUNS,
    );
  });
});
