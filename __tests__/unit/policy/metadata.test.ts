import 'reflect-metadata';
import { AdaptiveRetry, RateLimited, TokenBudget } from '../../../index';
import { getPolicyMetadata } from '../../../src/policy/metadata';

describe('metadata', () => {
  it('stores all three policies with reflect-metadata, validated and defaulted', () => {
    class Service {
      @AdaptiveRetry({ maxRetries: 2 })
      @RateLimited({ key: 'k', requestsPerMinute: 60 })
      @TokenBudget({ key: 'k', tokensPerMinute: 6000, estimate: () => 10 })
      async call(): Promise<void> {}
    }
    const meta = getPolicyMetadata(Service.prototype, 'call')!;
    expect(meta.retry).toMatchObject({ maxRetries: 2, baseDelayMs: 1000, maxDelayMs: 60000, jitter: 'full' });
    expect(meta.rateLimit).toMatchObject({ key: 'k', requestsPerMinute: 60 });
    expect(meta.tokenBudget).toMatchObject({ key: 'k', tokensPerMinute: 6000 });
  });
});
