import { idealSeconds } from '../../../../src/testing/emulator';

describe('emulator helpers', () => {
  it('computes ideal seconds', () => {
    expect(idealSeconds(100, 1000, { requestsPerMinute: 500, tokensPerMinute: 30_000 })).toBeCloseTo(200);
    expect(idealSeconds(1000, 10, { requestsPerMinute: 500, tokensPerMinute: 30_000 })).toBeCloseTo(120);
  });
});
