import { PolicyConfigError } from '../../../../src/errors';
import {
  SpecEntries,
  acquireArgs,
  cooldownArgs,
  decodeView,
  decodeWait,
  encodeDemand,
  isAcquireReply,
  observeArgs,
  settleArgs,
  specArgs,
  viewArgs,
} from '../../../../src/limits/redis/encoding';
import { LINE_GRACE_MS, PART_ARGS, SPEC_ARGS } from '../../../../src/limits/redis/scripts';
import { DAY_BUDGET_SPENT, type DemandPart, type LimitSpec } from '../../../../src/limits/store';
import { spec as limitSpec } from '../../../helpers/limit-spec';

function spec(key: string, over: Partial<LimitSpec> = {}): LimitSpec {
  return limitSpec({ key, requestsPerMinute: 600, requestBurst: 10, tokenBurst: 0, ...over });
}

describe('Redis store argument encoding', () => {
  it('encodes a spec in SPEC_ARGS slots, empty strings for limits not set', () => {
    expect(specArgs(spec('k'))).toEqual(['600', '10', '', '0', '', '0', '0']);
    const full = spec('k', { requestsPerMinute: undefined, requestBurst: 1, tokensPerMinute: 6000, tokenBurst: 100.5, tokensPerDay: 1e6, learnRequests: true, learnTokens: true });
    expect(specArgs(full)).toEqual(['', '1', '6000', '100.5', '1000000', '1', '1']);
    expect(specArgs(full)).toHaveLength(SPEC_ARGS);
  });

  it('names state keys by prefix and hash tag, and caches each spec entry', () => {
    const entries = new SpecEntries('p', (key) => key.split(':')[0]);
    const s = spec('openai:gpt-4o');
    const entry = entries.entry(s);
    expect(entry).toEqual({ name: 'p:{openai}:openai%3Agpt-4o', tag: 'openai', args: specArgs(s) });
    expect(entries.entry(s)).toBe(entry);
    expect(entries.redisKey('openai')).toBe('p:{openai}');
    expect(new SpecEntries('p', undefined).redisKey('a:b')).toBe('p:{a%3Ab}');
  });

  it('refuses a hashTag that returns something other than a non-empty string, naming the key', () => {
    const entries = new SpecEntries('p', () => '');
    expect(() => entries.entry(spec('tenant-a'))).toThrow(PolicyConfigError);
    expect(() => entries.redisKey('tenant-a')).toThrow(/"tenant-a"/);
  });

  it('encodes a demand: waiter id, part count, then requests, tokens and the spec per part', () => {
    const entries = new SpecEntries('p', undefined);
    const a = spec('a');
    const b = spec('b', { requestsPerMinute: undefined, tokensPerMinute: 600, tokenBurst: 10 });
    const parts: DemandPart[] = [
      { spec: a, requests: 1, tokens: 0 },
      { spec: b, requests: 0, tokens: 42 },
    ];
    const demand = encodeDemand(parts, 'w.0', entries, false);
    expect(demand.keys).toEqual(['p:{a}', 'p:{b}']);
    expect(demand.argv).toEqual(['w.0', '2', '1', '0', ...specArgs(a), '0', '42', ...specArgs(b)]);
    expect(demand.argv).toHaveLength(2 + 2 * PART_ARGS);
    expect(demand.tag).toBe('');
  });

  it('on a Cluster, requires one hash tag for every key of a demand (PolicyConfigError, not CROSSSLOT)', () => {
    const entries = new SpecEntries('p', (key) => key.split(':')[0]);
    const same = encodeDemand(
      [
        { spec: spec('acme:rpm'), requests: 1, tokens: 0 },
        { spec: spec('acme:budget'), requests: 0, tokens: 5 },
      ],
      'w.1',
      entries,
      true,
    );
    expect(same.tag).toBe('acme');
    const mixed = (): unknown =>
      encodeDemand(
        [
          { spec: spec('acme:rpm'), requests: 1, tokens: 0 },
          { spec: spec('other:rpm'), requests: 1, tokens: 0 },
        ],
        'w.2',
        entries,
        true,
      );
    expect(mixed).toThrow(PolicyConfigError);
    expect(mixed).toThrow(/hashTag/);
  });

  it('lays out a batch: key count, every key, then grace, demand count and each demand in order', () => {
    const one = { keys: ['k1'], argv: ['w', '1', 'x'], tag: '' };
    const two = { keys: ['k2', 'k3'], argv: ['v', '2', 'y', 'z'], tag: '' };
    expect(acquireArgs([one, two])).toEqual([3, 'k1', 'k2', 'k3', LINE_GRACE_MS, 2, 'w', '1', 'x', 'v', '2', 'y', 'z']);
  });

  it('reads acquire replies: one per demand; µs to ms; the day-budget marker passes through', () => {
    expect(isAcquireReply([0, 1], 2)).toBe(true);
    expect(isAcquireReply([0], 2)).toBe(false);
    expect(isAcquireReply('OK', 1)).toBe(false);
    expect(decodeWait(0)).toBe(0);
    expect(decodeWait(1500)).toBe(1.5);
    expect(decodeWait('250001')).toBe(250.001);
    expect(decodeWait(-1)).toBe(DAY_BUDGET_SPENT);
  });

  it('encodes settle, cooldown, observe and view arguments', () => {
    const entries = new SpecEntries('p', undefined);
    const s = spec('k');
    const entry = entries.entry(s);
    expect(settleArgs(entry, -20, -1)).toEqual(['p:{k}', '-20', ...specArgs(s), '-1']);
    expect(cooldownArgs(entry, 1500)).toEqual(['p:{k}', '1500', ...specArgs(s)]);
    expect(viewArgs(entry)).toEqual(['p:{k}', ...specArgs(s)]);
    expect(observeArgs(entry, { requests: { limit: 500, remaining: 499 }, inputTokens: { remaining: 10 } })).toEqual([
      'p:{k}',
      ...specArgs(s),
      '1',
      '500',
      '499',
      '1',
      '',
      '10',
    ]);
    expect(observeArgs(entry, {})).toEqual(['p:{k}', ...specArgs(s), '0', '', '', '0', '', '']);
  });

  it('reads a view reply, translating the cooldown to the caller clock', () => {
    expect(decodeView(['2.5', '', '1200', '40', '600', ''], 10_000)).toEqual({
      requests: 2.5,
      tokens: undefined,
      cooldownUntil: 11_200,
      dayUsed: 40,
      requestsPerMinute: 600,
      tokensPerMinute: undefined,
    });
    expect(decodeView(['1', '0', '0', '0', '60', '600'], 5)!.cooldownUntil).toBe(0);
    expect(decodeView(null, 0)).toBeUndefined();
  });
});
