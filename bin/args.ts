/**
 * The command line's flag parser: `--name value`, `--name=value` and switches, checked against the flags a command
 * knows. Anything else is a {@link UsageError} (the command line prints it and exits 2), so a typo such as
 * `--call 20` never runs the default batch.
 */

/** A mistake on the command line: the CLI prints the message, with where to find the usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The flags a command knows: `value` flags take one argument, `switch` flags none. */
export type FlagSpec = Readonly<Record<string, 'value' | 'switch'>>;

/** Parsed flags: a value flag's argument (the last one given), or `true` for a switch that was given. */
export type ParsedFlags = ReadonlyMap<string, string | true>;

/** Edit distance of two short strings (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

/**
 * The known name closest to `given`, when it is close enough to be what the user meant (a prefix of it, or at most
 * two edits away); undefined otherwise.
 */
export function closest(given: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = name.startsWith(given) && given.length >= 3 ? 0.5 : distance(given, name);
    if (d <= 2 && (best === undefined || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/**
 * Parses `args` against `spec`.
 * @param args - the arguments after the command name.
 * @param spec - the flags the command knows.
 * @returns the flags given.
 * @throws UsageError for an unknown flag (naming the closest known one), a value flag without its value, a switch
 *   given a value, or an argument that is not a flag.
 */
export function parseFlags(args: readonly string[], spec: FlagSpec): ParsedFlags {
  const flags = new Map<string, string | true>();
  const known = Object.keys(spec);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-') || arg === '-' || arg === '--') throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) {
      const suggestion = closest(name, known);
      throw new UsageError(`unknown option ${JSON.stringify(name)}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`);
    }
    if (kind === 'switch') {
      if (eq > 0) throw new UsageError(`${name} takes no value, got ${JSON.stringify(arg)}`);
      flags.set(name, true);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : i + 1 < args.length ? args[i + 1] : undefined;
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
    if (eq < 0) i++;
    flags.set(name, value);
  }
  return flags;
}

/**
 * A number flag's value, or `fallback` when the flag was not given.
 * @throws UsageError when the value is not a number that passes `check` (`what` says which numbers do).
 */
export function numberFlag(flags: ParsedFlags, name: string, fallback: number, check: (n: number) => boolean, what: string): number {
  const raw = flags.get(name);
  if (raw === undefined || raw === true) return fallback;
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!check(n)) throw new UsageError(`${name} needs ${what}, got ${JSON.stringify(raw)}`);
  return n;
}

/** A value flag's value, or undefined when it was not given. */
export function stringFlag(flags: ParsedFlags, name: string): string | undefined {
  const raw = flags.get(name);
  return raw === true ? undefined : raw;
}
