/** Command-line options of `npm run bench`. */

/** The benchmark's parts. */
export const PARTS = ['goodput', 'overhead', 'overhead-built', 'scale', 'faults', 'redis-lua', 'fleet'] as const;
/** One part. */
export type Part = (typeof PARTS)[number];

/** Parsed options. */
export interface BenchArgs {
  /** Parts to run (all by default). */
  readonly parts: readonly Part[];
  /** Smaller sizes, for a smoke run. */
  readonly quick: boolean;
  /** Skip the four-process goodput run. */
  readonly noFleet: boolean;
}

/** The usage text. */
export const USAGE = `usage: npm run bench -- [--only goodput|overhead|overhead-built|scale|faults|redis-lua|fleet[,...]] [--quick] [--no-fleet]

  --only PARTS   run only these parts (comma-separated); default: all
  --quick        smaller sizes, for a smoke run (well under a minute of measuring)
  --no-fleet     skip the four-process (Redis) goodput run
Writes bench/results/latest.json and bench/results/latest.md.`;

/**
 * Parses argv (after the script name).
 * @throws Error with the usage on an unknown option or part.
 */
export function parseArgs(argv: readonly string[]): BenchArgs | 'help' {
  let parts: Part[] = [...PARTS];
  let quick = false;
  let noFleet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--quick') quick = true;
    else if (arg === '--no-fleet') noFleet = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv.at(++i) : arg.slice('--only='.length);
      const wanted = (value ?? '').split(',').filter((p) => p !== '');
      const unknown = wanted.filter((p) => !(PARTS as readonly string[]).includes(p));
      if (wanted.length === 0 || unknown.length > 0) throw new Error(`unknown part "${unknown.join(',') || (value ?? '')}"\n${USAGE}`);
      parts = PARTS.filter((p) => wanted.includes(p));
    } else throw new Error(`unknown option "${arg}"\n${USAGE}`);
  }
  return { parts, quick, noFleet };
}
