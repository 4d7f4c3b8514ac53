#!/usr/bin/env node
/**
 * `llm-resilience` command line: `emulator` starts the provider emulator on its own; `demo` runs the batch.
 * Installed, it is `npx llm-resilience …`; in a clone of the repository, `npm start -- …` runs `demo`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDemoOptions, demoUsage } from '../examples/demo/options';
import { startEmulator } from '../src/testing';
import { UsageError, closest, numberFlag, parseFlags, stringFlag, type FlagSpec } from './args';

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

/** The flags of `llm-resilience emulator`. */
const EMULATOR_FLAGS: FlagSpec = {
  '--rpm': 'value',
  '--tpm': 'value',
  '--port': 'value',
  '--slice-ms': 'value',
  '--latency-ms': 'value',
  '--faults': 'value',
  '--help': 'switch',
  '-h': 'switch',
};

const EMULATOR_USAGE = `Usage: llm-resilience emulator [--rpm 500] [--tpm 30000] [--port 8080] [--slice-ms 1000] [--latency-ms 20,40] [--faults RATE]

An OpenAI-compatible server with realistic rate limits, for testing any client against them (Ctrl-C stops it).
`;

/** `--latency-ms 20,40` (a range) or `--latency-ms 30` (fixed). */
function latencyFlag(raw: string | undefined): [number, number] {
  const parts = (raw ?? '20,40').split(',').map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
  if (parts.length > 2 || parts.some((n) => !Number.isFinite(n) || n < 0) || (parts.length === 2 && parts[0] > parts[1])) {
    throw new UsageError(`--latency-ms needs a number of ms or a range MIN,MAX, got ${JSON.stringify(raw)}`);
  }
  return [parts[0], parts[1] ?? parts[0]];
}

async function emulatorCommand(args: string[]): Promise<void> {
  const flags = parseFlags(args, EMULATOR_FLAGS);
  if (flags.has('--help') || flags.has('-h')) {
    process.stdout.write(EMULATOR_USAGE);
    return;
  }
  const positive = (n: number) => Number.isFinite(n) && n > 0;
  const faults = numberFlag(flags, '--faults', 0, (n) => Number.isFinite(n) && n >= 0 && n < 1, 'a fraction from 0 to below 1');
  const emulator = await startEmulator({
    port: numberFlag(flags, '--port', 8080, (n) => Number.isInteger(n) && n >= 0 && n < 65_536, 'a port number (0 for any free port)'),
    requestsPerMinute: numberFlag(flags, '--rpm', 500, positive, 'a number above 0'),
    tokensPerMinute: numberFlag(flags, '--tpm', 30_000, positive, 'a number above 0'),
    sliceMs: numberFlag(flags, '--slice-ms', 1000, (n) => Number.isFinite(n) && n >= 0, 'a number of ms from 0 (0: no slices)'),
    latencyMs: latencyFlag(stringFlag(flags, '--latency-ms')),
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

/** How the user ran `command`, for the messages of a usage error: `llm-resilience demo` (or `npm start --`). */
function commandName(command: string | undefined): string {
  if (command === 'demo') return demoCommandName;
  if (command === 'emulator') return 'llm-resilience emulator';
  return 'llm-resilience';
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
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const suggestion = closest(command, ['demo', 'emulator', '--version', '--help']);
  process.stderr.write(`llm-resilience: unknown command ${JSON.stringify(command)}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}\n\n${USAGE}`);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    const name = commandName(process.argv[2]);
    process.stderr.write(`${name.replace(/ --$/, '')}: ${error.message}\n${name} --help lists the options.\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`llm-resilience: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
