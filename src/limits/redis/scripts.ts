/**
 * The Lua scripts of the Redis store. Each runs atomically on the server, reads the time with `TIME` (never a
 * client clock), takes data only through `KEYS` and `ARGV`, and sets the TTL of every key it writes.
 *
 * A limit key's state is one packed value (see the prelude): request and token levels with the times they were
 * measured, cooldown deadline, UTC day and tokens used that day, learned limits, the waiting line, the account of
 * the provider's per-minute windows, and while the provider has not reported on the key yet, what was granted
 * before (the cold start). A key never written starts
 * like a new `MemoryStore` key (one request; its first demand's tokens). The semantics mirror
 * `MemoryStore` (continuous refill, borrowing when a demand exceeds the capacity, conservative start while
 * learning, adopting a lower provider "remaining", daily budget per UTC day), plus the waiting line of
 * {@link ACQUIRE_LUA} that keeps processes sharing a key fair.
 * @packageDocumentation
 */

import { PROVIDER_MARGIN_MS } from '../bucket';

/** ARGV slots per limit spec (see `specArgs` in `encoding.ts`). */
export const SPEC_ARGS = 7;

/** ARGV slots per demand part in the acquire script (after the waiter id and grace): requests, tokens, the spec. */
export const PART_ARGS = 2 + SPEC_ARGS;

/**
 * Shortest TTL of a limit key's state (ms): an idle key lives at least this long after its last write. Learned
 * limits get no longer floor: every TTL is within a minute, the cooldown cap (`maxCooldownMs`, default a minute)
 * or the refill time (a debt is at most a minute of the limit), except a daily budget's usage, kept to the end of
 * the UTC day. A key forgotten after a minute of idleness learns its limits again from its first response.
 */
export const MIN_TTL_MS = 60_000;

/**
 * How long a place in a key's waiting line outlives the wait its waiter was told (ms). It must cover the poll
 * jitter, a round trip and event-loop lag of a busy process (on a saturated 2-CPU machine, stalls of several
 * hundred ms were measured; with 500 ms, places expired and processes lost turns). A waiter that stops polling
 * (its process died, or its last call was cancelled) keeps its reservation — its own demand, not the whole
 * bucket — this long after its wait; the next call of the same process inherits the place instead.
 */
export const LINE_GRACE_MS = 2000;

/**
 * Shared prelude: time, parsing, the bucket arithmetic of `token-bucket.ts`, and state load/save.
 *
 * A key's state is one string value, `cmsgpack.pack(1, r, rt, t, tt, cd, ds, du, lr, lt, dk, line, wr, wt, hr, ht[,
 * cr, gr, ct, gt])`: format version, request level and when it was measured (ms), token level and when, cooldown
 * deadline (ms), UTC day start and tokens used that day, learned requests/tokens per minute (0: not learned),
 * whether a daily budget uses the key (1/0), the waiting line as a flat array (`id, expiry, requests, tokens, ...`),
 * the provider's per-minute request and token windows as accounted here (`false` until reported; measured with the
 * levels) and the refunds held until the provider confirms them (see `Bucket` in `bucket.ts`), and, only until the
 * provider has reported on both resources, the cold start: per resource 1 while not yet reported (`cr`, `ct`) and
 * what was granted until then (`gr`, `gt`). The fields after the line are optional:
 * a state without them (written before they existed, or by a process that does not know them) reads as "windows
 * unknown, reported": no burst fill, the safe side. One GET and one `SET ... PX` per key: the TTL is written with the state, and
 * numbers keep full double precision.
 */
