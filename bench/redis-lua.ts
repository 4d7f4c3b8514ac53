/**
 * Part "redis-lua": Redis server CPU per call of the acquire script, in two forms with the same semantics —
 * the steps of the prelude inlined (no helper closures, the state as an array), and written on the prelude's
 * helpers (`spec`, `load`, `requestsNow`, `waitFor`, `rollDay`, `needTtl`, `save`, …) — against a real
 * `redis-server` started for the run through `__tests__/helpers/redis-server.ts`.
 *
 * Measured: `INFO commandstats` `usec_per_call` of `evalsha` (the script's own time, nested `GET`/`SET`/`TIME`
 * included), and the server process's CPU (`INFO cpu`, user + sys, which adds parsing and replying) per call.
 * Every demand is a grant (limits far above the load), on both buckets of its keys: single-part demands (one
 * key, requests + tokens) and two-part demands (a rate key and a token-budget key with a daily budget), in
 * batches of 1 and of 32 demands per script call (the store sends the acquires of one tick as one call).
 * Rounds alternate the order of the two forms, so drift in machine load hits both alike.
 *
 *   node -r ./scripts/register.js bench/index.ts --only redis-lua [--quick]
 * @packageDocumentation
 */

import Redis from 'ioredis';
import { redisBinaries, startRedisServer } from '../__tests__/helpers/redis-server';
import { SpecEntries, acquireArgs, encodeDemand } from '../src/limits/redis/encoding';
import { ACQUIRE_LUA, PART_ARGS, PRELUDE } from '../src/limits/redis/scripts';
import type { DemandPart, LimitSpec } from '../src/limits/store';
import { median } from './measure';
import { fixed, textTable, type Column } from './table';

/**
 * The acquire script written on the prelude's helper functions: one copy of the bucket arithmetic (the
 * prelude's), the state as the prelude's named table. Same `KEYS`/`ARGV`/reply contract and semantics as
 * `ACQUIRE_LUA`.
 */
export const ACQUIRE_WITH_HELPERS_LUA = `${PRELUDE}
local grace = tonumber(ARGV[1])
local demands = tonumber(ARGV[2])
local states = {}
local parts = {}
local results = {}
local a = 2
local k = 0

-- rewrites a line without expired entries, with the waiter's entry {expiry, requests, tokens} in its place
-- (appended when new) or, when entry is nil, without it
local function reline(st, me, entry)
  local q = st.q
  local out = {}
  local placed = false
  for j = 1, #q, 4 do
    if q[j] == me then
      if entry then
        out[#out + 1] = me; out[#out + 1] = entry[1]; out[#out + 1] = entry[2]; out[#out + 1] = entry[3]
        placed = true
      end
    elseif q[j + 1] > now then
      out[#out + 1] = q[j]; out[#out + 1] = q[j + 1]; out[#out + 1] = q[j + 2]; out[#out + 1] = q[j + 3]
    end
  end
  if entry and not placed then
    out[#out + 1] = me; out[#out + 1] = entry[1]; out[#out + 1] = entry[2]; out[#out + 1] = entry[3]
  end
  st.q = out
  st.dirty = true
end

for d = 1, demands do
  local me = ARGV[a + 1]
  local np = tonumber(ARGV[a + 2])
  a = a + 2
  local first = #parts + 1
  local wait = 0
  local spent = false
  for i = 1, np do
    local key = KEYS[k + i]
    local o = a + (i - 1) * ${PART_ARGS}
    local req = tonumber(ARGV[o + 1])
    local tok = tonumber(ARGV[o + 2])
    local sp = spec(o + 2)
    local st = states[key]
    if st == nil then
      st = load(key, sp)
      if st.q == nil then st.q = {} end
      if st.fresh then st.dirty = true end
      states[key] = st
    end
    -- limits in force: configured, learned, or the conservative start while learning
    local rpm = rpmOf(sp, st)
    local tpm = tpmOf(sp, st)
    parts[#parts + 1] = { st, req, tok, rpm, tpm, sp }
    -- what the waiters ahead in the line have reserved
    local aheadR = 0
    local aheadT = 0
    local q = st.q
    for j = 1, #q, 4 do
      if q[j] == me then break end
      if q[j + 1] > now then aheadR = aheadR + q[j + 2]; aheadT = aheadT + q[j + 3] end
    end
    if st.cd - now > wait then wait = st.cd - now end
    if req > 0 and rpm then
      local level, cap = requestsNow(sp, st, rpm)
      st.r = level; st.rt = now
      local w = waitFor(level - aheadR, req, cap, rpm / MINUTE)
      if w > wait then wait = w end
    end
    if tok > 0 then
      if tpm then
        local level, cap = tokensNow(sp, st, tpm)
        st.t = level; st.tt = now
        local w = waitFor(level - aheadT, tok, cap, tpm / MINUTE)
        if w > wait then wait = w end
      end
      if sp.tpd then
        rollDay(st)
        if st.du + tok > sp.tpd then spent = true; break end
      end
    end
  end
  if spent or wait > 0 then
    local seen = {}
    for i = first, #parts do
      local st = parts[i][1]
      if not seen[st] then
        seen[st] = true
        if spent then
          if #st.q > 0 then reline(st, me, nil) end
        else
          local req = 0
          local tok = 0
          for j = first, #parts do
            if parts[j][1] == st then req = req + parts[j][2]; tok = tok + parts[j][3] end
          end
          reline(st, me, { now + wait + grace, req, tok })
        end
      end
    end
    if spent then results[d] = -1 else results[d] = math.ceil(wait * 1000) end
  else
    for i = first, #parts do
      local p = parts[i]
      local st = p[1]
      if p[2] > 0 and p[4] then st.r = st.r - p[2] end
      if p[3] > 0 then
        if p[5] then st.t = st.t - p[3] end
        rollDay(st)
        st.du = st.du + p[3]
      end
      if #st.q > 0 then reline(st, me, nil) end
      st.dirty = true
    end
    results[d] = 0
  end
  a = a + np * ${PART_ARGS}
  k = k + np
end

for i = 1, #parts do needTtl(parts[i][6], parts[i][1]) end
for _, st in pairs(states) do
  if st.dirty then save(st) end
end
return results
`;

