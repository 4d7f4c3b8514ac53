import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator, type EmulatorHandle } from '../../../src/testing';
import { describeRedis, startRedis, type RedisServerHandle } from '../../helpers/redis-server';

const run = promisify(execFile);
const root = join(__dirname, '../../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The README's client sections (Clients and streams): one example per client, each streaming against the emulator. */
const CLIENT_EXAMPLES = ['examples/clients/openai.ts', 'examples/clients/anthropic.ts', 'examples/clients/ai-sdk.ts', 'examples/clients/langchain.ts', 'examples/clients/gemini.ts'];

/** Example files whose `#region readme` is quoted in the README. */
const EXAMPLES = ['examples/quickstart.ts', 'examples/observing-fetch.ts', 'examples/redis-fleet.ts', 'examples/emulator.ts', 'examples/logs-and-metrics.ts', 'examples/events.ts', ...CLIENT_EXAMPLES];

/** The `#region readme` part of an example file. */
function readmeRegion(file: string): string {
  const text = readFileSync(join(root, file), 'utf8');
  const start = text.indexOf('// #region readme\n');
  const end = text.indexOf('// #endregion readme');
  if (start < 0 || end < 0) throw new Error(`${file} has no readme region`);
  return text.slice(start + '// #region readme\n'.length, end);
}

describe('examples (type-checked by `npm test`; run here so none of them rots)', () => {
  let emulator: EmulatorHandle;
  beforeAll(async () => {
    emulator = await startEmulator({ requestsPerMinute: 500, tokensPerMinute: 200_000 });
  });
  afterAll(() => emulator.close());

  it('the README quick start is examples/quickstart.ts, verbatim', () => {
    expect(readme).toContain('```ts\n' + readmeRegion('examples/quickstart.ts') + '```');
  });

  it('every TypeScript block in the README is one of the examples below (none is prose-only)', () => {
    const blocks = readme.split('```ts\n').slice(1).map((block) => block.slice(0, block.indexOf('```')));
    const regions = EXAMPLES.map(readmeRegion);
    expect(blocks.length).toBe(EXAMPLES.length);
    for (const block of blocks) expect(regions).toContain(block);
  });

  it.each(['examples/observing-fetch.ts', 'examples/redis-fleet.ts', 'examples/emulator.ts', 'examples/logs-and-metrics.ts', 'examples/events.ts', ...CLIENT_EXAMPLES])(
    'the README snippet in %s is the example, verbatim',
    (file) => {
      expect(readme).toContain('```ts\n' + readmeRegion(file) + '```');
    },
  );

  /**
   * Runs an example with the SDK pointed at the emulator; returns its result, the last stdout line as JSON that is
   * not a pino log line (an example with a pino logger on stdout may log after printing it: logs-and-metrics.ts
   * configures 600 RPM, this emulator reports 500, and the runtime's warning about it can come last).
   */
  async function runExample(file: string, env: Record<string, string> = {}): Promise<unknown> {
    const { stdout } = await run(process.execPath, ['-r', './scripts/register.js', file], {
      cwd: root,
      env: { ...process.env, OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'sk-example', ...env },
      timeout: 30_000,
    });
    const isLog = (line: string) => /^\{"level":\d+,"time":\d+/.test(line);
    return JSON.parse(stdout.trim().split('\n').filter((line) => !isLog(line)).pop()!);
  }

  // each SDK reads its base URL and key from the environment: ANTHROPIC_BASE_URL is the origin, Gemini's too
  it.each(CLIENT_EXAMPLES)('%s streams three answers against the emulator, each completed with its usage settled', async (file) => {
    const env = { ANTHROPIC_BASE_URL: emulator.origin, ANTHROPIC_API_KEY: 'sk-example', GOOGLE_GEMINI_BASE_URL: emulator.origin, GEMINI_API_KEY: 'example' };
    expect(await runExample(file, env)).toEqual({ streamed: 3, completed: 3, usageSettled: 3 });
  }, 40_000);

  it('examples/observing-fetch.ts learns the limits from success headers', async () => {
    expect(await runExample('examples/observing-fetch.ts')).toEqual({ learnedRequestsPerMinute: 500, learnedTokensPerMinute: 200_000 });
  }, 40_000);

  it('examples/logs-and-metrics.ts exposes the llm_ series', async () => {
    const out = (await runExample('examples/logs-and-metrics.ts')) as { series: string[] };
    expect(out.series).toEqual(expect.arrayContaining(['llm_calls_total', 'llm_rate_limited_total', 'llm_ratelimit_remaining_ratio', 'llm_inflight']));
  }, 40_000);

  it('examples/events.ts feeds its own sink from the events: every call counted, the waits for capacity timed', async () => {
    const out = (await runExample('examples/events.ts')) as { completed: number; ok: number; waits: number; retries: number };
    expect(out.completed).toBe(30);
    expect(out.ok).toBe(30); // one onSucceeded per call
    expect(out.waits).toBeGreaterThan(0); // 30 calls at once on a 500 RPM key: the limiter makes them wait
  }, 40_000);

  it('examples/emulator.ts runs a call against its own emulator', async () => {
    const { stdout } = await run(process.execPath, ['-r', './scripts/register.js', 'examples/emulator.ts'], { cwd: root, timeout: 30_000 });
    expect(stdout).toMatch(/succeeded: 1/);
  }, 40_000);

  it('examples/quickstart.ts runs its 30 calls against the emulator through the real openai SDK', async () => {
    const before = emulator.counters().succeeded;
    const { stdout } = await run(process.execPath, ['-r', './scripts/register.js', 'examples/quickstart.ts'], {
      cwd: root,
      env: { ...process.env, OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'sk-example' },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^30 summaries in [\d.]+ s; the first: \S/m);
    expect(emulator.counters().succeeded - before).toBe(30);
  }, 70_000);

  it('examples/quickstart.ts without OPENAI_API_KEY starts the bundled emulator and completes', async () => {
    const { stdout } = await run(process.execPath, ['-r', './scripts/register.js', 'examples/quickstart.ts'], {
      cwd: root,
      env: { ...process.env, OPENAI_BASE_URL: '', OPENAI_API_KEY: '' },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^30 summaries in [\d.]+ s; the first: \S/m);
  }, 70_000);

  // The demo's limits equal the emulator's quota, so its 429 count is a figure at the quota's edge that moves with
  // machine load: `npm run bench -- --only goodput` prints it (row "llm-resilience (named policy)").
  it('npm start (the demo batch) completes every call and reports it beside the SDK alone, and what bound it', async () => {
    const { stdout } = await run(process.execPath, ['-r', './scripts/register.js', 'bin/cli.ts', 'demo', '--calls', '60', '--rpm', '1200', '--tpm', '200000'], {
      cwd: root,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/with llm-resilience\s+openai SDK alone \(maxRetries 2\)/);
    expect(stdout).toMatch(/calls completed\s+60 \/ 60\s+\d+ \/ 60/);
    expect(stdout).toMatch(/calls failed\s+0\s/);
    expect(stdout).toMatch(/429s the provider sent\s+\d+\s+\d+/);
    expect(stdout).toMatch(/wall time\s+[\d.]+ s \(ideal [\d.]+ s, [\d.]+×\)/);
    // 60 calls of ~100 tokens against 200,000 tokens/min and 1,200 requests/min: requests bind, the first second's
    // 20 of them in the provider's initial burst
    expect(stdout).toMatch(/Requests bound this run: beyond the initial burst, 40 requests at 1,200\/min need 2\.0 s/);
    // measured as the provider's quota counts, a run it served is never above the quota, nor faster than the ideal
    const rates = /requests per minute \*\s+([\d,]+) of 1,200 quota\s+([\d,]+) of 1,200 quota\n\s+tokens per minute \*\s+([\d,]+) of 200,000 quota/.exec(stdout);
    expect(rates).not.toBeNull();
    const [ourRequests, sdkRequests, ourTokens] = rates!.slice(1).map((n) => Number(n.replace(/,/g, '')));
    expect(ourRequests).toBeLessThanOrEqual(1200);
    expect(sdkRequests).toBeLessThanOrEqual(1200);
    expect(ourTokens).toBeLessThanOrEqual(200_000);
    const ratio = Number(/wall time\s+[\d.]+ s \(ideal [\d.]+ s, ([\d.]+)×\)/.exec(stdout)![1]);
    expect(ratio).toBeGreaterThanOrEqual(1);
    expect(stdout).toContain("* As the provider's quota counts");
  }, 70_000);

  it('demo --no-compare prints one column', async () => {
    const { stdout } = await run(process.execPath, ['-r', './scripts/register.js', 'bin/cli.ts', 'demo', '--calls', '20', '--rpm', '1200', '--tpm', '200000', '--no-compare'], {
      cwd: root,
      timeout: 60_000,
    });
    expect(stdout).not.toContain('SDK alone');
    expect(stdout).toMatch(/calls completed\s+20 \/ 20\n/);
  }, 70_000);

  it('the CLI prints its version, usage for an unknown command, and demo --help naming the command that was run', async () => {
    const version = await run(process.execPath, ['-r', './scripts/register.js', 'bin/cli.ts', '--version'], { cwd: root });
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
    const env = { ...process.env, npm_lifecycle_event: '' };
    const help = await run(process.execPath, ['-r', './scripts/register.js', 'bin/cli.ts', 'demo', '--help'], { cwd: root, env });
    expect(help.stdout).toMatch(/^Usage: llm-resilience demo \[options\]/);
    expect(help.stdout).toContain('--workers N');
    const viaNpmStart = await run(process.execPath, ['-r', './scripts/register.js', 'bin/cli.ts', 'demo', '--help'], { cwd: root, env: { ...env, npm_lifecycle_event: 'start' } });
    expect(viaNpmStart.stdout).toMatch(/^Usage: npm start -- \[options\]/);
    const bad = (await run(process.execPath, ['-r', './scripts/register.js', 'bin/cli.ts', 'nonsense'], { cwd: root }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "nonsense"');
    expect(bad.stderr).toContain('llm-resilience emulator');
  }, 30_000);
});

describeRedis('the README RedisStore example', 'any', () => {
  let emulator: EmulatorHandle;
  let redis: RedisServerHandle;
  beforeAll(async () => {
    emulator = await startEmulator({ requestsPerMinute: 500, tokensPerMinute: 200_000 });
    redis = await startRedis();
  }, 30_000);
  afterAll(async () => {
    await emulator.close();
    await redis.stop();
  });

  it('examples/redis-fleet.ts runs against a real redis-server and the emulator', async () => {
    const { stdout } = await run(process.execPath, ['-r', './scripts/register.js', 'examples/redis-fleet.ts'], {
      cwd: root,
      env: { ...process.env, OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'sk-example', REDIS_URL: redis.url },
      timeout: 30_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ completed: 3 });
    expect(emulator.counters().succeeded).toBe(3);
  }, 40_000);
});
