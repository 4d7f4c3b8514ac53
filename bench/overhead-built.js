/**
 * Part 2c: per-call overhead measured the way an application sees it. Plain JavaScript (CommonJS), no
 * TypeScript hook, no source maps: the package is built with `tsconfig.build.json` into a temp dir, installed
 * there as `node_modules/llm-resilience` (package.json + dist, resolved through its `exports` map), and
 * required from a consumer directory in a fresh `node` process. The three decorators are applied by hand in
 * the legacy call shape TypeScript's `experimentalDecorators` emits (innermost first, then
 * `Object.defineProperty`).
 *
 * Contenders, interleaved in ONE process (the order rotates each round and reverses every other round): the
 * bare async call, our full stack (`@AdaptiveRetry`, `@RateLimited`, `@TokenBudget`, in-memory store, limits
 * never reached), rate-limiter-flexible's `RateLimiterMemory.consume` in three shapes — the reference, the bare
 * method with `await limiter.consume(key)` as its first line; a wrapper that awaits consume then returns the bare
 * call's promise; consume awaited alone — and cockatiel's retry. Each round is `calls` sequential awaits per
 * contender; after a warm-up, `rounds` rounds; best round and median round reported. The whole measurement runs
 * in `processes` fresh processes one after the other (default 3): on a shared machine one process's ratio can be
 * ±0.15 off another's, so every process's ratio is printed and the table is the median process's.
 *
 * Standalone: `node bench/overhead-built.js [--quick]`. As a bench part: `npm run bench -- --only overhead-built`.
 * Switches that change one factor (for the investigation in bench/README.md, "Why two harnesses disagreed"):
 *   --source-maps     process.setSourceMapsEnabled(true) in the measuring process (what scripts/register.js does)
 *   --sources         load the TypeScript sources through scripts/register.js instead of the built package
 *   --async-context   configureResilience({ asyncContext: true }) (AsyncLocalStorage on for the whole process)
 *   --gc              run with --expose-gc and collect before every measured batch
 *   --rounds N        rounds (default 3)      --calls N   sequential awaits per contender per round (default 200000)
 *   --processes N     measuring processes (default 3; --quick 1)
 * Internal: `--child <consumer dir>` is the measuring process.
 */
'use strict';

const { execFileSync, fork } = require('node:child_process');
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const REGISTER = path.join(ROOT, 'scripts', 'register.js');

const BARE = 'bare async call';
const OURS = 'llm-resilience: all three decorators (built package)';
const RLF = 'rate-limiter-flexible: await consume(key) in the method';
const RLF_WRAPPER = 'rate-limiter-flexible: wrapper, await consume(key) then return method()';
const RLF_ALONE = 'rate-limiter-flexible: await consume(key) alone, no call after it';
const COCKATIEL = 'cockatiel: retry(handleAll, 3 attempts).execute';

const RESULT = Object.freeze({ id: 'chatcmpl-bench', usage: Object.freeze({ total_tokens: 10 }) });
const KEY = 'bench:overhead';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function sequential(call, n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call();
  return Number(process.hrtime.bigint() - start) / n;
}

/** Loads the package as a consumer in `consumerDir` would (or the sources, with --sources). */
function loadPackage(consumerDir, sources) {
  const consumerRequire = Module.createRequire(path.join(consumerDir, 'main.js'));
  const entry = consumerRequire.resolve('llm-resilience');
  const expected = sources ? path.join(ROOT, 'index.ts') : fs.realpathSync(path.join(consumerDir, 'node_modules', 'llm-resilience', 'dist', 'index.js'));
  if (entry !== expected) throw new Error(`llm-resilience resolved to ${entry}, expected ${expected}`);
  return { lib: consumerRequire('llm-resilience'), entry };
}

/** Our full stack, decorated by hand as compiled TypeScript (legacy decorators) would. */
function ourStack(lib, asyncContext) {
  const { AdaptiveRetry, RateLimited, TokenBudget, configureResilience } = lib;
  configureResilience(undefined, { policies: { [KEY]: { requestsPerMinute: 1e12, tokensPerMinute: 1e15 } }, asyncContext });
  class Service {
    async full() {
      return RESULT;
    }
  }
  const decorators = [AdaptiveRetry({ maxRetries: 3 }), RateLimited({ key: KEY }), TokenBudget({ key: KEY, estimate: () => 10 })];
  let descriptor = Object.getOwnPropertyDescriptor(Service.prototype, 'full');
  for (let i = decorators.length - 1; i >= 0; i--) descriptor = decorators[i](Service.prototype, 'full', descriptor) || descriptor;
  Object.defineProperty(Service.prototype, 'full', descriptor);
  const service = new Service();
  return () => service.full();
}