export const PRELUDE = `
local MINUTE = 60000
local DAY = 86400000
local MIN_TTL = ${MIN_TTL_MS}
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000

local function num(v)
  if v == nil or v == '' then return nil end
  return tonumber(v)
end

local function spec(o)
  return {
    rpm = num(ARGV[o + 1]), rburst = tonumber(ARGV[o + 2]),
    tpm = num(ARGV[o + 3]), tburst = tonumber(ARGV[o + 4]),
    tpd = num(ARGV[o + 5]),
    learnR = ARGV[o + 6] == '1', learnT = ARGV[o + 7] == '1'
  }
end

local function rpmOf(sp, st)
  if sp.rpm then return sp.rpm end
  if not sp.learnR then return nil end
  return st.lr or 60
end

local function rcap(sp, st)
  if sp.rpm then return sp.rburst end
  if not st.lr then return 1 end
  return math.max(1, st.lr / 60)
end

local function tpmOf(sp, st)
  if sp.tpm then return sp.tpm end
  if sp.learnT then return st.lt end
  return nil
end

local function tcap(sp, st)
  if sp.tpm then return sp.tburst end
  return (st.lt or 0) / 60
end

local function refill(level, at, cap, rate)
  local elapsed = now - at
  if elapsed < 0 then elapsed = 0 end
  local n = level + elapsed * rate
  if n < cap then return n end
  return cap
end

local function waitFor(level, amount, cap, rate)
  local need = amount
  if cap < need then need = cap end
  if level + 1e-9 >= need then return 0 end
  return (need - level) / rate
end

-- loads a key's state; a key never written starts like a new MemoryStore key: one request (at most the
-- capacity) and no tokens, filling at the quota rate from now
local function load(key, sp)
  local v = redis.call('GET', key)
  if v then
    local version, r, rt, t, tt, cd, ds, du, lr, lt, dk, q, wr, wt, hr, ht, cr, gr, ct, gt = cmsgpack.unpack(v)
    if version == 1 then
      if lr == 0 then lr = nil end
      if lt == 0 then lt = nil end
      return { key = key, r = r, rt = rt, t = t, tt = tt, cd = cd, ds = ds, du = du, lr = lr, lt = lt, dk = dk, q = q, ttl = 0,
        wr = wr or nil, wt = wt or nil, hr = hr or 0, ht = ht or 0, cr = cr or 0, gr = gr or 0, ct = ct or 0, gt = gt or 0 }
    end
  end
  local st = { key = key, cd = 0, ds = math.floor(now / DAY) * DAY, du = 0, dk = 0, ttl = 0, fresh = true, hr = 0, ht = 0, cr = 1, gr = 0, ct = 1, gt = 0 }
  st.r = math.min(1, rcap(sp, st)); st.rt = now
  st.t = 0; st.tt = now
  return st
end

local function requestsNow(sp, st, rpm)
  local cap = rcap(sp, st)
  return refill(st.r, st.rt, cap, rpm / MINUTE), cap
end

local function tokensNow(sp, st, tpm)
  local cap = tcap(sp, st)
  return refill(st.t, st.tt, cap, tpm / MINUTE), cap
end

local function rollDay(st)
  local start = math.floor(now / DAY) * DAY
  if st.ds ~= start then st.ds = start; st.du = 0 end
end

-- how long the state must live for this spec: until both buckets are full again, the cooldown is over,
-- (with a daily budget on the key) the UTC day is over, and the waiting line has expired
local function needTtl(sp, st)
  local ms = MIN_TTL
  local rpm = rpmOf(sp, st)
  if rpm then
    local full = (rcap(sp, st) - st.r) / (rpm / MINUTE)
    if full > ms then ms = full end
  end
  local tpm = tpmOf(sp, st)
  if tpm then
    local full = (tcap(sp, st) - st.t) / (tpm / MINUTE)
    if full > ms then ms = full end
  end
  if st.cd - now > ms then ms = st.cd - now end
  if sp.tpd then st.dk = 1 end
  if st.dk == 1 and st.du > 0 and st.ds + DAY - now > ms then ms = st.ds + DAY - now end
  if st.line then
    for _, e in ipairs(st.line) do
      if e.exp - now > ms then ms = e.exp - now end
    end
  elseif st.q then
    for j = 2, #st.q, 4 do
      if st.q[j] - now > ms then ms = st.q[j] - now end
    end
  end
  ms = math.ceil(ms + 1000)
  if ms > st.ttl then st.ttl = ms end
end

local function save(st)
  local q = st.q
  if st.line then
    q = {}
    for _, e in ipairs(st.line) do
      q[#q + 1] = e.id; q[#q + 1] = e.exp; q[#q + 1] = e.req; q[#q + 1] = e.tok
    end
  end
  if q == nil then q = {} end
  local packed
  local wr = st.wr or false
  local wt = st.wt or false
  if st.cr == 1 or st.ct == 1 then
    packed = cmsgpack.pack(1, st.r, st.rt, st.t, st.tt, st.cd, st.ds, st.du, st.lr or 0, st.lt or 0, st.dk, q, wr, wt, st.hr, st.ht, st.cr, st.gr, st.ct, st.gt)
  else
    packed = cmsgpack.pack(1, st.r, st.rt, st.t, st.tt, st.cd, st.ds, st.du, st.lr or 0, st.lt or 0, st.dk, q, wr, wt, st.hr, st.ht)
  end
  redis.call('SET', st.key, packed, 'PX', st.ttl)
end

-- a window (the provider's per-minute bucket as accounted here; nil: unknown) refilled to now from the time of
-- the level it is measured with
local function windowNow(w, at, perMinute)
  if not w then return nil end
  return refill(w, at, perMinute, perMinute / MINUTE)
end

-- one resource's report (see Bucket.observe): on the first, the burst less the larger of what the provider
-- reports used and what was granted before, less the margin; then the window is kept the margin below the
-- provider's remaining, lowering the burst or releasing held refunds; a lower remaining caps the level. Returns
-- level, window, held, whether the level rose, and whether this was the first report.
local MARGIN_MS = ${PROVIDER_MARGIN_MS}
local function adopt(level, w, h, cap, perMinute, limit, remaining, cold, granted)
  local raised = false
  local first = false
  if not remaining then return level, w, h, raised, first end
  local margin = perMinute * MARGIN_MS / MINUTE
  local window = remaining
  if cold == 1 and limit then
    first = true
    local missing = limit - remaining
    if missing < granted then missing = granted end
    window = limit - missing
    if cap - missing - margin > level then level = cap - missing - margin; raised = true end
  end
  if limit == perMinute then
    if not w then
      w = window
    else
      local target = remaining - margin
      if w > target then
        -- the burst lacks at most what the window lacks, and a provider's burst is not deep in debt
        local floor = math.min(level, 0) - margin
        level = math.max(floor, level - (w - target))
        w = target
      elseif h > 0 then
        local release = target - w
        if release > h then release = h end
        h = h - release
        w = w + release
        level = level + release
        if level > cap then level = cap end
        raised = true
      end
    end
  end
  if remaining < level then level = remaining end
  return level, w, h, raised, first
end
`;

