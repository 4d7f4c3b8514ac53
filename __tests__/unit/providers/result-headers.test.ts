import { resultHeaders } from '../../../src/providers/result-headers';

describe('resultHeaders', () => {
  it("reads the openai SDK's .withResponse() shape { data, response }", () => {
    const response = new Response('{}', { headers: { 'x-ratelimit-remaining-requests': '5' } });
    expect(resultHeaders({ data: { id: 'c' }, response })).toBe(response.headers);
    const headers = new Headers({ 'x-ratelimit-remaining-requests': '6' });
    expect(resultHeaders({ data: {}, response: { headers } })).toBe(headers);
    const record = { 'x-ratelimit-remaining-tokens': '7' };
    expect(resultHeaders({ response: { headers: record } })).toBe(record);
  });

  it('reads a fetch Response itself', () => {
    const response = new Response('{}', { headers: { 'retry-after': '1' } });
    expect(resultHeaders(response)).toBe(response.headers);
  });

  it('returns undefined when the result carries no headers', () => {
    for (const none of [undefined, null, 0, 'text', {}, { data: 1 }, { response: null }, { response: { headers: 5 } }, { headers: new Headers() }, []]) {
      expect(resultHeaders(none)).toBeUndefined();
    }
  });
});