/** The two forms measured. */
export const LUA_VARIANTS = [
  { name: 'inlined (shipped)', lua: ACQUIRE_LUA },
  { name: 'prelude helpers', lua: ACQUIRE_WITH_HELPERS_LUA },
] as const;

/** One workload: demands of `parts` parts, `batch` demands per script call. */
export interface LuaScenario {
  readonly name: string;
  readonly parts: 1 | 2;
  readonly batch: number;
}

const SCENARIOS: readonly LuaScenario[] = [
  { name: '1 part, batch 1', parts: 1, batch: 1 },
  { name: '2 parts, batch 1', parts: 2, batch: 1 },
  { name: '1 part, batch 32', parts: 1, batch: 32 },
  { name: '2 parts, batch 32', parts: 2, batch: 32 },
];

/** Sizes of the part. */
export interface RedisLuaSizes {
  /** Demands per scenario, form and round. */
  readonly demands: number;
  /** Rounds (the spread is over these). */
  readonly rounds: number;
  /** Script calls in flight. */
  readonly inFlight: number;
}

/** The sizes: 50,000 demands × 5 rounds (quick: 10,000 × 3). */
export function redisLuaSizes(quick: boolean): RedisLuaSizes {
  return quick ? { demands: 10_000, rounds: 3, inFlight: 32 } : { demands: 50_000, rounds: 5, inFlight: 32 };
}

/** One scenario × form: per-round figures and their medians. */
export interface LuaRow {
  readonly scenario: string;
  readonly variant: string;
  readonly calls: number;
  /** `evalsha` usec_per_call of each round. */
  readonly usecPerCall: readonly number[];
  /** Server CPU (user + sys) µs per script call of each round. */
  readonly cpuPerCall: readonly number[];
  /** Client-side wall time of each round, s. */
  readonly wallSeconds: readonly number[];
}

/** The part's outcome. */
export type RedisLuaOutcome =
  | { readonly ran: true; readonly redis: string; readonly sizes: RedisLuaSizes; readonly rows: LuaRow[] }
  | { readonly ran: false; readonly skipped: string };

const BIG = 1e12;

