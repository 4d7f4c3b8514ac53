/**
 * `npm run bench`: the benchmark, side by side in one run. Prints tables and writes every figure to
 * bench/results/latest.json (and the tables as Markdown to bench/results/latest.md).
 *
 *   node -r ./scripts/register.js bench/index.ts [--only goodput|overhead|overhead-built|scale|redis-lua|faults|fleet] [--quick] [--no-fleet]
 *
 * Parts: goodput (one process, five contenders, through the real openai SDK against the emulator; then four
 * processes sharing one quota through Redis when available), overhead (per-call cost of the decorated stack
 * vs cockatiel, rate-limiter-flexible and p-retry, in a fresh process, plus a CPU profile of our hot path),
 * overhead-built (the same cost measured on the built package from plain JavaScript, as an app loads it), scale
 * (100k waiters on one key, 10k keys; in a fresh process with --expose-gc), redis-lua (Redis server CPU per
 * call of the acquire script, inlined vs on the prelude's helpers), fleet (a Redis-backed fleet from its first second:
 * cold start, a distant Redis). See bench/README.md.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs, USAGE, type BenchArgs } from './args';
import { runInChild } from './child';
import { FLEET_COLUMNS, fleetRows, fleetTable, runFleet, type FleetOutcome } from './fleet';
import { COLD_COLUMNS, DISTANT_COLUMNS, coldRows, distantRows, fleetColdTables, runFleetCold, type FleetColdOutcome } from './fleet-cold';
import { GOODPUT_COLUMNS, goodputRows, goodputTable, runGoodput } from './goodput';
import { FAULT_BATCH_COLUMNS, OUTAGE_COLUMNS, faultBatchRows, faultsSizes, faultsTables, outageRows, runFaults, type FaultsResult } from './faults';
import { describeMachine, machineInfo } from './machine';
import { OVERHEAD_COLUMNS, overheadRows, overheadSummary, overheadTable, overheadSizes, type OverheadResult } from './overhead';
import { overheadBuiltTable, runOverheadBuilt, type BuiltResult } from './overhead-built';
import { PROFILE_COLUMNS, profileRows, profileTables, runProfile, type ProfileResult } from './profile';
import { REDIS_LUA_COLUMNS, redisLuaRows, redisLuaSizes, redisLuaTable, runRedisLua, type RedisLuaOutcome } from './redis-lua';
import { KEY_COLUMNS, QUEUE_COLUMNS, keyRows, queueRows, scaleSizes, scaleTables, type ScaleResult } from './scale';
import { markdownTable } from './table';
import { goodputSizes, type BatchResult, type GoodputSizes } from './workload';

const RESULTS = join(__dirname, 'results');

interface Report {
  startedAt: string;
  finishedAt?: string;
  durationSeconds?: number;
  /** Load averages when the run ended (other processes share the machine). */
  loadAverageAtEnd?: number[];
  machine: ReturnType<typeof machineInfo>;
  args: BenchArgs;
  goodput?: {
    sizes: GoodputSizes;
    workload: string;
    results: BatchResult[];
    fleet: FleetOutcome | { ran: false; skipped: string };
  };
  overhead?: OverheadResult;
  overheadBuilt?: BuiltResult;
  profile?: ProfileResult | { error: string };
  scale?: ScaleResult;
  faults?: FaultsResult;
  redisLua?: RedisLuaOutcome;
  fleetCold?: FleetColdOutcome;
}

function heading(text: string): void {
  console.log(`\n${text}\n${'='.repeat(text.length)}`);
}

function workloadText(sizes: GoodputSizes): string {
  return (
    `${sizes.calls} chat calls (generated support tickets, max_tokens 50) fired at once, through the real openai SDK, ` +
    `against a fresh emulator per contender: ${sizes.quota.requestsPerMinute} RPM / ${sizes.quota.tokensPerMinute} TPM, ` +
    `enforced in 1 s slices, prompt + max_tokens charged up front, latency 20–40 ms`
  );
}