/**
 * acquire, for a batch of demands (the concurrent acquires of one process, in call order; usually one):
 * `KEYS` = the state keys of every part of every demand, in order; `ARGV` = the line grace (ms), the number of
 * demands, then per demand its waiter id, its number of parts and per part {@link PART_ARGS} slots (requests,
 * tokens, spec). Each demand, in order, checks every bucket of every one of its parts and debits all of them
 * only when all fit. Returns one result per demand: 0 (granted), the wait in whole microseconds rounded up
 * (> 0), -1 (the daily token budget of a key is spent) or -2 (more tokens than a key's per-minute limit in force,
 * configured or learned: it can never fit). Once a demand of a waiter id must wait, the later demands of that id
 * in the batch get the same wait without being looked at: a process's queue is served in FIFO order, a small
 * demand never overtakes a larger one that waits. A key never written grants its first demand whole (one
 * request, and that demand's tokens up to the burst).
 *
 * Fairness across processes — the waiting line: a refused waiter joins (or keeps) its place in the key's line,
 * and capacity reserved by the entries ahead of a waiter is not available to it. Capacity therefore goes to
 * waiters in the order they were first refused, whichever process polls first; a large demand is not starved
 * by a stream of small ones. The waiter id names a process's queue for a key combination, so a process holds
 * one place per line and, once served, rejoins at the back (round robin between processes). An entry expires
 * `grace` ms after the wait it was told, so a waiter that stopped polling (cancelled, crashed) releases its
 * reservation on its own.
 *
 * This is the hot path, so it repeats the prelude's steps inline instead of calling its helpers: TIME, one GET
 * per key and one `SET ... PX` per key written, whatever the batch size. The semantics are the prelude's, state
 * layout included (indices: 1 version, 2 r, 3 rt, 4 t, 5 tt, 6 cd, 7 ds, 8 du, 9 lr, 10 lt, 11 dk, 12 line, and while
 * 13 wr, 14 wt, 15 hr, 16 ht, and while cold 17 cr, 18 gr, 19 ct, 20 gt).
 *
 * Measured (`npm run bench -- --only redis-lua`, which holds the other form: this script written on the
 * prelude's helpers, `spec`/`load`/`requestsNow`/`tokensNow`/`waitFor`/`rollDay`/`needTtl`/`save`, same
 * semantics; it also passes every Redis test): redis-server 7.0.15, AMD EPYC, 2 cores shared with other jobs
 * (load average 3–4), Node 20; every demand a grant on both buckets; 50,000 demands per workload and round,
 * 5 rounds alternating the order, 3 runs. `INFO commandstats` evalsha usec_per_call, median of the rounds
 * (per run), inlined vs helpers:
 *
 * | demands           | inlined, 3 runs       | helpers, 3 runs          | helpers/inlined | server CPU, run 1 |
 * |-------------------|-----------------------|--------------------------|-----------------|-------------------|
 * | 1 part, batch 1   | 10.25 / 9.88 / 9.48   | 12.63 / 12.39 / 11.80    | 1.23–1.25×      | 12.2 vs 14.1      |
 * | 2 parts, batch 1  | 16.49 / 16.34 / 15.37 | 19.13 / 19.27 / 18.28    | 1.16–1.19×      | 18.8 vs 21.4      |
 * | 1 part, batch 32  | 84.3 / 91.7 / 77.8    | 119.1 / 138.2 / 103.4    | 1.33–1.51×      | 101.0 vs 130.1    |
 * | 2 parts, batch 32 | 177.4 / 158.3 / 178.1 | 227.4 / 198.0 / 224.3    | 1.25–1.28×      | 182.1 vs 236.4    |
 *
 * In every run the helper form's median is higher in all four workloads; the ranges of the rounds overlap only in
 * the noisiest workload (2 parts, batch 32, runs 2 and 3) and in one outlier round (2 parts, batch 1, run 2).
 * The helper form pays for creating its closures and per-part tables (`spec`, the named state) on every call,
 * and for the calls per part (`needTtl` re-deriving the limits in force for every part). Decision: keep the
 * inlined steps — the helper form costs 16–25 % more Redis time per call alone and 25–51 % more in batches of
 * 32 (server CPU: 14–30 % more). The price is a second copy of the refill/wait arithmetic, held equal to the
 * prelude's by the Redis test suite (the mirror test against `MemoryStore` among them).
 */