function specs(i: number, prefix: string): { rate: LimitSpec; budget: LimitSpec } {
  return {
    rate: {
      key: `${prefix}:rate:${i}`,
      requestsPerMinute: BIG,
      requestBurst: BIG,
      tokensPerMinute: BIG,
      tokenBurst: BIG,
      tokensPerDay: undefined,
      learnRequests: false,
      learnTokens: false,
    },
    budget: {
      key: `${prefix}:budget:${i}`,
      requestsPerMinute: undefined,
      requestBurst: 1,
      tokensPerMinute: BIG,
      tokenBurst: BIG,
      tokensPerDay: 1e15,
      learnRequests: false,
      learnTokens: false,
    },
  };
}

/** Key groups a scenario rotates over (one group per script call). */
const KEY_GROUPS = 64;

/**
 * The script arguments of each key group: `batch` demands on the group's keys (the concurrent acquires of one
 * process usually share their keys).
 */
function scenarioArgs(scenario: LuaScenario, prefix: string): Array<Array<string | number>> {
  const entries = new SpecEntries('bench-lua', undefined);
  return Array.from({ length: KEY_GROUPS }, (_, g) => {
    const { rate, budget } = specs(g, prefix);
    const parts: DemandPart[] =
      scenario.parts === 1
        ? [{ spec: rate, requests: 1, tokens: 120 }]
        : [
            { spec: rate, requests: 1, tokens: 120 },
            { spec: budget, requests: 0, tokens: 120 },
          ];
    const demand = encodeDemand(parts, 'bench.0', entries, false);
    return acquireArgs(Array.from({ length: scenario.batch }, () => demand));
  });
}

/**
 * Creates the scenario's states: a new key starts with one request and no tokens, so the first call is refused
 * for a few microseconds; at these rates both buckets are full a millisecond later.
 */
async function warmUp(client: Redis, sha: string, args: ReadonlyArray<Array<string | number>>): Promise<void> {
  for (const a of args) await client.evalsha(sha, ...(a as [number, ...Array<string | number>]));
  await new Promise((resolve) => setTimeout(resolve, 10));
  for (const a of args) {
    const reply = (await client.evalsha(sha, ...(a as [number, ...Array<string | number>]))) as number[];
    if (reply.some((r) => r !== 0)) throw new Error(`redis-lua: expected grants after the warm-up, got ${JSON.stringify(reply)}`);
  }
}

function parseInfo(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) map.set(line.slice(0, i), line.slice(i + 1));
  }
  return map;
}

async function serverCpuUsec(client: Redis): Promise<number> {
  const info = parseInfo(await client.info('cpu'));
  return (Number(info.get('used_cpu_user')) + Number(info.get('used_cpu_sys'))) * 1e6;
}

async function evalshaStats(client: Redis): Promise<{ calls: number; usec: number }> {
  const line = parseInfo(await client.info('commandstats')).get('cmdstat_evalsha') ?? '';
  return { calls: Number(/calls=(\d+)/.exec(line)?.[1] ?? NaN), usec: Number(/(?:^|,)usec=(\d+)/.exec(line)?.[1] ?? NaN) };
}

/** Runs `calls` script calls, `inFlight` at a time, rotating over the key groups; every demand must be granted. */
async function drive(client: Redis, sha: string, args: ReadonlyArray<Array<string | number>>, calls: number, inFlight: number): Promise<void> {
  let next = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < calls) {
        const a = args[next++ % args.length];
        const reply = (await client.evalsha(sha, ...(a as [number, ...Array<string | number>]))) as number[];
        for (const r of reply) if (r !== 0) refused++;
      }
    }),
  );
  if (refused > 0) throw new Error(`redis-lua: ${refused} demands refused; the figures would not be the grant path`);
}

interface Sample {
  readonly usecPerCall: number;
  readonly cpuPerCall: number;
  readonly wallSeconds: number;
}

async function measureOnce(client: Redis, sha: string, args: ReadonlyArray<Array<string | number>>, calls: number, inFlight: number): Promise<Sample> {
  await client.config('RESETSTAT');
  const cpu = await serverCpuUsec(client);
  const started = performance.now();
  await drive(client, sha, args, calls, inFlight);
  const wallSeconds = (performance.now() - started) / 1000;
  const cpuPerCall = ((await serverCpuUsec(client)) - cpu) / calls;
  const stats = await evalshaStats(client);
  if (stats.calls !== calls) throw new Error(`redis-lua: expected ${calls} evalsha calls in commandstats, found ${stats.calls}`);
  return { usecPerCall: stats.usec / stats.calls, cpuPerCall, wallSeconds };
}