async function goodputPart(args: BenchArgs, report: Report): Promise<void> {
  const sizes = goodputSizes(args.quick);
  heading('1. Goodput on a quota-bound batch (one process)');
  console.log(workloadText(sizes));
  const results = await runGoodput(sizes, console.log);
  console.log(`\n${goodputTable(results)}`);
  console.log('ideal = max(succeeded / RPM, charged tokens / TPM) · 60 from the emulator counters; 429s = what the emulator sent.');
  let fleet: FleetOutcome;
  if (args.noFleet) {
    fleet = { ran: false, skipped: '--no-fleet given' };
  } else {
    heading('1b. Goodput: four processes sharing one quota');
    fleet = await runFleet(sizes, console.log);
    if (fleet.ran) console.log(`\n${fleetTable(fleet.results)}`);
  }
  if (!fleet.ran) console.log(`four-process run skipped: ${fleet.skipped}`);
  report.goodput = { sizes, workload: workloadText(sizes), results, fleet };
}

async function overheadPart(args: BenchArgs, report: Report): Promise<void> {
  const sizes = overheadSizes(args.quick);
  heading('2. Per-call overhead (not throttled, in-memory)');
  console.log(
    `${sizes.sequential.toLocaleString('en-US')} sequential awaits and ${sizes.concurrentCalls.toLocaleString('en-US')} calls ` +
      `${sizes.concurrency} in flight per contender, ${sizes.rounds} interleaved rounds (median), in a fresh process`,
  );
  const result = await runInChild<OverheadResult>('overhead.ts', args.quick ? ['--quick'] : [], ['--expose-gc'], 600_000);
  console.log(`\n${overheadTable(result)}\n\n${overheadSummary(result)}`);
  report.overhead = result;
  heading('2b. CPU profile of our hot path (V8 sampling profiler, 100 µs)');
  try {
    const profile = await runProfile(args.quick ? 200_000 : 1_000_000);
    console.log(profileTables(profile));
    console.log(`raw profile: ${profile.profileFile}`);
    report.profile = profile;
  } catch (error) {
    console.log(`profile failed: ${String(error)}`);
    report.profile = { error: String(error) };
  }
}

async function overheadBuiltPart(args: BenchArgs, report: Report): Promise<void> {
  heading('2c. Per-call overhead as an app sees it (built package, plain JavaScript, no TypeScript hook)');
  const result = await runOverheadBuilt({ quick: args.quick });
  console.log(overheadBuiltTable(result));
  report.overheadBuilt = result;
}

async function scalePart(args: BenchArgs, report: Report): Promise<void> {
  const sizes = scaleSizes(args.quick);
  heading('3. Scale');
  console.log(
    `${sizes.queued.toLocaleString('en-US')} calls waiting on one key (drained at ${(sizes.drainRpm / 60).toLocaleString('en-US')}/s, burst ${sizes.drainBurst}); ` +
      `${sizes.keys.toLocaleString('en-US')} distinct keys; in a fresh process with --expose-gc`,
  );
  const result = await runInChild<ScaleResult>('scale.ts', args.quick ? ['--quick'] : [], ['--expose-gc'], 600_000);
  console.log(`\n${scaleTables(result)}`);
  report.scale = result;
}

async function redisLuaPart(args: BenchArgs, report: Report): Promise<void> {
  const sizes = redisLuaSizes(args.quick);
  heading('4. Redis server CPU per acquire script call (inlined vs prelude helpers)');
  console.log(
    `${sizes.demands.toLocaleString('en-US')} granted demands per workload, form and round, ${sizes.inFlight} script calls in flight, ` +
      `${sizes.rounds} rounds alternating the order; INFO commandstats usec_per_call of evalsha and server CPU (INFO cpu) per call`,
  );
  const outcome = await runRedisLua(args.quick, console.log);
  if (outcome.ran) console.log(`\n${redisLuaTable(outcome.rows)}`);
  else console.log(`redis-lua skipped: ${outcome.skipped}`);
  report.redisLua = outcome;
}

async function fleetColdPart(args: BenchArgs, report: Report): Promise<void> {
  heading('6. A fleet from its first second: cold start, distant Redis (RedisStore)');
  console.log(
    '4 and 1 processes creating their Redis client in the same tick as their first call, 600 chat calls at 30,000 RPM / 1.5M TPM in ' +
      '1-second slices (emulator refundUnused true, then false); then 2 processes behind a proxy adding 25 ms each way to Redis, 6,000 RPM',
  );
  const outcome = await runFleetCold(args.quick, console.log);
  console.log(`\n${fleetColdTables(outcome)}`);
  report.fleetCold = outcome;
}