export const ACQUIRE_LUA = `
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + tonumber(tm[2]) / 1000
local today = math.floor(now / 86400000) * 86400000
local grace = tonumber(ARGV[1])
local demands = tonumber(ARGV[2])
local states = {}
local parts = {}
local results = {}
local blocked = {}
local a = 2
local k = 0

-- rewrites a line without expired entries, with the waiter's entry {expiry, requests, tokens} in its place
-- (appended when new) or, when entry is nil, without it
local function reline(st, me, entry)
  local q = st[12]
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
  st[12] = out
  st.dirty = true
end

for d = 1, demands do
  local me = ARGV[a + 1]
  local np = tonumber(ARGV[a + 2])
  a = a + 2
  if blocked[me] then
    results[d] = blocked[me]
  else
  local first = #parts + 1
  local wait = 0
  local spent = false
  local never = false
  for i = 1, np do
    local key = KEYS[k + i]
    local o = a + (i - 1) * ${PART_ARGS}
    local req = tonumber(ARGV[o + 1])
    local tok = tonumber(ARGV[o + 2])
    local rpm = tonumber(ARGV[o + 3])
    local rcap = tonumber(ARGV[o + 4])
    local tpm = tonumber(ARGV[o + 5])
    local tcap = tonumber(ARGV[o + 6])
    local tpd = tonumber(ARGV[o + 7])
    local st = states[key]
    if st == nil then
      local v = redis.call('GET', key)
      if v then st = { cmsgpack.unpack(v) } end
      if st == nil or st[1] ~= 1 then
        local cap = 1
        if rpm then cap = rcap end
        st = { 1, math.min(1, cap), now, 0, now, 0, today, 0, 0, 0, 0, {}, false, false, 0, 0, 1, 0, 1, 0 }
        st.dirty = true
        st.first = true
      end
      states[key] = st
    end
    -- limits in force: configured, learned, or the conservative start while learning
    if not rpm and ARGV[o + 8] == '1' then
      if st[9] > 0 then rpm = st[9]; rcap = math.max(1, st[9] / 60) else rpm = 60; rcap = 1 end
    end
    if not tpm and ARGV[o + 9] == '1' and st[10] > 0 then tpm = st[10]; tcap = st[10] / 60 end
    if tok > 0 and tpm and tok > tpm then never = true; break end
    parts[#parts + 1] = { st, req, tok, rpm, rcap, tpm, tcap, tpd }
    -- what the waiters ahead in the line have reserved
    local aheadR = 0
    local aheadT = 0
    local q = st[12]
    for j = 1, #q, 4 do
      if q[j] == me then break end
      if q[j + 1] > now then aheadR = aheadR + q[j + 2]; aheadT = aheadT + q[j + 3] end
    end
    if st[6] - now > wait then wait = st[6] - now end
    if req > 0 and rpm then
      local rate = rpm / 60000
      local elapsed = now - st[3]
      if elapsed < 0 then elapsed = 0 end
      local level = st[2] + elapsed * rate
      if level > rcap then level = rcap end
      if st[13] then
        local w = st[13] + elapsed * rate
        if w > rpm then w = rpm end
        st[13] = w
      end
      st[2] = level; st[3] = now
      local need = req
      if rcap < need then need = rcap end
      if level - aheadR + 1e-9 < need then
        local w = (need - level + aheadR) / rate
        if w > wait then wait = w end
      end
    end
    if tok > 0 then
      if tpm then
        local rate = tpm / 60000
        local elapsed = now - st[5]
        if elapsed < 0 then elapsed = 0 end
        local level = st[4] + elapsed * rate
        if level > tcap then level = tcap end
        if st.first then
          -- a new key grants its first demand whole
          local credit = tok
          if tcap < credit then credit = tcap end
          if level < credit then level = credit end
        end
        if st[14] then
          local w = st[14] + elapsed * rate
          if w > tpm then w = tpm end
          st[14] = w
        end
        st[4] = level; st[5] = now
        local need = tok
        if tcap < need then need = tcap end
        if level - aheadT + 1e-9 < need then
          local w = (need - level + aheadT) / rate
          if w > wait then wait = w end
        end
      end
      if tpd then
        if st[7] ~= today then st[7] = today; st[8] = 0 end
        if st[8] + tok > tpd then spent = true; break end
      end
    end
  end
  if never or spent or wait > 0 then
    -- refused: nothing is debited; the waiter keeps (or takes) its place in every line of the demand, or
    -- leaves them when it cannot be served (today, or ever)
    local seen = {}
    for i = first, #parts do
      local st = parts[i][1]
      if not seen[st] then
        seen[st] = true
        if spent or never then
          if #st[12] > 0 then reline(st, me, nil) end
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
    if never then
      results[d] = -2
    elseif spent then
      results[d] = -1
    else
      results[d] = math.ceil(wait * 1000)
      blocked[me] = results[d]
    end
  else
    for i = first, #parts do
      local p = parts[i]
      local st = p[1]
      st.first = nil
      if p[2] > 0 and p[4] then
        st[2] = st[2] - p[2]
        if st[13] then st[13] = st[13] - p[2] end
        if st[17] == 1 then st[18] = st[18] + p[2] end
      end
      if p[3] > 0 then
        if p[6] then
          st[4] = st[4] - p[3]
          if st[14] then st[14] = st[14] - p[3] end
          if st[19] == 1 then st[20] = st[20] + p[3] end
        end
        if st[7] ~= today then st[7] = today; st[8] = 0 end
        st[8] = st[8] + p[3]
      end
      if #st[12] > 0 then reline(st, me, nil) end
      st.dirty = true
    end
    results[d] = 0
  end
  end
  a = a + np * ${PART_ARGS}
  k = k + np
end

-- writes every changed state with a TTL until its buckets are full again, its cooldown is over, the UTC day is
-- over (daily budget in use) and its line has expired (at least a minute)
local ttl = {}
for i = 1, #parts do
  local p = parts[i]
  local st = p[1]
  local ms = ${MIN_TTL_MS}
  if p[4] and p[5] > st[2] then ms = math.max(ms, (p[5] - st[2]) / (p[4] / 60000)) end
  if p[6] and p[7] > st[4] then ms = math.max(ms, (p[7] - st[4]) / (p[6] / 60000)) end
  if st[6] - now > ms then ms = st[6] - now end
  if p[8] then st[11] = 1 end
  if st[11] == 1 and st[8] > 0 then ms = math.max(ms, st[7] + 86400000 - now) end
  local q = st[12]
  for j = 2, #q, 4 do
    if q[j] - now > ms then ms = q[j] - now end
  end
  if (ttl[st] or 0) < ms then ttl[st] = ms end
end
for key, st in pairs(states) do
  if st.dirty then
    local packed
    if st[17] == 1 or st[19] == 1 then
      packed = cmsgpack.pack(1, st[2], st[3], st[4], st[5], st[6], st[7], st[8], st[9], st[10], st[11], st[12], st[13] or false, st[14] or false, st[15] or 0, st[16] or 0, st[17], st[18], st[19], st[20])
    else
      packed = cmsgpack.pack(1, st[2], st[3], st[4], st[5], st[6], st[7], st[8], st[9], st[10], st[11], st[12], st[13] or false, st[14] or false, st[15] or 0, st[16] or 0)
    end
    redis.call('SET', key, packed, 'PX', math.ceil((ttl[st] or ${MIN_TTL_MS}) + 1000))
  end
end
return results
`;

