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

function numberFlag(args: string[], name: string, fallback: number, check: (n: number) => boolean): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!check(n)) throw new Error(`${name} needs a valid number, got ${JSON.stringify(args[i + 1])}`);
  return n;
}

function stringFlag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

/** Parses the demo's flags; throws with a readable message on bad input. */
export function parseDemoOptions(args: string[]): DemoOptions {
  const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
  const live = args.includes('--live');
  const workerIndex = stringFlag(args, '--worker-index');
  const emulatorUrl = stringFlag(args, '--emulator-url');
  const options: DemoOptions = {
    calls: numberFlag(args, '--calls', live ? 20 : 300, positiveInt),
    rpm: numberFlag(args, '--rpm', 1500, positiveInt),
    tpm: numberFlag(args, '--tpm', 90_000, positiveInt),
    faults: numberFlag(args, '--faults', 0, (n) => Number.isFinite(n) && n >= 0 && n < 1),
    workers: numberFlag(args, '--workers', 1, positiveInt),
    redis: stringFlag(args, '--redis'),
    live,
    model: stringFlag(args, '--model') ?? 'gpt-4o-mini',
    help: args.includes('--help') || args.includes('-h'),
    compare: !args.includes('--no-compare') && !live,
    sdkRetries: numberFlag(args, '--sdk-retries', 2, (n) => Number.isInteger(n) && n >= 0),
    worker: workerIndex !== undefined && emulatorUrl !== undefined ? { index: Number(workerIndex), emulatorUrl } : undefined,
  };
  if (options.workers > 1 && options.redis === undefined) throw new Error('--workers needs --redis URL (the processes share the limit through Redis)');
  if (options.live && process.env.OPENAI_API_KEY === undefined) throw new Error('--live needs OPENAI_API_KEY in the environment');
  return options;
}
