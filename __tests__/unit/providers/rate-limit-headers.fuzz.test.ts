import fc from 'fast-check';
import { parseRateLimitHeaders } from '../../../src/providers/rate-limit-headers';
import { RUNS, anyHeaders, expectValidResource, nowArb } from '../../helpers/header-arbitraries';

describe('header parsers under fuzzing', () => {
  it('parseRateLimitHeaders never throws and every field is valid', () => {
    fc.assert(
      fc.property(fc.option(anyHeaders), nowArb, (headers, now) => {
        const snapshot = parseRateLimitHeaders(headers, now);
        if (snapshot === undefined) return;
        const resources = [snapshot.requests, snapshot.tokens, snapshot.inputTokens, snapshot.outputTokens];
        expect(resources.some((r) => r !== undefined)).toBe(true);
        for (const r of resources) expectValidResource(r);
      }),
      RUNS,
    );
  });
});
