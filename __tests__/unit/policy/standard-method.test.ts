/**
 * Standard (TC39) decorators driven by hand, with the context objects the decorator protocol passes: the cases a
 * fixture cannot show in both modes (#private methods do not compile with experimentalDecorators). The fixtures in
 * unit/policy/decorator.test.ts cover standard decorators as the compiler emits them.
 */
import { PolicyConfigError, RateLimited, configureResilience } from '../../../index';
import { isStandardContext, type StandardDecoratorContext } from '../../../src/policy/standard-method';
import { FakeClock } from '../../../src/testing/fake-clock';

beforeEach(() => {
  configureResilience({ clock: new FakeClock() });
});

type Method = (this: unknown) => Promise<string>;
const decorate = (method: Method, context: StandardDecoratorContext): Method =>
  (RateLimited('fixture:no-such-policy') as unknown as (m: Method, c: StandardDecoratorContext) => Method)(method, context);

function context(name: string, extra: Partial<StandardDecoratorContext> = {}): StandardDecoratorContext & { initializers: Array<(this: unknown) => void> } {
  const initializers: Array<(this: unknown) => void> = [];
  return { kind: 'method', name, static: false, private: false, addInitializer: (f) => initializers.push(f), initializers, ...extra };
}

it('tells a standard decorator context from a legacy property key', () => {
  expect(isStandardContext(context('m'))).toBe(true);
  expect(isStandardContext('m')).toBe(false);
  expect(isStandardContext(Symbol('m'))).toBe(false);
  expect(isStandardContext(undefined)).toBe(false);
});

it('names a #private method after the class of the instance that calls it', async () => {
  class Owner {
    readonly id = 1;
  }
  const wrapper = decorate(async () => 'never', context('#secret', { private: true }));
  await expect(wrapper.call(new Owner())).rejects.toThrow(/^Owner\.#secret: invalid option "policyName"/);
});

it('keeps the method name for a call without `this`, and names the class on a later call that has one', async () => {
  const wrapper = decorate(async () => 'never', context('run'));
  class Holder {
    readonly id = 2;
  }
  Object.defineProperty(Holder.prototype, 'run', { value: wrapper });
  await expect(wrapper.call(undefined)).rejects.toThrow(/^run: invalid option "policyName"/);
  await expect(wrapper.call(new Holder())).rejects.toThrow(/^Holder\.run: invalid option "policyName"/);
});

it('throws an invalid option of a static method from the static initializer, naming the class', () => {
  const ctx = context('call', { static: true });
  const bad = RateLimited({ key: 'k', requestsPerMinute: -1 }) as unknown as (m: Method, c: StandardDecoratorContext) => Method | undefined;
  expect(bad(async () => 'x', ctx)).toBeUndefined();
  expect(ctx.initializers).toHaveLength(1);
  const Statics = function Statics() {};
  let error: unknown;
  try {
    ctx.initializers[0]?.call(Statics);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PolicyConfigError);
  expect((error as PolicyConfigError).where).toBe('Statics.call');
  expect((error as PolicyConfigError).option).toBe('requestsPerMinute');
});

it('refuses a getter, an accessor and a class', () => {
  for (const kind of ['getter', 'setter', 'accessor', 'field', 'class']) {
    expect(() => decorate(async () => 'x', context('thing', { kind }))).toThrow(`thing: invalid option "target" = "${kind}"`);
  }
});
