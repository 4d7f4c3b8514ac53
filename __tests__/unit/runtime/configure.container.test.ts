import 'reflect-metadata';
import { container } from 'tsyringe';
import { AdaptiveRetry, PolicyConfigError, ResilienceTokens, configureResilience, type ResilienceEvents, type ResilienceRuntime } from '../../../index';
import { FakeClock } from '../../../src/testing/fake-clock';

afterAll(() => configureResilience(container));

describe('configureResilience and containers', () => {
  it('refuses a child container with a clear error instead of silently leaving decorated methods on the root runtime', () => {
    const child = container.createChildContainer();
    let error: unknown;
    try {
      configureResilience(child, { policies: { k: { requestsPerMinute: 10 } } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyConfigError);
    expect((error as PolicyConfigError).option).toBe('container');
    expect((error as Error).message).toMatch(/root container/);
  });

  it('says when the container comes from a second copy of tsyringe', () => {
    // a container built by another copy's class: same shape, different constructor
    class OtherCopyContainer {
      resolve(): never {
        throw new Error('not used');
      }
    }
    expect(() => configureResilience(new OtherCopyContainer() as never)).toThrow(/another copy of tsyringe.*npm dedupe/);
  });

  it('accepts the options alone (root container) and registers the runtime and its events in the root container', () => {
    const runtime = configureResilience({ clock: new FakeClock() });
    expect(container.resolve<ResilienceRuntime>(ResilienceTokens.Runtime)).toBe(runtime);
    expect(container.resolve<ResilienceEvents>(ResilienceTokens.Events)).toBe(runtime.events);
  });

  it('the runtime decorated methods use is the one configured last', async () => {
    const clock = new FakeClock();
    const first = configureResilience(container, { clock });
    const second = configureResilience(container, { clock });
    const seen: string[] = [];
    first.events.onRetry(() => seen.push('first'));
    second.events.onRetry(() => seen.push('second'));
    let calls = 0;
    class Service {
      @AdaptiveRetry({ maxRetries: 1, baseDelayMs: 0 })
      async call(): Promise<string> {
        if (++calls === 1) throw Object.assign(new Error('unavailable'), { status: 503 });
        return 'ok';
      }
    }
    const pending = new Service().call();
    await clock.advance(10);
    await expect(pending).resolves.toBe('ok');
    expect(seen).toEqual(['second']);
  });
});