/** The measuring process. */
async function child(argv) {
  const consumerDir = argv[argv.indexOf('--child') + 1];
  const options = JSON.parse(argv[argv.indexOf('--options') + 1]);
  if (options.sourceMaps) process.setSourceMapsEnabled(true);
  const { lib, entry } = loadPackage(consumerDir, options.sources);
  const { ExponentialBackoff, handleAll, retry } = require('cockatiel');
  const { RateLimiterMemory } = require('rate-limiter-flexible');

  const bare = async () => RESULT;
  const limiter = new RateLimiterMemory({ points: 1e12, duration: 60 });
  const policy = retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() });
  const calls = {
    [BARE]: bare,
    [OURS]: ourStack(lib, options.asyncContext),
    // what an application writes: the method, with the limiter's consume as its first line
    [RLF]: async () => {
      await limiter.consume(KEY);
      return RESULT;
    },
    // a wrapper around the unchanged method: one more async function and a promise returned from it
    [RLF_WRAPPER]: async () => {
      await limiter.consume(KEY);
      return bare();
    },
    [RLF_ALONE]: () => limiter.consume(KEY),
    [COCKATIEL]: () => policy.execute(bare),
  };
  const names = Object.keys(calls);
  for (const name of names) {
    const value = await calls[name]();
    if (value !== RESULT && name !== RLF_ALONE) throw new Error(`${name} returned ${String(value)}`);
  }
  const gc = options.gc ? globalThis.gc : undefined;
  if (options.gc && typeof gc !== 'function') throw new Error('--gc needs node --expose-gc');
  const warmUp = Math.min(options.calls, 50_000);
  for (const name of names) await sequential(calls[name], warmUp);
  const perRound = new Map(names.map((n) => [n, []]));
  for (let round = 0; round < options.rounds; round++) {
    // rotated, and reversed every other round: rotation alone keeps every contender after the same neighbour
    const rotated = names.map((_, i) => names[(i + round) % names.length]);
    const order = round % 2 === 0 ? rotated : rotated.reverse();
    for (const name of order) {
      if (gc !== undefined) gc();
      perRound.get(name).push(await sequential(calls[name], options.calls));
    }
  }
  const best = (n) => Math.min(...perRound.get(n));
  const mid = (n) => median(perRound.get(n));
  const rlfBest = best(RLF) - best(BARE);
  const rlfMedian = mid(RLF) - mid(BARE);
  const rows = names.map((name) => ({
    contender: name,
    roundsNs: perRound.get(name),
    bestNs: best(name),
    medianNs: mid(name),
    bestOverNs: best(name) - best(BARE),
    medianOverNs: mid(name) - mid(BARE),
    bestRatio: (best(name) - best(BARE)) / rlfBest,
    medianRatio: (mid(name) - mid(BARE)) / rlfMedian,
  }));
  const ours = rows.find((r) => r.contender === OURS);
  const vs = (reference) => (mid(OURS) - mid(BARE)) / (mid(reference) - mid(BARE));
  /** @type {import('./overhead-built').BuiltResult} */
  const result = {
    sizes: { rounds: options.rounds, calls: options.calls, warmUp },
    conditions: {
      sourceMaps: process.sourceMapsEnabled === true,
      sources: options.sources,
      asyncContext: options.asyncContext,
      gc: options.gc,
      loadedFrom: entry,
      node: process.version,
      execArgv: process.execArgv,
    },
    rows,
    ratio: { best: ours.bestRatio, median: ours.medianRatio },
    otherRatios: { wrapper: vs(RLF_WRAPPER), consumeAlone: vs(RLF_ALONE) },
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  if (process.send !== undefined) process.send({ type: 'result', result }, () => process.disconnect());
  else console.log(JSON.stringify(result));
}

/**
 * Builds the package into a temp dir laid out like an installed dependency; returns the consumer dir and a
 * clean-up function.
 */
function installBuiltPackage() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'llmr-overhead-built-'));
  const consumer = path.join(work, 'consumer');
  const pkg = path.join(consumer, 'node_modules', 'llm-resilience');
  fs.mkdirSync(pkg, { recursive: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(pkg, 'dist')], { stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    fs.rmSync(work, { recursive: true, force: true });
    throw new Error(`the package does not build (tsc -p tsconfig.build.json):\n${error.stdout || error.message}`, { cause: error });
  }
  fs.cpSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
  // the package's own dependencies (tsyringe, reflect-metadata, pino) resolve from the repository's node_modules
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
  return { consumer, cleanUp: () => fs.rmSync(work, { recursive: true, force: true }) };
}

/**
 * Builds the package, measures in a fresh plain `node` process, and resolves with the figures.
 * @param {import('./overhead-built').BuiltOptions} input
 * @returns {Promise<import('./overhead-built').BuiltResult>}
 */
