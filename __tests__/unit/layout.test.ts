/**
 * Tests mirror the layout: every `.ts` under `src/` and `decorators/` has a test at the mirrored path,
 * `__tests__/{unit,integration}/<path without src/>.test.ts` (or `<path>.<aspect>.test.ts`, e.g.
 * `runtime/interceptor.retry.test.ts`), or an entry in the allow-list below saying why not. The allow-list is
 * checked too: entries must exist, claims of "types only" and "re-exports only" must be true, a named covering
 * test must exist, and a file that has its own test must leave the list.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT, filesUnder, librarySources } from '../helpers/source-files';

/** Why a source has no test at its mirrored path. */
interface Allowed {
  /** One line. */
  readonly reason: string;
  /** The file declares only types (checked). */
  readonly typesOnly?: true;
  /** The file only re-exports (checked). */
  readonly reExportsOnly?: true;
  /** The test (path under `__tests__/`) that covers it instead (checked to exist). */
  readonly coveredBy?: string;
}

/** Sources (a path ending in `/` covers a folder) without a test at the mirrored path, and why. */
const ALLOWED: Readonly<Record<string, Allowed>> = {
  'decorators/': { reason: 'each decorator is one policyDecorator call with its resolve*; both decorator modes are tested through them', coveredBy: 'unit/policy/decorator.test.ts' },
  'src/index.ts': { reason: 'the public surface', reExportsOnly: true },
  'src/testing/index.ts': { reason: 'the llm-resilience/testing surface', reExportsOnly: true },
  'src/tokens/index.ts': { reason: 'the tokens surface', reExportsOnly: true },
  'src/clock.ts': { reason: 'the real clock: unit tests inject FakeClock, integration tests run on this one', coveredBy: 'integration/limits/limiter.load.test.ts' },
  'src/events/': { reason: 'runtime events, being written by the lead right now (the hub has unit/events/hub.test.ts)', coveredBy: 'unit/runtime/interceptor.events.test.ts' },
  'src/observability/': { reason: 'logs and metrics as event subscribers, being rewritten by the lead right now', coveredBy: 'unit/observability/logs.test.ts' },
  'src/limits/redis/': { reason: 'the Redis store, being reorganised by another helper; needs a real redis-server', coveredBy: 'integration/limits/redis/redis-store.test.ts' },
  'src/limits/bucket.ts': { reason: "MemoryStore's per-key bucket state", coveredBy: 'unit/limits/limiter.test.ts' },
  'src/limits/store.ts': { reason: 'the store contract (types) and its two constants; every store is tested against it', coveredBy: 'unit/limits/limiter.test.ts' },
  'src/policy/dispatch.ts': { reason: 'the seam from the method wrapper to the runtime: every decorated call passes it', coveredBy: 'unit/runtime/interceptor.retry.test.ts' },
  'src/policy/method-handle.ts': { reason: 'a data class (the method, its compiled plan and the plan owner)', coveredBy: 'unit/runtime/configure.test.ts' },
  'src/policy/method-wrapper.ts': { reason: 'the wrapper every decorator installs (once per method, methods only)', coveredBy: 'unit/policy/validate.test.ts' },
  'src/policy/options.ts': { reason: 'option types and DEFAULTS (the defaults are asserted on stored metadata)', coveredBy: 'unit/policy/metadata.test.ts' },
  'src/retry/decision.ts': { reason: 'hint, backoff, maxDelayMs and deadline decided per failure, through decorated methods', coveredBy: 'unit/runtime/interceptor.retry.test.ts' },
  'src/retry/overload-guards.ts': { reason: "a key's breaker and retry budget, through decorated methods", coveredBy: 'unit/runtime/interceptor.storm.test.ts' },
  'src/runtime/attempt.ts': { reason: "the interceptor's attempt step (timeout, attempt signal, synchronous throws)", coveredBy: 'unit/runtime/interceptor.retry.test.ts' },
  'src/runtime/call.ts': { reason: "one call's state, behind currentCall()", coveredBy: 'unit/runtime/context.test.ts' },
  'src/runtime/di-tokens.ts': { reason: 'the tsyringe tokens (constants)', coveredBy: 'unit/runtime/configure.container.test.ts' },
  'src/runtime/observing-fetch.ts': { reason: 'a fetch wrapper that reports headers; learns limits through the real SDK', coveredBy: 'integration/package/examples.test.ts' },
  'src/runtime/outcomes.ts': { reason: "the interceptor's outcome step (adopt headers, settle usage, cooldowns, give back)", coveredBy: 'unit/runtime/interceptor.flow-control.test.ts' },
  'src/runtime/plan.ts': { reason: 'per-method and per-key plans, compiled on first call', coveredBy: 'unit/runtime/interceptor.flow-control.test.ts' },
  'src/runtime/resilience-runtime.ts': { reason: 'what configureResilience returns', typesOnly: true },
  'src/runtime/resolved-config.ts': { reason: 'the resolved configuration', typesOnly: true },
  'src/runtime/signal.ts': { reason: "finds the caller's AbortSignal among a call's arguments", coveredBy: 'unit/runtime/interceptor.retry.test.ts' },
  'src/runtime/streams/adapter.ts': { reason: 'the stream adapter contract and one bound', coveredBy: 'unit/runtime/interceptor.streams.test.ts' },
  'src/runtime/streams/adapters.ts': { reason: 'which adapter a result gets: every stream suite goes through it', coveredBy: 'unit/runtime/interceptor.streams.test.ts' },
  'src/runtime/streams/pull.ts': { reason: 'holding back to the first content and the consumer iterator of every pull stream', coveredBy: 'unit/runtime/interceptor.streams.test.ts' },
  'src/runtime/streams/session.ts': { reason: "a stream's timers, abort and end, on the fake clock through decorated methods", coveredBy: 'unit/runtime/interceptor.streams.test.ts' },
  'src/testing/emulator/': { reason: 'the emulator: a server, tested over real HTTP through the real SDK (pure helpers have unit tests)', coveredBy: 'integration/testing/emulator.test.ts' },
};

