/**
 * The call context's reach: synchronous by default (no AsyncLocalStorage), across awaits once switched on —
 * by `configureResilience({ asyncContext: true })`, by `observingFetch()`, or automatically on the first miss.
 * The switch is process-wide and one-way, so each case loads the library afresh (jest.isolateModules).
 */
import 'reflect-metadata';

import type * as library from '../../../index';
import type * as contextModule from '../../../src/runtime/context';
import type * as tsyringe from 'tsyringe';

type Library = typeof library;
type ContextModule = typeof contextModule;

/** A fresh copy of the library (decorators, runtime, context switch) and tsyringe's container for it. */
function freshLibrary(): { lib: Library; context: ContextModule; container: tsyringe.DependencyContainer } {
  let loaded: { lib: Library; context: ContextModule; container: tsyringe.DependencyContainer } | undefined;
  // a fresh module registry per test: the context's switch is process state, so each test loads its own copy
  /* eslint-disable @typescript-eslint/no-require-imports -- jest.isolateModules needs synchronous requires */
  jest.isolateModules(() => {
    loaded = {
      lib: require('../../../index') as Library,
      context: require('../../../src/runtime/context') as ContextModule,
      container: (require('tsyringe') as typeof tsyringe).container,
    };
  });
  /* eslint-enable @typescript-eslint/no-require-imports */
  return loaded!;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

let emitWarning: jest.SpiedFunction<typeof process.emitWarning>;
beforeEach(() => {
  emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});
afterEach(() => emitWarning.mockRestore());
/** Messages of the warnings about the call context emitted so far. */
const contextWarnings = () =>
  emitWarning.mock.calls
    .filter(([, options]) => (options)?.code === 'LLM_RESILIENCE_ASYNC_CONTEXT')
    .map(([message]) => String(message));

describe('call context', () => {
  it('answers in the synchronous part of the method without turning AsyncLocalStorage on', async () => {
    const { lib, context, container } = freshLibrary();
    lib.configureResilience(container, {});
    const seen: Array<{ key?: string; attempt?: number; signal: boolean }> = [];
    class Service {
      @lib.RateLimited({ key: 'ctx', requestsPerMinute: 6_000_000 })
      call(): Promise<string> {
        const call = lib.currentCall();
        seen.push({ key: call?.key, attempt: call?.attempt, signal: call?.signal instanceof AbortSignal });
        return Promise.resolve('ok');
      }
    }
    await new Service().call();
    await new Service().call();
    expect(seen).toEqual([
      { key: 'ctx', attempt: 1, signal: true },
      { key: 'ctx', attempt: 1, signal: true },
    ]);
    expect(lib.currentCall()).toBeUndefined(); // outside a call
    expect(context.asyncContextEnabled()).toBe(false);
    await tick();
    expect(contextWarnings()).toHaveLength(0);
  });

  it('keeps nested calls apart: the inner call sees its own context, the outer one gets its own back', async () => {
    const { lib, container } = freshLibrary();
    lib.configureResilience(container, {});
    const keys: Array<string | undefined> = [];
    class Service {
      @lib.RateLimited({ key: 'inner', requestsPerMinute: 6_000_000 })
      inner(): Promise<string> {
        keys.push(lib.currentCall()?.key);
        return Promise.resolve('inner');
      }

      @lib.RateLimited({ key: 'outer', requestsPerMinute: 6_000_000 })
      outer(): Promise<string> {
        keys.push(lib.currentCall()?.key);
        const inner = this.inner();
        keys.push(lib.currentCall()?.key);
        return inner;
      }
    }
    await new Service().outer();
    expect(keys).toEqual(['outer', 'inner', 'outer']);
  });

  it('switches AsyncLocalStorage on the first time currentCall() is asked after an await, and warns once', async () => {
    const { lib, context, container } = freshLibrary();
    lib.configureResilience(container, {});
    const attempts: Array<number | undefined> = [];
    class Service {
      @lib.AdaptiveRetry({ maxRetries: 0 })
      async call(): Promise<void> {
        await tick();
        attempts.push(lib.currentCall()?.attempt);
      }
    }
    const service = new Service();
    await service.call(); // missed: answers undefined this once
    await service.call();
    await Promise.all([service.call(), service.call()]);
    expect(attempts).toEqual([undefined, 1, 1, 1]);
    expect(context.asyncContextEnabled()).toBe(true);
    await tick();
    expect(contextWarnings()).toHaveLength(1);
    expect(contextWarnings()[0]).toContain('asyncContext: true');
  });

  it('follows the call across awaits from the first call with configureResilience({ asyncContext: true })', async () => {
    const { lib, container } = freshLibrary();
    lib.configureResilience(container, { asyncContext: true });
    const keys: Array<string | undefined> = [];
    class Service {
      @lib.RateLimited({ key: 'async', requestsPerMinute: 6_000_000 })
      async call(): Promise<void> {
        await tick();
        keys.push(lib.currentCall()?.key);
      }
    }
    await new Service().call();
    expect(keys).toEqual(['async']);
    await tick();
    expect(contextWarnings()).toHaveLength(0);
  });

  it('is switched on by observingFetch(), which the SDK calls after awaits of its own', () => {
    const { lib, context } = freshLibrary();
    expect(context.asyncContextEnabled()).toBe(false);
    lib.observingFetch(async () => new Response('{}'));
    expect(context.asyncContextEnabled()).toBe(true);
  });

  it('refuses a non-boolean asyncContext with PolicyConfigError', () => {
    const { lib, container } = freshLibrary();
    expect(() => lib.configureResilience(container, { asyncContext: 'yes' as unknown as boolean })).toThrow(lib.PolicyConfigError);
    expect(() => lib.configureResilience(container, { asyncContext: 'yes' as unknown as boolean })).toThrow(/asyncContext/);
  });

  it('counts a call in flight until it settles, so a miss is recognised only inside calls', async () => {
    const { lib, context, container } = freshLibrary();
    lib.configureResilience(container, {});
    class Service {
      @lib.RateLimited({ key: 'count', requestsPerMinute: 6_000_000 })
      async call(): Promise<void> {
        throw new Error('fails');
      }
    }
    await expect(new Service().call()).rejects.toThrow('fails');
    await tick();
    expect(lib.currentCall()).toBeUndefined(); // no call in flight: not a miss
    expect(context.asyncContextEnabled()).toBe(false);
  });
});
