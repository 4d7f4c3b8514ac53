import { UsageError, numberFlag, parseFlags, stringFlag, type FlagSpec } from '../../bin/args';

/** Command-line options of the demo batch. */
export interface DemoOptions {
  readonly calls: number;
  readonly rpm: number;
  readonly tpm: number;
  readonly faults: number;
  readonly workers: number;
  readonly redis: string | undefined;
  readonly live: boolean;
  readonly model: string;
  readonly help: boolean;
  /** Also run the same batch through the SDK's own retries, without llm-resilience, and report both. */
  readonly compare: boolean;
  /** The SDK's `maxRetries` in that comparison (the openai SDK's default is 2). */
  readonly sdkRetries: number;
  /** Internal: run as worker `index` of a multi-process batch against `emulatorUrl`. */
  readonly worker: { readonly index: number; readonly emulatorUrl: string } | undefined;
}

/** Usage text of the demo, for the command the user ran (`llm-resilience demo`, or `npm start --` in a clone). */
export function demoUsage(command: string): string {
  return `Usage: ${command} [options]

Runs a batch of support-ticket summaries through the real openai SDK, held at a provider quota by
llm-resilience, against an embedded provider emulator (no API key needed). Then runs the same batch through the
SDK's own retries alone, against a fresh emulator with the same quota, and prints both side by side.

Options:
  --calls N          tickets to summarise (default 300; 20 with --live)
  --rpm N            emulator requests per minute (default 1500)
  --tpm N            emulator tokens per minute (default 90000)
  --faults RATE      fraction of requests the emulator fails with 500/529/dropped connections (e.g. 0.05)
  --no-compare       skip the run through the SDK's own retries
  --sdk-retries N    the SDK's maxRetries in that run (default 2, the openai SDK's default)
  --workers N        run N processes sharing one Redis-backed limit (needs --redis and the ioredis package)
  --redis URL        Redis for --workers (e.g. redis://127.0.0.1:6379)
  --live             call the real OpenAI API instead (needs OPENAI_API_KEY; small and cheap by default; no comparison)
  --model NAME       model name (default gpt-4o-mini)
  --help             this text
`;
}

/** The flags the demo knows (`--worker-index` and `--emulator-url` are internal: the workers' own command line). */
const DEMO_FLAGS: FlagSpec = {
  '--calls': 'value',
  '--rpm': 'value',
  '--tpm': 'value',
  '--faults': 'value',
  '--no-compare': 'switch',
  '--sdk-retries': 'value',
  '--workers': 'value',
  '--redis': 'value',
  '--live': 'switch',
  '--model': 'value',
  '--help': 'switch',
  '-h': 'switch',
  '--worker-index': 'value',
  '--emulator-url': 'value',
};

/**
 * Parses the demo's flags.
 * @param args - the arguments after `demo`.
 * @throws UsageError on an unknown flag, a missing or invalid value, or a combination that cannot run.
 */
export function parseDemoOptions(args: readonly string[]): DemoOptions {
  const flags = parseFlags(args, DEMO_FLAGS);
  const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
  const live = flags.has('--live');
  const workerIndex = stringFlag(flags, '--worker-index');
  const emulatorUrl = stringFlag(flags, '--emulator-url');
  const options: DemoOptions = {
    calls: numberFlag(flags, '--calls', live ? 20 : 300, positiveInt, 'a whole number above 0'),
    rpm: numberFlag(flags, '--rpm', 1500, positiveInt, 'a whole number above 0'),
    tpm: numberFlag(flags, '--tpm', 90_000, positiveInt, 'a whole number above 0'),
    faults: numberFlag(flags, '--faults', 0, (n) => Number.isFinite(n) && n >= 0 && n < 1, 'a fraction from 0 to below 1'),
    workers: numberFlag(flags, '--workers', 1, positiveInt, 'a whole number above 0'),
    redis: stringFlag(flags, '--redis'),
    live,
    model: stringFlag(flags, '--model') ?? 'gpt-4o-mini',
    help: flags.has('--help') || flags.has('-h'),
    compare: !flags.has('--no-compare') && !live,
    sdkRetries: numberFlag(flags, '--sdk-retries', 2, (n) => Number.isInteger(n) && n >= 0, 'a whole number from 0'),
    worker: workerIndex !== undefined && emulatorUrl !== undefined ? { index: Number(workerIndex), emulatorUrl } : undefined,
  };
  if (options.help) return options;
  if (options.workers > 1 && options.redis === undefined) throw new UsageError('--workers needs --redis URL (the processes share the limit through Redis)');
  if (options.live && process.env.OPENAI_API_KEY === undefined) throw new UsageError('--live needs OPENAI_API_KEY in the environment');
  return options;
}