/**
 * Runs the part against a `redis-server` started for it, or says in one line why not.
 * @param quick - smaller sizes.
 * @param log - progress lines.
 */
export async function runRedisLua(quick: boolean, log: (line: string) => void): Promise<RedisLuaOutcome> {
  if (!redisBinaries().server) return { ran: false, skipped: 'no redis-server binary on PATH (the part needs its own server for INFO commandstats)' };
  const sizes = redisLuaSizes(quick);
  const server = await startRedisServer();
  const client = new Redis(server.url, { lazyConnect: true });
  try {
    await client.connect();
    const version = parseInfo(await client.info('server')).get('redis_version') ?? '?';
    const redis = `redis-server ${version} started for the run (${server.url})`;
    log(`  Redis: ${redis}`);
    const shas = await Promise.all(LUA_VARIANTS.map(async (v) => String(await client.script('LOAD', v.lua))));
    const rows: LuaRow[] = [];
    for (const scenario of SCENARIOS) {
      const calls = Math.ceil(sizes.demands / scenario.batch);
      const args = LUA_VARIANTS.map((_, v) => scenarioArgs(scenario, `v${v}-${scenario.parts}-${scenario.batch}`));
      for (let v = 0; v < LUA_VARIANTS.length; v++) await warmUp(client, shas[v], args[v]);
      const samples: Sample[][] = LUA_VARIANTS.map(() => []);
      for (let round = 0; round < sizes.rounds; round++) {
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const v of order) samples[v].push(await measureOnce(client, shas[v], args[v], calls, sizes.inFlight));
      }
      for (let v = 0; v < LUA_VARIANTS.length; v++) {
        const s = samples[v];
        const row: LuaRow = {
          scenario: scenario.name,
          variant: LUA_VARIANTS[v].name,
          calls,
          usecPerCall: s.map((x) => x.usecPerCall),
          cpuPerCall: s.map((x) => x.cpuPerCall),
          wallSeconds: s.map((x) => x.wallSeconds),
        };
        rows.push(row);
        log(`  ${row.scenario}, ${row.variant}: evalsha ${fixed(median(row.usecPerCall), 2)} µs/call (${spread(row.usecPerCall)})`);
      }
    }
    return { ran: true, redis, sizes, rows };
  } finally {
    client.disconnect();
    await server.stop();
  }
}

function spread(values: readonly number[]): string {
  return `${fixed(Math.min(...values), 2)}–${fixed(Math.max(...values), 2)}`;
}

/** Table columns. */
export const REDIS_LUA_COLUMNS: readonly Column[] = [
  { header: 'demands' },
  { header: 'acquire script' },
  { header: 'calls/round', right: true },
  { header: 'evalsha µs/call (median)', right: true },
  { header: 'min–max', right: true },
  { header: 'µs/demand', right: true },
  { header: 'server CPU µs/call', right: true },
  { header: 'vs inlined', right: true },
];

/** Table rows: per scenario, each form, with the median evalsha time relative to the inlined form's. */
export function redisLuaRows(rows: readonly LuaRow[]): string[][] {
  return rows.map((row) => {
    const base = rows.find((r) => r.scenario === row.scenario && r.variant === LUA_VARIANTS[0].name);
    const batch = SCENARIOS.find((s) => s.name === row.scenario)?.batch ?? Number.NaN;
    const m = median(row.usecPerCall);
    return [
      row.scenario,
      row.variant,
      row.calls.toLocaleString('en-US'),
      fixed(m, 2),
      spread(row.usecPerCall),
      fixed(m / batch, 2),
      fixed(median(row.cpuPerCall), 2),
      base === undefined ? '–' : `${fixed(m / median(base.usecPerCall), 3)}×`,
    ];
  });
}

/** The printable table. */
export function redisLuaTable(rows: readonly LuaRow[]): string {
  return textTable(REDIS_LUA_COLUMNS, redisLuaRows(rows));
}
