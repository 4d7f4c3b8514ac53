import fc from 'fast-check';
import { readHeader } from '../../../src/providers/headers';
import { RUNS, anyHeaders, headerName } from '../../helpers/header-arbitraries';

describe('header parsers under fuzzing', () => {
  it('readHeader never throws and returns trimmed non-empty text or undefined', () => {
    fc.assert(
      fc.property(anyHeaders, headerName, (headers, name) => {
        const value = readHeader(headers, name.toLowerCase());
        if (value !== undefined) {
          expect(typeof value).toBe('string');
          expect(value.length).toBeGreaterThan(0);
          expect(value).toBe(value.trim());
        }
      }),
      RUNS,
    );
  });
});
