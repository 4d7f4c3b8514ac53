import 'reflect-metadata';
import { container } from 'tsyringe';
import { RateLimited, configureResilience } from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
  configureResilience(container, { clock, random: () => 0.5 });
});

describe('reconfiguration', () => {
  it('calling configureResilience again replaces the configuration for later calls of already-decorated methods', async () => {
    configureResilience(container, { clock, policies: { reconf: { requestsPerMinute: 60, onLimit: 'reject' } } });
    class Service {
      @RateLimited('reconf')
      async call(): Promise<string> {
        return 'ok';
      }
    }
    const service = new Service();
    await service.call(); // the one request a new key starts with
    await expect(service.call()).rejects.toThrow(/Rate limit for "reconf" exceeded/);
    // new limits, new store: the same method now runs under them
    configureResilience(container, { clock, policies: { reconf: { requestsPerMinute: 60_000, requestBurst: 1000 } } });
    await expect(service.call()).resolves.toBe('ok');
    // and a configuration that drops the policy makes the call fail with the missing-policy error
    configureResilience(container, { clock });
    await expect(service.call()).rejects.toThrow(/invalid option "policyName" = "reconf"/);
  });
});