async function faultsPart(args: BenchArgs, report: Report): Promise<void> {
  const sizes = faultsSizes(args.quick);
  heading('5. Reliability under provider faults (real HTTP, real timings)');
  console.log(
    `${sizes.calls} calls with 2.5 % 500s, 2.5 % 529s and 1 % dropped connections (maxRetries 5); then a ${sizes.outageSeconds} s full outage, ` +
      'a call every 100 ms, default overload breaker (≥ 10 attempts, ≥ 50 % failures, 5 s cool-off); through the real openai SDK against the emulator',
  );
  const result = await runFaults(sizes, console.log);
  console.log(`\n${faultsTables(result)}`);
  report.faults = result;
}

function markdown(report: Report): string {
  const out: string[] = [`Machine: ${describeMachine(report.machine)}; at the end ${report.loadAverageAtEnd?.join(' / ') ?? '?'}`, ''];
  if (report.goodput !== undefined) {
    out.push(`Goodput: ${report.goodput.workload}.`, '', markdownTable(GOODPUT_COLUMNS, goodputRows(report.goodput.results)), '');
    const fleet = report.goodput.fleet;
    if (fleet.ran) out.push(markdownTable(FLEET_COLUMNS, fleetRows(fleet.results)), '');
    else out.push(`Four-process run skipped: ${fleet.skipped}.`, '');
  }
  if (report.overhead !== undefined) out.push(markdownTable(OVERHEAD_COLUMNS, overheadRows(report.overhead)), '');
  if (report.profile !== undefined && 'ours' in report.profile) out.push(markdownTable(PROFILE_COLUMNS, profileRows(report.profile.ours)), '');
  if (report.scale !== undefined) {
    out.push(markdownTable(QUEUE_COLUMNS, queueRows(report.scale)), '', markdownTable(KEY_COLUMNS, keyRows(report.scale)), '');
  }
  if (report.redisLua !== undefined) {
    if (report.redisLua.ran) out.push(markdownTable(REDIS_LUA_COLUMNS, redisLuaRows(report.redisLua.rows)), '');
    else out.push(`Redis Lua part skipped: ${report.redisLua.skipped}.`, '');
  }
  if (report.fleetCold !== undefined) {
    if (report.fleetCold.ran) {
      out.push(markdownTable(COLD_COLUMNS, coldRows(report.fleetCold.cold)), '', markdownTable(DISTANT_COLUMNS, distantRows(report.fleetCold.distant)), '');
    } else out.push(`Fleet part skipped: ${report.fleetCold.skipped}.`, '');
  }
  if (report.faults !== undefined) {
    out.push(markdownTable(FAULT_BATCH_COLUMNS, faultBatchRows(report.faults)), '', markdownTable(OUTAGE_COLUMNS, outageRows(report.faults)), '');
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  let args: BenchArgs | 'help';
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  if (args === 'help') {
    console.log(USAGE);
    return;
  }
  const started = performance.now();
  const report: Report = { startedAt: new Date().toISOString(), machine: machineInfo(), args };
  console.log(`llm-resilience benchmark${args.quick ? ' (--quick)' : ''}: ${args.parts.join(', ')}`);
  console.log(`machine: ${describeMachine(report.machine)}`);
  if (args.parts.includes('goodput')) await goodputPart(args, report);
  if (args.parts.includes('overhead')) await overheadPart(args, report);
  if (args.parts.includes('overhead-built')) await overheadBuiltPart(args, report);
  if (args.parts.includes('scale')) await scalePart(args, report);
  if (args.parts.includes('redis-lua')) await redisLuaPart(args, report);
  if (args.parts.includes('faults')) await faultsPart(args, report);
  if (args.parts.includes('fleet')) await fleetColdPart(args, report);
  report.finishedAt = new Date().toISOString();
  report.durationSeconds = Math.round((performance.now() - started) / 100) / 10;
  report.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS, 'latest.md'), markdown(report));
  console.log(`\ndone in ${report.durationSeconds} s (load average at the end ${report.loadAverageAtEnd.join(' / ')}); figures in bench/results/latest.json, Markdown tables in bench/results/latest.md`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
