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
  /** Internal: run as worker `index` of a multi-process batch against `emulatorUrl`. */
  readonly worker: { readonly index: number; readonly emulatorUrl: string } | undefined;
}

/** Usage text of `llm-resilience demo` / `npm start`. */
export const DEMO_USAGE = `Usage: npm start -- [options]      (or: npx llm-resilience demo [options])

Runs a batch of support-ticket summaries through the real openai SDK, held at a provider quota by
llm-resilience, against an embedded provider emulator (no API key needed), then prints a report.

Options:
  --calls N        tickets to summarise (default 300; 20 with --live)
  --rpm N          emulator requests per minute (default 1500)
  --tpm N          emulator tokens per minute (default 90000)
  --faults RATE    fraction of requests the emulator fails with 500/529/dropped connections (e.g. 0.05)
  --workers N      run N processes sharing one Redis-backed limit (needs --redis)
  --redis URL      Redis for --workers (e.g. redis://127.0.0.1:6379)
  --live           call the real OpenAI API instead (needs OPENAI_API_KEY; small and cheap by default)
  --model NAME     model name (default gpt-4o-mini)
  --help           this text
`;

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
    worker: workerIndex !== undefined && emulatorUrl !== undefined ? { index: Number(workerIndex), emulatorUrl } : undefined,
  };
  if (options.workers > 1 && options.redis === undefined) throw new Error('--workers needs --redis URL (the processes share the limit through Redis)');
  if (options.live && process.env.OPENAI_API_KEY === undefined) throw new Error('--live needs OPENAI_API_KEY in the environment');
  return options;
}
