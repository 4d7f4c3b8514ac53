/**
 * Proves the package as a user gets it: packs the tarball (`npm pack`, whose prepack builds), checks what it
 * ships, installs it into fresh consumer apps and compiles and runs the README's quick start there (30 calls
 * against the bundled emulator), then runs the installed command line's demo in a pseudo-terminal.
 *
 *   node scripts/consumer-apps.js [--only readme,esm,cjs,tsx,lowest,cli] [--tarball FILE] [--work DIR] [--keep]
 *
 * Apps (each in its own folder under the work dir, all sharing npm's cache):
 * - readme: the README's first screen followed literally, as a user in a non-interactive shell: its quick-start
 *           commands line by line (`npm init -y`, its install lines with whatever TypeScript and @types/node are
 *           latest, `npx tsc --init` with its flags, `npx tsx`, `npx tsc && node`), the only change being the
 *           packed tarball in place of the name `llm-resilience`; its quick-start code; then its
 *           `npx llm-resilience demo` line. Every run prints its 30 summaries (300 for the demo) with no process
 *           warning. Then each tsconfig of the README's "Decorators, either mode" as the whole tsconfig of a
 *           CommonJS and of an ES module app (and the legacy one with `"module": "commonjs", "esModuleInterop":
 *           true` in the CommonJS app, which it allows).
 * - esm:    the same quick-start commands with TypeScript 5.9 (and @types/node 20) pinned in the install line;
 *           also type-checked with skipLibCheck false and with `moduleResolution: bundler`; the tsconfigs too.
 *           gpt-tokenizer installed: exact token counts.
 * - cjs:    CommonJS, `moduleResolution: node10` (TypeScript 5 only: 6 deprecates it, 7 removed it),
 *           `skipLibCheck: false`, experimentalDecorators, and none of the optional peers but openai: the
 *           declarations compile without ioredis/prom-client/gpt-tokenizer, and token counts fall back to
 *           characters / 4. Also: two copies of tsyringe give a clear error.
 * - tsx:    no tsconfig at all, run with tsx (esbuild: standard decorators).
 * - lowest: the lowest version of every peer range and TypeScript 5.0, ESM with `module: nodenext` (where openai
 *           v4 types its fetch option with node-fetch's types) and experimentalDecorators: the quick start and
 *           __tests__/consumer-apps/peers.ts (RedisStore over ioredis, metrics in prom-client, gpt-tokenizer).
 * - cli:    only the package installed: `--version`, help, an unknown command and option (exit 2, named), the
 *           "install openai" message; then openai installed and `llm-resilience demo` run in a pseudo-terminal
 *           (`script` from util-linux, which reports 0 columns: the progress line stays whole), and
 *           `demo --workers 2` when redis-server is on the machine.
 * Exits non-zero on the first failure, printing the failing command's output.
 */
'use strict';

const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');

/**
 * The versions the apps pin. The readme app pins nothing (it installs what the README's lines install: the latest).
 * The lowest ones are the bottoms of package.json's peer ranges.
 */
const VERSIONS = {
  typescript: '5.9.3',
  lowestTypescript: '5.0.4',
  typesNode: '20',
  tsx: '4',
  lowest: { openai: '4.60.0', tsyringe: '4.0.0', 'prom-client': '14.0.0', ioredis: '5.0.0', 'gpt-tokenizer': '3.0.0' },
};

const README = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const QUICKSTART = fs.readFileSync(path.join(root, 'examples/quickstart.ts'), 'utf8');
const PEERS = fs.readFileSync(path.join(root, '__tests__/consumer-apps/peers.ts'), 'utf8');
/** What the quick start prints when its 30 calls completed. */
const QUICKSTART_DONE = /^30 summaries in [\d.]+ s; the first: .+/m;

/** The fenced blocks of the README, in order: language and text. */
function readmeBlocks() {
  return [...README.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1], text: m[2] }));
}

/**
 * The README's first screen as a user copies it: the install line, the quick-start commands (the bash block that
 * starts with `npm init -y`), the TypeScript block after them (the quick start's code), the demo line, and the
 * tsconfigs of "Decorators, either mode".
 */