/**
 * settle: `KEYS[1]` the state key; `ARGV` = delta tokens, the spec, then delta requests (optional, default 0).
 * Charges (`delta > 0`) or refunds tokens and requests (never above the capacity) and corrects the day's usage
 * (never below 0). A charge above one minute of the per-minute limit in force (configured or learned) is bounded
 * to it, and a debt never exceeds one minute of the limit: one absurd usage figure pauses the key for a minute at
 * most, and its state's TTL stays within the refill time.
 */
export const SETTLE_LUA = `${PRELUDE}
local delta = tonumber(ARGV[1])
local dr = num(ARGV[${SPEC_ARGS} + 2]) or 0
if delta == 0 and dr == 0 then return 0 end
local sp = spec(1)
local st = load(KEYS[1], sp)
local function clamp(x, low, high)
  if x > high then return high end
  if x < low then return low end
  return x
end
-- a charge (d > 0) lowers the level and the window; a refund is held while the window is known (see Bucket)
local function apply(level, w, h, cap, perMinute, d)
  if d < 0 and w then return level, w, math.min(perMinute, h - d) end
  if w then w = math.max(-perMinute, w - d) end
  return clamp(level - d, -perMinute, cap), w, h
end
if dr ~= 0 then
  local rpm = rpmOf(sp, st)
  if rpm then
    local level, cap = requestsNow(sp, st, rpm)
    st.r, st.wr, st.hr = apply(level, windowNow(st.wr, st.rt, rpm), st.hr, cap, rpm, dr)
    st.rt = now
  end
end
local tpm = tpmOf(sp, st)
if tpm and delta > tpm then delta = tpm end
if delta ~= 0 and tpm then
  local level, cap = tokensNow(sp, st, tpm)
  st.t, st.wt, st.ht = apply(level, windowNow(st.wt, st.tt, tpm), st.ht, cap, tpm, delta)
  st.tt = now
end
rollDay(st)
if delta ~= 0 then st.du = math.max(0, st.du + delta) end
needTtl(sp, st)
save(st)
return 0
`;