/** Unit tests that test the code base as a whole rather than one source. */
const WHOLE_CODE_BASE_TESTS = ['unit/architecture.test.ts', 'unit/layout.test.ts'];
/** Integration concern folders that are not folders of `src/`. */
const OTHER_CONCERNS = ['package'];

/** `src/retry/backoff.ts` → `retry/backoff`; `decorators/x.ts` → `decorators/x`. */
const mirrored = (source: string): string => source.replace(/^src\//, '').replace(/\.ts$/, '');
/** `__tests__/unit/retry/backoff.test.ts` → `retry/backoff`; `…/interceptor.retry.test.ts` → `runtime/interceptor.retry`. */
const testStem = (test: string): string => test.replace(/^__tests__\/(unit|integration)\//, '').replace(/\.test\.ts$/, '');

const sources = librarySources();
const unitTests = filesUnder('__tests__/unit', '.test.ts');
const integrationTests = filesUnder('__tests__/integration', '.test.ts');
const tests = [...unitTests, ...integrationTests];

/** The tests at the mirrored path of `source` (its stem, or its stem and an aspect). */
function mirroredTests(source: string): string[] {
  const stem = mirrored(source);
  return tests.filter((t) => testStem(t) === stem || testStem(t).startsWith(`${stem}.`));
}

/** The allow-list entry that applies to `source`: its own, or its folder's. */
function allowance(source: string): string | undefined {
  if (Object.hasOwn(ALLOWED, source)) return source;
  return Object.keys(ALLOWED).find((entry) => entry.endsWith('/') && source.startsWith(entry));
}

/** What the top-level statements of a file are. */
function statementKinds(file: string): Set<string> {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, false);
  const kinds = new Set<string>();
  for (const s of source.statements) {
    if (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) kinds.add('type');
    else if (ts.isImportDeclaration(s)) kinds.add(s.importClause?.phaseModifier === ts.SyntaxKind.TypeKeyword ? 'type import' : 'import');
    else if (ts.isExportDeclaration(s)) kinds.add(s.moduleSpecifier !== undefined ? 're-export' : 'export list');
    else kinds.add(ts.SyntaxKind[s.kind]);
  }
  return kinds;
}

describe('tests mirror the layout', () => {
  it('finds the sources and the tests', () => {
    expect(sources.length).toBeGreaterThan(50);
    expect(sources).toContain('src/retry/backoff.ts');
    expect(unitTests).toContain('__tests__/unit/retry/backoff.test.ts');
    expect(mirroredTests('src/runtime/interceptor.ts')).toContain('__tests__/unit/runtime/interceptor.retry.test.ts');
  });

  it('every source has a test at the mirrored path, or an allow-list entry', () => {
    const missing = sources
      .filter((s) => mirroredTests(s).length === 0 && allowance(s) === undefined)
      .map((s) => `${s}: no __tests__/unit/${mirrored(s)}.test.ts (or integration/, or ${mirrored(s)}.<aspect>.test.ts), and not allow-listed`);
    expect(missing).toEqual([]);
  });

  it('every allow-list entry exists, and a file with its own test leaves the list', () => {
    const problems: string[] = [];
    for (const entry of Object.keys(ALLOWED)) {
      if (!existsSync(join(ROOT, entry))) problems.push(`${entry}: no such ${entry.endsWith('/') ? 'folder' : 'file'}`);
      else if (!entry.endsWith('/') && mirroredTests(entry).length > 0) problems.push(`${entry}: has ${mirroredTests(entry).join(', ')} now; remove it from the allow-list`);
    }
    expect(problems).toEqual([]);
  });

  it('every covering test named in the allow-list exists', () => {
    const missing = Object.entries(ALLOWED)
      .filter(([, a]) => a.coveredBy !== undefined && !existsSync(join(ROOT, '__tests__', a.coveredBy)))
      .map(([entry, a]) => `${entry}: covered by __tests__/${a.coveredBy!}, which does not exist`);
    expect(missing).toEqual([]);
  });

  it('every entry says why, and a file claimed to hold only types or re-exports does', () => {
    const problems: string[] = [];
    for (const [entry, a] of Object.entries(ALLOWED)) {
      if (a.reason.trim() === '' || a.reason.includes('\n')) problems.push(`${entry}: a one-line reason is required`);
      if (a.typesOnly === undefined && a.reExportsOnly === undefined && a.coveredBy === undefined) problems.push(`${entry}: name the test that covers it`);
      if (entry.endsWith('/') || !existsSync(join(ROOT, entry))) continue;
      const kinds = [...statementKinds(entry)];
      if (a.typesOnly && kinds.some((k) => k !== 'type' && k !== 'type import')) problems.push(`${entry}: not types only (${kinds.join(', ')})`);
      if (a.reExportsOnly && kinds.some((k) => k !== 're-export')) problems.push(`${entry}: not re-exports only (${kinds.join(', ')})`);
    }
    expect(problems).toEqual([]);
  });

  it('every unit test is at the mirrored path of a source (or tests the code base as a whole)', () => {
    const stems = new Set(sources.map(mirrored));
    const orphans = unitTests.filter((t) => {
      if (WHOLE_CODE_BASE_TESTS.some((w) => t === `__tests__/${w}`)) return false;
      const stem = testStem(t);
      return !stems.has(stem) && ![...stems].some((s) => stem.startsWith(`${s}.`));
    });
    expect(orphans).toEqual([]);
  });

  it('every integration test sits in a concern folder (a folder of src/, or package/)', () => {
    const concerns = new Set([...sources.filter((s) => s.startsWith('src/')).map((s) => s.split('/')[1]), ...OTHER_CONCERNS]);
    const misplaced = integrationTests.filter((t) => {
      const parts = testStem(t).split('/');
      return parts.length < 2 || !concerns.has(parts[0]);
    });
    expect(misplaced).toEqual([]);
  });

  it('every test file is in a tier that runs (jest projects: __tests__/unit and __tests__/integration)', () => {
    const all = filesUnder('__tests__', '.test.ts');
    expect(all.filter((t) => !t.startsWith('__tests__/unit/') && !t.startsWith('__tests__/integration/'))).toEqual([]);
    expect(all).toHaveLength(tests.length);
  });
});