function readmeQuickstart() {
  const blocks = readmeBlocks();
  const uncomment = (line) => line.replace(/\s+#.*$/, '').trim();
  const at = blocks.findIndex((b) => b.lang === 'bash' && /^npm init -y/.test(b.text));
  if (at < 0) throw new Error('README: no quick-start commands (a bash block starting with `npm init -y`)');
  const commands = blocks[at].text.split('\n').map(uncomment).filter((l) => l !== '' && !l.startsWith('#'));
  const code = blocks.slice(at + 1).find((b) => b.lang === 'ts');
  if (code === undefined) throw new Error('README: no TypeScript block after the quick-start commands');
  const firstBash = blocks.find((b) => b.lang === 'bash');
  const install = uncomment(firstBash.text.split('\n')[0]);
  if (!/^npm install llm-resilience /.test(install)) throw new Error(`README: the first block is not the install line: ${install}`);
  if (!commands.includes(install)) throw new Error(`README: the quick start does not run the install line of the first screen (${install})`);
  const demo = blocks.filter((b) => b.lang === 'bash').flatMap((b) => b.text.split('\n').map(uncomment)).find((l) => /^npx llm-resilience demo$/.test(l));
  if (demo === undefined) throw new Error('README: no `npx llm-resilience demo` line');
  const section = README.slice(README.indexOf('**Decorators, either mode.**'));
  const tsconfigs = [...section.slice(0, section.indexOf('\n## ')).matchAll(/```json\n\s*([\s\S]*?)```/g)].map((m) => m[1].trim());
  if (tsconfigs.length < 2) throw new Error(`README: expected the two tsconfigs of "Decorators, either mode", found ${tsconfigs.length}`);
  for (const t of tsconfigs) JSON.parse(t);
  return { install, commands, code: code.text, demo, tsconfigs };
}

function parseArgs(argv) {
  const args = { only: undefined, tarball: undefined, work: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') args.only = argv[++i].split(',');
    else if (a === '--tarball') args.tarball = path.resolve(argv[++i]);
    else if (a === '--work') args.work = path.resolve(argv[++i]);
    else if (a === '--keep') args.keep = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const env = { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
delete env.npm_lifecycle_event;

function log(message) {
  process.stdout.write(`consumer-apps: ${message}\n`);
}

/** Runs a command; returns { status, stdout, stderr, ms }. Throws (with the output) unless `allowFailure`. */
function run(cmd, args, options = {}) {
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: options.cwd, env: { ...env, ...options.env }, encoding: 'utf8', timeout: options.timeout ?? 300_000, maxBuffer: 64 << 20 });
  const out = { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', ms: Date.now() - started };
  if (result.error !== undefined) throw new Error(`${cmd} ${args.join(' ')}: ${result.error.message}`);
  if (!options.allowFailure && result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${String(result.status)} in ${options.cwd ?? root}\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}`);
  }
  return out;
}

/** The line redraw a terminal progress display writes: carriage return, erase line. */
const REDRAW = '\r\u001b[2K';

/** Checks that a progress line starting with `start` was redrawn in place more than once. */
function expectRedrawn(text, start, what) {
  const redraws = text.split(REDRAW + start).length - 1;
  if (redraws < 2) throw new Error(`${what}: expected a progress line redrawn in place, found ${redraws} in:\n${JSON.stringify(text.slice(0, 2000))}`);
}

function expectMatch(text, pattern, what) {
  if (!pattern.test(text)) throw new Error(`${what}: expected ${String(pattern)} in:\n${text}`);
}

/** Packs the repository (prepack builds) and checks the tarball's contents. */
function pack(work) {
  const result = run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root });
  const [info] = JSON.parse(result.stdout.slice(result.stdout.indexOf('[')));
  const files = info.files.map((f) => f.path);
  const problems = [];
  for (const required of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/src/testing/index.js', 'dist/src/testing/index.d.ts', 'dist/bin/cli.js']) {
    if (!files.includes(required)) problems.push(`missing ${required}`);
  }
  for (const file of files) {
    if (file.endsWith('.map')) problems.push(`source map shipped: ${file}`);
    if (/^dist\/(bin|examples)\/.*\.d\.ts$/.test(file)) problems.push(`declaration of the CLI or demo shipped: ${file}`);
    if (!/^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(file)) problems.push(`unexpected file: ${file}`);
  }
  if (problems.length > 0) throw new Error(`the tarball is wrong:\n  ${problems.join('\n  ')}`);
  const tarball = path.join(work, info.filename);
  log(`packed ${info.filename}: ${info.entryCount} files, ${(info.size / 1024).toFixed(0)} kB packed, ${(info.unpackedSize / 1024).toFixed(0)} kB unpacked (${(result.ms / 1000).toFixed(1)} s, build included)`);
  return tarball;
}

/** Creates an app folder with a package.json and installs `specs` into it. */
function createApp(work, name, pkg, specs) {
  const dir = path.join(work, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: `consumer-${name}`, version: '1.0.0', private: true, ...pkg }, null, 2)}\n`);
  install(dir, specs);
  return dir;
}

function install(dir, specs) {
  const result = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs], { cwd: dir });
  log(`  npm install ${specs.map((s) => (s.endsWith('.tgz') ? path.basename(s) : s)).join(' ')} (${(result.ms / 1000).toFixed(1)} s)`);
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function tsc(dir, args = []) {
  const result = run(process.execPath, [path.join(dir, 'node_modules/typescript/bin/tsc'), ...args], { cwd: dir });
  log(`  tsc ${args.join(' ')} (${(result.ms / 1000).toFixed(1)} s)`);
}

/** Runs the compiled (or tsx-run) quick start and checks its 30 calls completed against the emulator. */
function runQuickstart(dir, cmd, args, check = () => undefined) {
  const result = run(cmd, args, { cwd: dir, env: { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' }, timeout: 120_000 });
  expectMatch(result.stdout, QUICKSTART_DONE, `${path.basename(dir)}: quick start`);
  check(result);
  log(`  ${result.stdout.trim().split('\n').pop()} (process ${(result.ms / 1000).toFixed(1)} s)`);
}

/** The tarball in place of the package's name in an `npm install` line; `pins` give other packages a version. */
function installLine(line, tarball, pins) {
  if (!/^npm (install|i) /.test(line)) return line;
  return line
    .split(/\s+/)
    .map((word) => (word === 'llm-resilience' ? tarball : Object.hasOwn(pins, word) ? `${word}@${pins[word]}` : word))
    .join(' ');
}

/**
 * Follows the README's quick start in a new folder as a user in a non-interactive shell does: saves its code as
 * quickstart.ts and runs its commands one by one with bash. Each command that runs the quick start must print its
 * 30 summaries without a process warning (the install line has gpt-tokenizer: no tokenizer warning either).
 * @param pins - versions to give packages of the install lines (none: the latest, as a user gets).
 * @returns the app's folder.
 */
function followReadme(work, name, tarball, pins = {}) {
  const quickstart = readmeQuickstart();
  const dir = path.join(work, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'quickstart.ts'), quickstart.code);
  for (const line of quickstart.commands) {
    const command = installLine(line, tarball, pins);
    // npm's cache may answer for pinned versions; the latest is asked of the registry, as a user's npm does
    const npmCache = Object.keys(pins).length > 0 ? { npm_config_prefer_offline: 'true' } : {};
    const result = run('bash', ['-c', command], { cwd: dir, env: { OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ...npmCache }, timeout: 300_000 });
    const shown = command.replace(tarball, path.basename(tarball));
    if (!/quickstart\./.test(line)) {
      log(`  $ ${shown} (${(result.ms / 1000).toFixed(1)} s)`);
      continue;
    }
    expectMatch(result.stdout, QUICKSTART_DONE, `${name}: \`${line}\``);
    if (/Warning/.test(result.stderr)) throw new Error(`${name}: \`${line}\` printed a warning:\n${result.stderr}`);
    log(`  $ ${shown}: ${result.stdout.trim().split('\n').pop()} (process ${(result.ms / 1000).toFixed(1)} s)`);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const installed = (p) => JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', p, 'package.json'), 'utf8')).version;
  log(`  "type": ${JSON.stringify(pkg.type)}, TypeScript ${installed('typescript')}, @types/node ${installed('@types/node')}, tsx ${installed('tsx')}, openai ${installed('openai')}, gpt-tokenizer ${installed('gpt-tokenizer')}`);
  return dir;
}

/**
 * Each tsconfig of the README's "Decorators, either mode", used as the whole tsconfig of a CommonJS and of an ES
 * module app (subfolders of `dir`, whose packages they use), and the legacy one with `"module": "commonjs"` in the
 * CommonJS app, as the README allows: each compiles the quick start with the app's TypeScript and runs it.
 */
function readmeTsconfigs(dir) {
  const { tsconfigs, code } = readmeQuickstart();
  const cases = [];
  tsconfigs.forEach((tsconfig, i) => {
    const mode = tsconfig.includes('experimentalDecorators') ? 'legacy' : 'standard';
    for (const type of ['commonjs', 'module']) cases.push({ name: `${mode}-${i}-${type}`, type, tsconfig });
    // the README's words: `"module": "commonjs", "esModuleInterop": true` instead of `"module": "nodenext"`
    const commonjs = tsconfig.replace('"module": "nodenext"', '"module": "commonjs", "esModuleInterop": true');
    if (!README.includes('`"module": "commonjs", "esModuleInterop": true` instead of `"module": "nodenext"`')) throw new Error('README: the CommonJS variant of the legacy tsconfig is not worded as this app builds it');
    if (mode === 'legacy') cases.push({ name: `${mode}-${i}-commonjs-module-commonjs`, type: 'commonjs', tsconfig: commonjs });
  });
  for (const c of cases) {
    const sub = path.join(dir, `tsconfig-${c.name}`);
    fs.rmSync(sub, { recursive: true, force: true });
    fs.mkdirSync(sub);
    writeJson(path.join(sub, 'package.json'), { name: `tsconfig-${c.name}`, version: '1.0.0', private: true, type: c.type });
    fs.writeFileSync(path.join(sub, 'tsconfig.json'), `${c.tsconfig}\n`);
    fs.writeFileSync(path.join(sub, 'quickstart.ts'), code);
    const compiled = run(process.execPath, [path.join(dir, 'node_modules/typescript/bin/tsc'), '-p', sub], { cwd: sub });
    const started = Date.now();
    const result = run(process.execPath, ['quickstart.js'], { cwd: sub, env: { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' }, timeout: 120_000 });
    expectMatch(result.stdout, QUICKSTART_DONE, `tsconfig ${c.tsconfig} in a "${c.type}" app`);
    log(`  tsconfig ${c.name}: tsc ${(compiled.ms / 1000).toFixed(1)} s, ${result.stdout.trim().split('\n').pop().replace(/; the first.*/, '')} (process ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

/** A report figure: `N of M quota` in a row of the demo's table, as numbers (the first column). */
function quotaRow(text, row) {
  const m = new RegExp(`${row}\\s+([\\d,]+) of ([\\d,]+) quota`).exec(text);
  if (m === null) throw new Error(`no "${row}" row in:\n${text}`);
  return m.slice(1).map((n) => Number(n.replace(/,/g, '')));
}

const apps = {
  readme(work, tarball) {
    const dir = followReadme(work, 'readme', tarball);
    readmeTsconfigs(dir);
    // the first screen's demo line, as written (300 calls and the SDK alone beside them), not on a terminal
    const { demo } = readmeQuickstart();
    const result = run('bash', ['-c', demo], { cwd: dir, timeout: 300_000 });
    const text = result.stdout;
    expectMatch(text, /calls completed\s+300 \/ 300\s+\d+ \/ 300/, `readme: \`${demo}\``);
    if (/Warning/.test(result.stderr)) throw new Error(`readme: \`${demo}\` printed a warning:\n${result.stderr}`);
    // counted as the provider's quota counts, a run it served shows no more than the quota
    for (const row of ['requests per minute \\*', 'tokens per minute \\*']) {
      const [rate, quota] = quotaRow(text, row);
      if (rate > quota) throw new Error(`readme: the demo shows ${rate} of ${quota} quota:\n${text}`);
    }
    log(`  $ ${demo}: ${(result.ms / 1000).toFixed(1)} s, ${(text.match(/calls completed.*/) ?? [''])[0].replace(/\s+/g, ' ')}; ${(text.match(/wall time.*/) ?? [''])[0].replace(/\s+/g, ' ')}`);
  },

  esm(work, tarball) {
    const dir = followReadme(work, 'esm', tarball, { typescript: VERSIONS.typescript, '@types/node': VERSIONS.typesNode });
    const tsconfig = fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8');
    if (/"experimentalDecorators"\s*:\s*true/.test(tsconfig)) throw new Error('tsc --init enabled experimentalDecorators');
    tsc(dir, ['--noEmit', '--skipLibCheck', 'false']);
    tsc(dir, ['--noEmit', '--module', 'esnext', '--moduleResolution', 'bundler']);
    readmeTsconfigs(dir);
  },

  cjs(work, tarball) {
    const dir = createApp(work, 'cjs', {}, [tarball, 'openai', `typescript@${VERSIONS.typescript}`, `@types/node@${VERSIONS.typesNode}`]);
    for (const absent of ['ioredis', 'prom-client', 'gpt-tokenizer']) {
      if (fs.existsSync(path.join(dir, 'node_modules', absent))) throw new Error(`cjs: ${absent} was installed; the app must not have it`);
    }
    writeJson(path.join(dir, 'tsconfig.json'), {
      compilerOptions: {
        target: 'es2022',
        module: 'commonjs',
        moduleResolution: 'node10',
        strict: true,
        esModuleInterop: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        skipLibCheck: false,
        types: ['node'],
      },
      files: ['quickstart.ts'],
    });
    fs.writeFileSync(path.join(dir, 'quickstart.ts'), QUICKSTART);
    tsc(dir);
    runQuickstart(dir, process.execPath, ['quickstart.js'], (result) => {
      // without gpt-tokenizer: characters / 4, said once
      if (!result.stderr.includes('LLM_RESILIENCE_TOKENIZER')) throw new Error(`cjs: no tokenizer warning without gpt-tokenizer:\n${result.stderr}`);
    });
    // A second copy of tsyringe (as an app pinned to another version gets): configureResilience says so.
    const nested = path.join(dir, 'node_modules/llm-resilience/node_modules/tsyringe');
    fs.cpSync(path.join(dir, 'node_modules/tsyringe'), nested, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'two-copies.js'),
      "require('reflect-metadata');\nconst { container } = require('tsyringe');\nconst { configureResilience } = require('llm-resilience');\n" +
        "try { configureResilience(container); console.log('no error'); } catch (e) { console.log(e.name + ': ' + e.message); }\n",
    );
    const twoCopies = run(process.execPath, ['two-copies.js'], { cwd: dir });
    expectMatch(twoCopies.stdout, /^PolicyConfigError: .*another copy of tsyringe.*npm dedupe/m, 'cjs: two copies of tsyringe');
    fs.rmSync(nested, { recursive: true });
    log(`  two copies of tsyringe: ${twoCopies.stdout.trim().slice(0, 160)}…`);
  },

  tsx(work, tarball) {
    const dir = createApp(work, 'tsx', {}, [tarball, 'openai', `tsx@${VERSIONS.tsx}`]);
    fs.writeFileSync(path.join(dir, 'quickstart.ts'), QUICKSTART);
    runQuickstart(dir, path.join(dir, 'node_modules/.bin/tsx'), ['quickstart.ts']);
  },

  lowest(work, tarball) {
    const peers = Object.entries(VERSIONS.lowest).map(([name, version]) => `${name}@${version}`);
    const dir = createApp(work, 'lowest', { type: 'module' }, [tarball, ...peers, `typescript@${VERSIONS.lowestTypescript}`, `@types/node@${VERSIONS.typesNode}`]);
    writeJson(path.join(dir, 'tsconfig.json'), {
      compilerOptions: {
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        esModuleInterop: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        skipLibCheck: false,
        types: ['node'],
      },
      files: ['quickstart.ts', 'peers.ts'],
    });
    fs.writeFileSync(path.join(dir, 'quickstart.ts'), QUICKSTART);
    fs.writeFileSync(path.join(dir, 'peers.ts'), PEERS);
    tsc(dir);
    runQuickstart(dir, process.execPath, ['quickstart.js']);
    const peersRun = run(process.execPath, ['peers.js'], { cwd: dir, timeout: 60_000 });
    const out = JSON.parse(peersRun.stdout.trim().split('\n').pop());
    if (!(out.series > 0) || out.helloWorldTokens !== 2) throw new Error(`lowest: peers.js printed ${peersRun.stdout}`);
    log(`  peers at ${peers.join(', ')}, TypeScript ${VERSIONS.lowestTypescript}: ${out.series} llm_ series, exact token counts`);
  },

  async cli(work, tarball) {
    const dir = createApp(work, 'cli', {}, [tarball]);
    const bin = path.join(dir, 'node_modules/.bin/llm-resilience');
    const version = run(bin, ['--version'], { cwd: dir });
    const expected = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
    if (version.stdout.trim() !== expected) throw new Error(`cli: --version printed ${JSON.stringify(version.stdout)}`);
    expectMatch(run(bin, ['demo', '--help'], { cwd: dir }).stdout, /^Usage: llm-resilience demo \[options\]/, 'cli: demo --help');
    expectMatch(run(bin, ['--help'], { cwd: dir }).stdout, /llm-resilience demo \[options\][\s\S]*llm-resilience emulator/, 'cli: --help');
    const unknownCommand = run(bin, ['bogus'], { cwd: dir, allowFailure: true });
    if (unknownCommand.status !== 2) throw new Error(`cli: an unknown command exited ${String(unknownCommand.status)}`);
    expectMatch(unknownCommand.stderr, /^llm-resilience: unknown command "bogus"/, 'cli: an unknown command is named');
    const typo = run(bin, ['demo', '--call', '20'], { cwd: dir, allowFailure: true });
    if (typo.status !== 2 || typo.stdout !== '') throw new Error(`cli: demo --call 20 exited ${String(typo.status)} with ${JSON.stringify(typo.stdout.slice(0, 200))}`);
    expectMatch(typo.stderr, /unknown option "--call" \(did you mean --calls\?\)/, 'cli: an unknown option is refused');
    const withoutOpenai = run(bin, ['demo'], { cwd: dir, allowFailure: true });
    if (withoutOpenai.status !== 1) throw new Error(`cli: demo without openai exited ${String(withoutOpenai.status)}`);
    expectMatch(withoutOpenai.stderr, /needs the openai package[\s\S]*npm install openai/, 'cli: demo without openai');
    log('  --version, --help, demo --help, an unknown command and option (exit 2) and the "npm install openai" message: ok');
    install(dir, ['openai']);
    // A pseudo-terminal, as in a user's shell: the progress line is redrawn in place.
    const demo = run('script', ['-qec', `${bin} demo --calls 60`, '/dev/null'], { cwd: dir, timeout: 180_000 });
    const text = demo.stdout.replace(/\r\n/g, '\n');
    expectRedrawn(text, 'llm-resilience [', 'cli: progress bar on a terminal');
    // `script` gives a terminal of 0 columns: the line is left whole, never cut to "0 faile"
    if (/faile(?!d)/.test(text)) throw new Error(`cli: the progress line was cut:\n${JSON.stringify(text.slice(0, 2000))}`);
    expectMatch(text, /llm-resilience \[#+\] 60\/60 calls \| 0 failed\n/, 'cli: the last progress line, whole');
    expectMatch(text, /calls completed\s+60 \/ 60\s+\d+ \/ 60/, 'cli: demo report, both columns');
    expectMatch(text, /(Tokens|Requests) bound this run/, 'cli: which limit bound the run');
    log(`  demo in a pseudo-terminal: ${(demo.ms / 1000).toFixed(1)} s, ${(text.match(/calls completed.*/) ?? [''])[0].replace(/\s+/g, ' ')}`);
    if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
      log('  demo --workers: skipped (no redis-server on this machine)');
      return;
    }
    install(dir, ['ioredis']);
    const port = await freePort();
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    try {
      await waitForPort(port);
      const workers = run('script', ['-qec', `${bin} demo --calls 60 --workers 2 --redis redis://127.0.0.1:${port}`, '/dev/null'], { cwd: dir, timeout: 180_000 });
      const wtext = workers.stdout.replace(/\r\n/g, '\n');
      expectMatch(wtext, /starting 2 worker processes/, 'cli: --workers says it starts');
      expectRedrawn(wtext, 'summarising [', 'cli: --workers shows progress');
      expectMatch(wtext, /summarising \[#+-*\] [1-9]\d*\/60 calls/, 'cli: --workers counts calls as they finish');
      expectMatch(wtext, /calls completed\s+60 \/ 60/, 'cli: --workers report');
      log(`  demo --workers 2 in a pseudo-terminal: ${(workers.ms / 1000).toFixed(1)} s, progress shown, 60 / 60`);
    } finally {
      redis.kill();
    }
  },
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis-server did not listen on ${port}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const names = args.only ?? Object.keys(apps);
  for (const name of names) if (!Object.hasOwn(apps, name)) throw new Error(`unknown app ${name}; apps: ${Object.keys(apps).join(', ')}`);
  const work = args.work ?? fs.mkdtempSync(path.join(os.tmpdir(), 'llmr-consumers-'));
  fs.mkdirSync(work, { recursive: true });
  const started = Date.now();
  log(`node ${process.version}, npm ${execFileSync('npm', ['--version'], { encoding: 'utf8', env }).trim()}, work dir ${work}`);
  try {
    const tarball = args.tarball ?? pack(work);
    let passed = 0;
    for (const name of names) {
      const appStarted = Date.now();
      log(`${name}:`);
      await apps[name](work, tarball);
      passed++;
      log(`${name}: passed (${((Date.now() - appStarted) / 1000).toFixed(1)} s)`);
    }
    log(`all ${passed} apps passed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    if (!args.keep && args.work === undefined) fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`consumer-apps: FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