async function runOverheadBuilt(input) {
  const options = {
    rounds: input.rounds ?? 3,
    calls: input.calls ?? (input.quick ? 20_000 : 200_000),
    sourceMaps: input.sourceMaps === true,
    sources: input.sources === true,
    asyncContext: input.asyncContext === true,
    gc: input.gc === true,
  };
  const processes = input.processes ?? (input.quick ? 1 : 3);
  const { consumer, cleanUp } = installBuiltPackage();
  try {
    const runs = [];
    for (let i = 0; i < processes; i++) runs.push(await measureInChild(consumer, options));
    // the table shows the process with the median ratio; every process's figures are kept
    const byRatio = [...runs].sort((a, b) => a.ratio.median - b.ratio.median);
    const middle = byRatio[(byRatio.length - 1) >> 1];
    return {
      ...middle,
      processes: runs.map((r) => {
        const over = (prefix) => r.rows.find((row) => row.contender.startsWith(prefix)).medianOverNs;
        return { ratio: r.ratio, otherRatios: r.otherRatios, oursOverNs: over('llm-resilience'), referenceOverNs: over(RLF), loadAverage: r.loadAverage };
      }),
    };
  } finally {
    cleanUp();
  }
}

/** One measuring process: a plain `node` (no hook unless --sources), run from the consumer dir. */
function measureInChild(consumer, options) {
  const execArgv = [...(options.gc ? ['--expose-gc'] : []), ...(options.sources ? ['-r', REGISTER] : [])];
  // execArgv given explicitly: nothing of the parent's (-r register.js, --expose-gc) leaks into the child
  const proc = fork(__filename, ['--child', consumer, '--options', JSON.stringify(options)], { cwd: consumer, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result;
    const timer = setTimeout(() => proc.kill('SIGKILL'), 600_000);
    proc.on('message', (message) => {
      if (message && message.type === 'result') result = message.result;
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (result !== undefined) resolve(result);
      else reject(new Error(`overhead-built.js exited (${code ?? signal}) without a result`));
    });
  });
}

function pad(text, width, right) {
  return right ? text.padStart(width) : text.padEnd(width);
}

/**
 * The printable table and summary.
 * @param {import('./overhead-built').BuiltResult} result
 * @returns {string}
 */
function overheadBuiltTable(result) {
  const header = ['contender', 'best ns/call', 'overhead ns', '÷ RLF', 'median ns/call', 'overhead ns', '÷ RLF', 'rounds ns/call'];
  const rows = result.rows.map((r) => {
    const isBare = r.contender === BARE;
    return [
      r.contender,
      r.bestNs.toFixed(0),
      isBare ? '–' : r.bestOverNs.toFixed(0),
      isBare ? '–' : r.bestRatio.toFixed(2),
      r.medianNs.toFixed(0),
      isBare ? '–' : r.medianOverNs.toFixed(0),
      isBare ? '–' : r.medianRatio.toFixed(2),
      r.roundsNs.map((ns) => ns.toFixed(0)).join(' / '),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => pad(c, widths[i], i > 0 && i < header.length - 1)).join('  ');
  const c = result.conditions;
  const flags = [c.sources ? 'TypeScript sources via register.js' : 'built package', `source maps ${c.sourceMaps ? 'on' : 'off'}`, `asyncContext ${c.asyncContext ? 'on' : 'off'}`, c.gc ? 'gc before each batch' : 'no forced gc'];
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    `Our full stack's overhead ÷ rate-limiter-flexible's (\`await consume(key)\` in the method): best of ${result.sizes.rounds} ${result.ratio.best.toFixed(2)}, median ${result.ratio.median.toFixed(2)}; ` +
      `against the wrapper ${result.otherRatios.wrapper.toFixed(2)}, against consume alone ${result.otherRatios.consumeAlone.toFixed(2)} (median). ` +
      `${result.sizes.calls.toLocaleString('en-US')} sequential awaits per contender per round; ${flags.join(', ')}; ` +
      `loaded from ${path.relative(os.tmpdir(), c.loadedFrom).startsWith('..') ? path.relative(ROOT, c.loadedFrom) : `$TMPDIR/${path.relative(os.tmpdir(), c.loadedFrom)}`}.`,
    `Per process (${result.processes.length}, one after the other; the table is the median one): ` +
      result.processes
        .map((p) => `${p.ratio.median.toFixed(2)} (ours ${p.oursOverNs.toFixed(0)} ns, reference ${p.referenceOverNs.toFixed(0)} ns; load ${p.loadAverage[0]})`)
        .join(', ') +
      '.',
  ].join('\n');
}

function parseCli(argv) {
  const number = (flag, fallback) => {
    const at = argv.indexOf(flag);
    if (at < 0) return fallback;
    const value = Number(argv[at + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} needs a positive integer`);
    return value;
  };
  return {
    quick: argv.includes('--quick'),
    rounds: number('--rounds', undefined),
    calls: number('--calls', undefined),
    processes: number('--processes', undefined),
    sourceMaps: argv.includes('--source-maps'),
    sources: argv.includes('--sources'),
    asyncContext: argv.includes('--async-context'),
    gc: argv.includes('--gc'),
  };
}

module.exports = { runOverheadBuilt, overheadBuiltTable };

if (require.main === module) {
  const argv = process.argv.slice(2);
  const run = argv.includes('--child')
    ? child(argv)
    : runOverheadBuilt(parseCli(argv)).then((result) => {
        console.log(overheadBuiltTable(result));
        if (argv.includes('--json')) console.log(JSON.stringify(result));
      });
  run.catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
