import { isObject, isObjectLike, isThenable } from '../../../src/util/values';

describe('isObject', () => {
  it('is true for non-null objects, arrays included, and false for everything else', () => {
    for (const yes of [{}, [], new Map(), Object.create(null) as object, new Headers()]) expect(isObject(yes)).toBe(true);
    for (const no of [null, undefined, 0, '', 'x', true, Symbol('s'), 1n, () => undefined]) expect(isObject(no)).toBe(false);
  });
});

describe('isObjectLike', () => {
  it('is true for non-null objects and functions, false for primitives and null', () => {
    for (const yes of [{}, [], () => undefined, class Named { readonly n = 1; }, Object.create(null) as object]) expect(isObjectLike(yes)).toBe(true);
    for (const no of [null, undefined, 0, 'x', false, Symbol('s'), 1n]) expect(isObjectLike(no)).toBe(false);
  });
});

describe('isThenable', () => {
  it('is true for promises and any value with a then method, false otherwise', () => {
    const settled = Promise.resolve(1);
    expect(isThenable(settled)).toBe(true);
    expect(isThenable({ then: () => undefined })).toBe(true);
    const fn = Object.assign(() => undefined, { then: () => undefined });
    expect(isThenable(fn)).toBe(true);
    for (const no of [null, undefined, 0, 'then', {}, { then: 1 }, { then: 'x' }, []]) expect(isThenable(no)).toBe(false);
  });
});
