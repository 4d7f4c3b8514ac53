/**
 * Adding up the usage a stream reports chunk by chunk into the tokens it was charged. Immutable values and pure
 * functions: the runtime keeps one tally per stream, passes every chunk's `usage` to {@link tallyUsage}, and
 * settles {@link tallyTokens} when the stream ends.
 * @packageDocumentation
 */

import { isObject } from '../../util/values';
import { tokenCount } from '../data-props';
import { countedTokens, type UsageCounts } from '../usage-counts';
import type { ChunkUsage } from './chunk-facts';

/** The usage a stream has reported so far. */
export interface UsageTally {
  /** The sum of the `'increment'` reports. */
  readonly added: UsageCounts;
  /** The latest `'cumulative'` report, field by field. */
  readonly latest: UsageCounts;
  /** A `final` report was seen: later reports that are not final are ignored. */
  readonly final: boolean;
}

type MutableCounts = { -readonly [K in keyof UsageCounts]: UsageCounts[K] };

/** A stream that has reported nothing. */
export const EMPTY_TALLY: UsageTally = Object.freeze({ added: Object.freeze({}), latest: Object.freeze({}), final: false });

/**
 * The tally after one more chunk's usage:
 * - an `'increment'` report is added to the increments;
 * - a `'cumulative'` report replaces the latest cumulative one field by field (a report with input or output
 *   but no total drops the earlier total, which it makes stale: Anthropic's `message_delta` keeps
 *   `message_start`'s input and replaces its output); a final cumulative report also drops the increments
 *   before it (the AI SDK's `finish` total after its per-step `finish-step`s);
 * - after a final report, reports that are not final are ignored.
 * Counts that are not finite numbers ≥ 0 are ignored. Never throws.
 * @param tally - the tally so far.
 * @param usage - the chunk's usage (`ChunkFacts.usage`); `undefined` leaves the tally as it is.
 */
export function tallyUsage(tally: UsageTally, usage: ChunkUsage | undefined): UsageTally {
  if (!isObject(usage)) return tally;
  try {
    const final = usage.final === true;
    if (tally.final && !final) return tally;
    const report = validCounts(usage);
    if (report === undefined) return final === tally.final ? tally : { ...tally, final };
    if (usage.mode === 'increment') return { added: add(tally.added, report), latest: tally.latest, final: tally.final || final };
    if (final) return { added: {}, latest: replace(tally.latest, report), final: true };
    return { added: tally.added, latest: replace(tally.latest, report), final: false };
  } catch {
    return tally; // a hostile object passed as usage
  }
}

/**
 * The counts a tally stands for: increments plus the latest cumulative report.
 * @param tally - the tally.
 */
export function tallyCounts(tally: UsageTally): UsageCounts {
  const a = tally.added;
  const l = tally.latest;
  const out: MutableCounts = {};
  const input = sum(a.input, l.input);
  const output = sum(a.output, l.output);
  if (input !== undefined) out.input = input;
  if (output !== undefined) out.output = output;
  if (a.total !== undefined || l.total !== undefined) {
    const total = sum(countedTokens(a), countedTokens(l));
    if (total !== undefined) out.total = total;
  }
  return out;
}

/**
 * The tokens the stream was charged, as far as it reported: `total` when known, else input + output;
 * `undefined` when it reported nothing.
 * @param tally - the tally.
 */
export function tallyTokens(tally: UsageTally): number | undefined {
  return countedTokens(tallyCounts(tally));
}

function validCounts(usage: UsageCounts): UsageCounts | undefined {
  const input = tokenCount(usage.input);
  const output = tokenCount(usage.output);
  const total = tokenCount(usage.total);
  if (input === undefined && output === undefined && total === undefined) return undefined;
  const out: MutableCounts = {};
  if (input !== undefined) out.input = input;
  if (output !== undefined) out.output = output;
  if (total !== undefined) out.total = total;
  return out;
}

function add(a: UsageCounts, b: UsageCounts): UsageCounts {
  const out: MutableCounts = {};
  const input = sum(a.input, b.input);
  const output = sum(a.output, b.output);
  if (input !== undefined) out.input = input;
  if (output !== undefined) out.output = output;
  if (a.total !== undefined || b.total !== undefined) {
    const total = sum(countedTokens(a), countedTokens(b));
    if (total !== undefined) out.total = total;
  }
  return out;
}

function replace(old: UsageCounts, report: UsageCounts): UsageCounts {
  const out: MutableCounts = {};
  const input = report.input ?? old.input;
  const output = report.output ?? old.output;
  const total = report.total ?? (report.input === undefined && report.output === undefined ? old.total : undefined);
  if (input !== undefined) out.input = input;
  if (output !== undefined) out.output = output;
  if (total !== undefined) out.total = total;
  return out;
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a + b, Number.MAX_SAFE_INTEGER);
}
