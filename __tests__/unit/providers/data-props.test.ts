import { dataElements, dataObject, dataProp, dataString, tokenCount } from '../../../src/providers/data-props';

describe('dataProp', () => {
  it('reads own and inherited data properties', () => {
    class Base {
      readonly inherited = 'own field';
    }
    Object.defineProperty(Base.prototype, 'onProto', { value: 42 });
    const value = new Base();
    expect(dataProp(value, 'inherited')).toBe('own field');
    expect(dataProp(value, 'onProto')).toBe(42);
    expect(dataProp({ a: null }, 'a')).toBeNull();
    expect(dataProp(Object.create(null) as object, 'a')).toBeUndefined();
    expect(dataProp(() => undefined, 'name')).toBe('');
  });

  it('never calls a getter, own or inherited', () => {
    const read = jest.fn(() => Promise.reject(new Error('unhandled if touched')));
    const own = Object.defineProperty({}, 'usage', { get: read, enumerable: true });
    class Result {
      get totalUsage(): Promise<never> {
        return read();
      }
    }
    expect(dataProp(own, 'usage')).toBeUndefined();
    expect(dataProp(new Result(), 'totalUsage')).toBeUndefined();
    expect(read).not.toHaveBeenCalled();
  });

  it('never runs a Proxy get trap; a throwing or revoked Proxy reads as undefined', () => {
    const get = jest.fn(() => 1);
    expect(dataProp(new Proxy({ a: 2 }, { get }), 'a')).toBe(2);
    expect(get).not.toHaveBeenCalled();
    const throwing = new Proxy({}, {
      getOwnPropertyDescriptor() {
        throw new Error('boom');
      },
    });
    expect(dataProp(throwing, 'a')).toBeUndefined();
    const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
    revoke();
    expect(dataProp(proxy, 'a')).toBeUndefined();
    expect(dataElements(proxy, 4)).toBeUndefined();
  });

  it('stops after 8 prototypes', () => {
    let deep: object = { found: true };
    for (let i = 0; i < 8; i++) deep = Object.create(deep) as object;
    expect(dataProp(deep, 'found')).toBeUndefined();
    expect(dataProp(Object.getPrototypeOf(deep), 'found')).toBe(true);
  });

  it('reads nothing from Object.prototype (a polluted prototype is not a response field)', () => {
    Object.defineProperty(Object.prototype, 'pollutedUsage', { value: { total_tokens: 1 }, configurable: true });
    try {
      expect(dataProp({}, 'pollutedUsage')).toBeUndefined();
      expect(dataProp(Object.create({ pollutedUsage: 2 }) as object, 'pollutedUsage')).toBe(2);
    } finally {
      Reflect.deleteProperty(Object.prototype, 'pollutedUsage');
    }
  });

  it('non-objects read as undefined', () => {
    for (const value of [undefined, null, 1, 'text', true, Symbol('s')]) expect(dataProp(value, 'length')).toBeUndefined();
  });
});

describe('typed readers', () => {
  it('dataString / dataObject keep only their type', () => {
    expect(dataString({ a: 'x', b: 1 }, 'a')).toBe('x');
    expect(dataString({ a: 'x', b: 1 }, 'b')).toBeUndefined();
    expect(dataObject({ a: [], b: null, c: 'x' }, 'a')).toEqual([]);
    expect(dataObject({ a: [], b: null, c: 'x' }, 'b')).toBeUndefined();
    expect(dataObject({ a: [], b: null, c: 'x' }, 'c')).toBeUndefined();
  });

  it('dataElements: the first `max` elements, holes and accessors as undefined', () => {
    const arr: unknown[] = new Array<unknown>(4); // holes at 1 and 3
    arr[0] = 1;
    Object.defineProperty(arr, 2, { get: () => 'getter' });
    expect(dataElements(arr, 3)).toEqual([1, undefined, undefined]);
    expect(dataElements('abc', 3)).toBeUndefined();
    expect(dataElements({ length: 2, 0: 'a' }, 3)).toBeUndefined();
  });

  it('tokenCount: finite, ≥ 0, rounded up, capped', () => {
    expect(tokenCount(12)).toBe(12);
    expect(tokenCount(1.2)).toBe(2);
    expect(tokenCount(0)).toBe(0);
    expect(tokenCount(1e300)).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of [-1, Number.NaN, Infinity, '5', null, undefined]) expect(tokenCount(bad)).toBeUndefined();
  });
});
