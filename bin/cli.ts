#!/usr/bin/env node
/**
 * `llm-resilience` command line: `emulator` starts the provider emulator on its own; `demo` runs the batch.
 * Installed, it is `npx llm-resilience …`; in a clone of the repository, `npm start -- …` runs `demo`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDemoOptions, demoUsage } from '../examples/demo/options';
import { startEmulator } from '../src/testing';

/** How the user ran the demo, for its help text: `npm start --` in a clone, else the installed command. */
const demoCommandName = process.env.npm_lifecycle_event === 'start' ? 'npm start --' : 'llm-resilience demo';

const USAGE = `Usage:
  llm-resilience demo [options]
      A batch of calls held at an emulated quota by llm-resilience, beside the same batch through the SDK's own
      retries, then a report (no API key needed). Options: llm-resilience demo --help
  llm-resilience emulator [--rpm 500] [--tpm 30000] [--port 8080] [--slice-ms 1000] [--latency-ms 20,40] [--faults RATE]
      An OpenAI-compatible server with realistic rate limits, for testing any client against them.
  llm-resilience --version
`;

/** This package's version, from the package.json above this file (`bin/` in a clone, `dist/bin/` installed). */
function version(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'llm-resilience') return pkg.version ?? 'unknown';
  }
  return 'unknown';
}

/** Whether a package the demo needs is installed; prints how to install it when not. */
function installed(name: string, what: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    process.stderr.write(`llm-resilience: ${what} needs the ${name} package, which is not installed.\n  npm install ${name}\n`);
    process.exitCode = 1;
    return false;
  }
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

async function emulatorCommand(args: string[]): Promise<void> {
  const num = (name: string, fallback: number) => {
    const raw = flag(args, name);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} needs a number ≥ 0, got ${JSON.stringify(raw)}`);
    return n;
  };
  const latency = (flag(args, '--latency-ms') ?? '20,40').split(',').map(Number);
  const faults = num('--faults', 0);
  const emulator = await startEmulator({
    port: num('--port', 8080),
    requestsPerMinute: num('--rpm', 500),
    tokensPerMinute: num('--tpm', 30_000),
    sliceMs: num('--slice-ms', 1000),
    latencyMs: latency.length === 2 ? [latency[0], latency[1]] : [latency[0], latency[0]],
    faults: faults > 0 ? { serverError: faults / 3, overloaded: faults / 3, drop: faults / 3 } : undefined,
  });
  process.stdout.write(`llm-resilience emulator listening: baseURL ${emulator.url} (Ctrl-C to stop)\n`);
  const stop = () => {
    const c = emulator.counters();
    process.stdout.write(`\nrequests ${c.requests}, succeeded ${c.succeeded}, 429s ${c.rateLimited}, 5xx ${c.serverErrors}, dropped ${c.dropped}\n`);
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function demoCommand(args: string[]): Promise<void> {
  const options = parseDemoOptions(args);
  if (options.help) {
    process.stdout.write(demoUsage(demoCommandName));
    return;
  }
  if (!installed('openai', 'the demo (it calls the API through the openai SDK)')) return;
  if (options.workers > 1 && !installed('ioredis', 'demo --workers (the processes share the limit through Redis)')) return;
  const { runDemoCommand } = await import('../examples/demo/command');
  const report = await runDemoCommand(options);
  process.exitCode = report !== undefined && report.failed > 0 ? 1 : 0;
}

async function main(argv: string[]): Promise<void> {
  const command = argv.at(0);
  const args = argv.slice(1);
  if (command === 'emulator') return emulatorCommand(args);
  if (command === 'demo') return demoCommand(args);
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${version()}\n`);
    return;
  }
  process.stdout.write(USAGE);
  if (command !== undefined && command !== '--help' && command !== '-h' && command !== 'help') process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`llm-resilience: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