/**
 * cooldown: `KEYS[1]` the state key; `ARGV` = pause length in ms (relative, so no client clock reaches Redis),
 * then the spec. Later deadlines win.
 */
export const COOLDOWN_LUA = `${PRELUDE}
local ms = tonumber(ARGV[1])
local sp = spec(1)
local st = load(KEYS[1], sp)
if now + ms > st.cd then st.cd = now + ms end
needTtl(sp, st)
save(st)
return 0
`;

/**
 * observe: `KEYS[1]` the state key; `ARGV` = the spec, then requests (present flag, limit, remaining) and tokens
 * (present flag, limit, remaining), empty strings for unknown values. Learns missing limits and lowers the
 * levels to the provider's remaining, like `MemoryStore.observe`: the first report of a resource on the key fills
 * what the provider's burst holds, and every report of the limit in force takes what the provider reports missing
 * beyond the window off the burst (see `adopt`). Returns 1 when the limits in force changed or the level was
 * raised (waiting calls may fit now), else 0.
 */
export const OBSERVE_LUA = `${PRELUDE}
local sp = spec(0)
local o = ${SPEC_ARGS}
local st = load(KEYS[1], sp)
local changed = 0
if ARGV[o + 1] == '1' then
  local limit = num(ARGV[o + 2])
  local remaining = num(ARGV[o + 3])
  if sp.learnR and limit and limit > 0 and limit ~= st.lr then st.lr = limit; changed = 1 end
  local rpm = rpmOf(sp, st)
  if rpm then
    local level, cap = requestsNow(sp, st, rpm)
    local w = windowNow(st.wr, st.rt, rpm)
    local h, raised, first
    level, w, h, raised, first = adopt(level, w, st.hr, cap, rpm, limit, remaining, st.cr, st.gr)
    if raised then changed = 1 end
    if first then st.cr = 0; st.gr = 0 end
    st.r = level; st.wr = w; st.hr = h; st.rt = now
  end
end
if ARGV[o + 4] == '1' then
  local limit = num(ARGV[o + 5])
  local remaining = num(ARGV[o + 6])
  -- until learned the token capacity is 0, so the level is 0 here and fills at the learned rate
  if sp.learnT and limit and limit > 0 and limit ~= st.lt then st.lt = limit; changed = 1 end
  local tpm = tpmOf(sp, st)
  if tpm then
    local level, cap = tokensNow(sp, st, tpm)
    local w = windowNow(st.wt, st.tt, tpm)
    local h, raised, first
    level, w, h, raised, first = adopt(level, w, st.ht, cap, tpm, limit, remaining, st.ct, st.gt)
    if raised then changed = 1 end
    if first then st.ct = 0; st.gt = 0 end
    st.t = level; st.wt = w; st.ht = h; st.tt = now
  end
end
needTtl(sp, st)
save(st)
return changed
`;

