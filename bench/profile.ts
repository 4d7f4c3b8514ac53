/**
 * CPU profile of our hot path: runs `overhead.ts --profile-ours` in a fresh process (only the full decorated
 * stack, sequential awaits, not throttled; warmed up, then profiled through the inspector at 100 µs sampling,
 * so startup and module loading are not in it — the same V8 profile `node --cpu-prof` writes) and lists the
 * functions with the most self time: all of them, and those in this library's own files (src/, decorators/).
 *
 * Standalone: `node -r ./scripts/register.js bench/profile.ts [--quick]`; the raw profile stays in
 * bench/results/profile/ (open it in Chrome DevTools or VS Code).
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fixed, textTable, type Column } from './table';

const ROOT = join(__dirname, '..');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** One function's self time. */
export interface SelfTime {
  /** `file:function` (file relative to the repository, or the V8/Node category). */
  readonly where: string;
  readonly percent: number;
  readonly ms: number;
}

/** The part's result. */
export interface ProfileResult {
  readonly iterations: number;
  readonly profileFile: string;
  readonly totalMs: number;
  /** Top self-time functions overall. */
  readonly top: SelfTime[];
  /** Top self-time functions in src/ and decorators/. */
  readonly ours: SelfTime[];
  /** Share of self time spent in src/ and decorators/ altogether, %. */
  readonly oursPercent: number;
}

function label(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  const file = url.startsWith('file://') ? url.slice(7) : url;
  const rel = file.startsWith(ROOT) ? relative(ROOT, file) : file.startsWith('node:') ? file : `node:${file}`;
  return `${rel}:${name}`;
}

/** Aggregates self time per `file:function`. */
export function summariseProfile(profile: CpuProfile, topN = 15): Omit<ProfileResult, 'iterations' | 'profileFile'> {
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const byLabel = new Map<string, number>();
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? node.hitCount ?? 0;
    if (count === 0) continue;
    const key = label(node);
    byLabel.set(key, (byLabel.get(key) ?? 0) + count);
  }
  const all = [...byLabel.entries()]
    .map(([where, count]) => ({ where, percent: (100 * count) / total, ms: (totalMs * count) / total }))
    .sort((a, b) => b.percent - a.percent);
  const isOurs = (s: SelfTime): boolean => s.where.startsWith('src/') || s.where.startsWith('decorators/') || s.where.startsWith('index.ts');
  const ours = all.filter(isOurs);
  return {
    totalMs,
    top: all.slice(0, topN),
    ours: ours.slice(0, topN),
    oursPercent: ours.reduce((sum, s) => sum + s.percent, 0),
  };
}

/** Profiles `iterations` sequential calls of our full stack in a child process. */
export async function runProfile(iterations: number): Promise<ProfileResult> {
  const dir = join(ROOT, 'bench', 'results', 'profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'llm-resilience-hot-path.cpuprofile');
  const child = spawn(
    process.execPath,
    ['-r', join(ROOT, 'scripts', 'register.js'), join(__dirname, 'overhead.ts'), '--profile-ours', String(iterations), file],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the profiled process exited with ${String(code)}`);
  if (!existsSync(file)) throw new Error(`no profile written to ${file}`);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  return { iterations, profileFile: relative(ROOT, file), ...summariseProfile(profile) };
}

/** Table columns. */
export const PROFILE_COLUMNS: readonly Column[] = [{ header: 'function (self time)' }, { header: '% self', right: true }, { header: 'ms', right: true }];

/** Table rows. */
export function profileRows(list: readonly SelfTime[]): string[][] {
  return list.map((s) => [s.where, fixed(s.percent, 1), fixed(s.ms, 0)]);
}

/** The printable tables. */
export function profileTables(result: ProfileResult): string {
  return [
    `Top self time, all code (${result.iterations.toLocaleString('en-US')} calls, ${result.totalMs.toFixed(0)} ms profiled):`,
    textTable(PROFILE_COLUMNS, profileRows(result.top)),
    '',
    `Top self time in src/ and decorators/ (together ${result.oursPercent.toFixed(1)}% of all samples):`,
    textTable(PROFILE_COLUMNS, profileRows(result.ours)),
  ].join('\n');
}

if (require.main === module) {
  runProfile(process.argv.includes('--quick') ? 200_000 : 1_000_000)
    .then((result) => console.log(`${profileTables(result)}\n\nprofile: ${result.profileFile}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
