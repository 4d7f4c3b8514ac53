import { findGoogleRpcDetail } from '../../../src/providers/google-rpc';

describe('findGoogleRpcDetail', () => {
  it('applies the accept filter', () => {
    const a = { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'PerMinute' }] };
    const b = { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'PerDay' }] };
    const found = findGoogleRpcDetail({ error: { details: [a, b] } }, 'google.rpc.QuotaFailure', (d) => JSON.stringify(d).includes('PerDay'));
    expect(found).toBe(b);
  });
});