/**
 * heartbeat: `KEYS[1]` the fleet's instances key (a sorted set: instance id → expiry, Redis time in ms);
 * `ARGV` = this instance's id, how long its entry lives (ms). Renews the entry, drops expired ones, and returns
 * how many instances are live (this one included). The key expires with its newest entry.
 */
export const HEARTBEAT_LUA = `
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local life = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + life, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], life)
return redis.call('ZCARD', KEYS[1])
`;

/** leave: `KEYS[1]` the instances key; `ARGV[1]` this instance's id. Removes the entry; returns the live count. */
export const LEAVE_LUA = `
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('ZCARD', KEYS[1])
`;

/**
 * view (read only): `KEYS[1]` the state key; `ARGV` = the spec. Returns nil for an unknown key, else
 * [requests level, tokens level, cooldown ms left, day used, requests/min, tokens/min, server time ms] as
 * strings, empty where not applicable.
 */
export const VIEW_LUA = `${PRELUDE}
local function fmt(x) return string.format('%.17g', x) end
local sp = spec(0)
local st = load(KEYS[1], sp)
if st.fresh then return false end
local rpm = rpmOf(sp, st)
local tpm = tpmOf(sp, st)
local r = ''
local t = ''
if rpm then r = fmt((requestsNow(sp, st, rpm))) end
if tpm then t = fmt((tokensNow(sp, st, tpm))) end
local cd = 0
if st.cd > now then cd = st.cd - now end
local du = st.du
if st.ds ~= math.floor(now / DAY) * DAY then du = 0 end
local function opt(x) if x then return fmt(x) end return '' end
return { r, t, fmt(cd), fmt(du), opt(rpm), opt(tpm), fmt(now) }
`;

/** Names under which the scripts are registered on the client with `defineCommand` (versioned). */
export const COMMANDS = {
  acquire: 'llmResilienceAcquireV1',
  settle: 'llmResilienceSettleV1',
  cooldown: 'llmResilienceCooldownV1',
  observe: 'llmResilienceObserveV1',
  view: 'llmResilienceViewV1',
  heartbeat: 'llmResilienceHeartbeatV1',
  leave: 'llmResilienceLeaveV1',
} as const;

/** Script definitions for `defineCommand`: name, key count (undefined: given per call) and source. */
export const SCRIPT_DEFINITIONS: ReadonlyArray<{ name: string; numberOfKeys: number | undefined; lua: string; readOnly: boolean }> = [
  { name: COMMANDS.acquire, numberOfKeys: undefined, lua: ACQUIRE_LUA, readOnly: false },
  { name: COMMANDS.settle, numberOfKeys: 1, lua: SETTLE_LUA, readOnly: false },
  { name: COMMANDS.cooldown, numberOfKeys: 1, lua: COOLDOWN_LUA, readOnly: false },
  { name: COMMANDS.observe, numberOfKeys: 1, lua: OBSERVE_LUA, readOnly: false },
  { name: COMMANDS.view, numberOfKeys: 1, lua: VIEW_LUA, readOnly: true },
  { name: COMMANDS.heartbeat, numberOfKeys: 1, lua: HEARTBEAT_LUA, readOnly: false },
  { name: COMMANDS.leave, numberOfKeys: 1, lua: LEAVE_LUA, readOnly: false },
];
