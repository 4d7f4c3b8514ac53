import type { DemoQuota, QuotaUse } from './provider';

/** The figures of one batch run, and how they print. */
export interface BatchReport {
  readonly calls: number;
  readonly completed: number;
  readonly failed: number;
  readonly failures: Readonly<Record<string, number>>;
  readonly rateLimited: number | undefined;
  readonly serverErrors: number | undefined;
  readonly retries: number;
  /** Tokens estimated up front (undefined: the run did not estimate, e.g. the SDK alone). */
  readonly estimatedTokens: number | undefined;
  /** Tokens the answers used: prompt + completion, as the provider reported them (0 when not known). */
  readonly usedTokens: number;
  readonly wallSeconds: number;
  /** The provider's quota, its slice, and what it counted during the run (undefined: the live API). */
  readonly quota: (DemoQuota & { readonly sliceMs: number; readonly use: QuotaUse }) | undefined;
}

/** The quota's initial burst: one slice's worth of each limit, which its buckets hold when the run starts. */
export function initialBurst(quota: NonNullable<BatchReport['quota']>): QuotaUse {
  const share = quota.sliceMs / 60_000;
  return { requests: quota.requestsPerMinute * share, tokens: quota.tokensPerMinute * share };
}

/** What the quota counted beyond its initial burst: what it had to let through at its per-minute rate. */
function beyondBurst(quota: NonNullable<BatchReport['quota']>): QuotaUse {
  const burst = initialBurst(quota);
  return { requests: Math.max(0, quota.use.requests - burst.requests), tokens: Math.max(0, quota.use.tokens - burst.tokens) };
}

/**
 * Seconds the quota needs at best for this run: what it counted beyond its initial burst, at its per-minute rate
 * (the burst is credited, as the fleet acceptance of issue 12 does). 0 when the whole run fit in the burst.
 */
export function idealSecondsFor(report: BatchReport): number | undefined {
  if (report.quota === undefined) return undefined;
  const beyond = beyondBurst(report.quota);
  return Math.max(beyond.requests / report.quota.requestsPerMinute, beyond.tokens / report.quota.tokensPerMinute) * 60;
}

/**
 * The run's rates as the quota measures them: what it counted beyond its initial burst, per minute of wall time.
 * Never above the quota for a run the provider served, since the provider let through no more than that.
 */
export function ratesFor(report: BatchReport): QuotaUse | undefined {
  if (report.quota === undefined || report.wallSeconds <= 0) return undefined;
  const beyond = beyondBurst(report.quota);
  const minutes = report.wallSeconds / 60;
  return { requests: beyond.requests / minutes, tokens: beyond.tokens / minutes };
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * Which of the quota's two limits bound the run, in one sentence: the one whose share of the batch beyond the
 * initial burst needs more time at its rate, with the other one's rate.
 */
export function bindingLimit(report: BatchReport): string | undefined {
  const quota = report.quota;
  const rates = ratesFor(report);
  if (quota === undefined || rates === undefined || report.completed === 0) return undefined;
  const beyond = beyondBurst(quota);
  const requestSeconds = (beyond.requests / quota.requestsPerMinute) * 60;
  const tokenSeconds = (beyond.tokens / quota.tokensPerMinute) * 60;
  if (requestSeconds === 0 && tokenSeconds === 0) return 'The whole batch fit in the provider\'s initial burst: no limit bound this run.';
  if (tokenSeconds >= requestSeconds) {
    return (
      `Tokens bound this run: beyond the initial burst, ${count(beyond.tokens)} tokens at ${count(quota.tokensPerMinute)}/min need ` +
      `${tokenSeconds.toFixed(1)} s, ${count(beyond.requests)} requests at ${count(quota.requestsPerMinute)}/min only ` +
      `${requestSeconds.toFixed(1)} s; so requests ran at ${count(rates.requests)} of ${count(quota.requestsPerMinute)}/min.`
    );
  }
  return (
    `Requests bound this run: beyond the initial burst, ${count(beyond.requests)} requests at ${count(quota.requestsPerMinute)}/min need ` +
    `${requestSeconds.toFixed(1)} s, ${count(beyond.tokens)} tokens at ${count(quota.tokensPerMinute)}/min only ` +
    `${tokenSeconds.toFixed(1)} s; so tokens ran at ${count(rates.tokens)} of ${count(quota.tokensPerMinute)}/min.`
  );
}

/** What the rates and the ideal count, under the table (for a run against the emulator). */
function legend(quota: NonNullable<BatchReport['quota']>): string {
  const burst = initialBurst(quota);
  return (
    `* As the provider's quota counts: the requests it admitted and the tokens it kept (charged up front, less the ` +
    `unused max_completion_tokens it gave back), beyond its initial burst (its ${quota.sliceMs / 1000}-second slice starts full: ` +
    `${count(burst.requests)} requests, ${count(burst.tokens)} tokens), per minute of wall time. Ideal: the time the quota needs ` +
    `for what it counted beyond that burst.`
  );
}

/** One report's column of values, row by row. */
function column(report: BatchReport): string[] {
  const ideal = idealSecondsFor(report);
  const rates = ratesFor(report);
  const failures = Object.entries(report.failures).map(([k, v]) => `${k}: ${v}`).join(', ');
  let wall = `${report.wallSeconds.toFixed(1)} s`;
  if (ideal !== undefined && report.failed === 0) {
    wall += ideal < 0.05 ? ' (ideal 0 s: all in the initial burst)' : ` (ideal ${ideal.toFixed(1)} s, ${(report.wallSeconds / ideal).toFixed(2)}×)`;
  }
  return [
    `${report.completed} / ${report.calls}`,
    `${report.failed}${report.failed > 0 ? ` (${failures})` : ''}`,
    report.rateLimited === undefined ? 'n/a' : String(report.rateLimited),
    report.serverErrors === undefined ? 'n/a' : String(report.serverErrors),
    String(report.retries),
    `${report.estimatedTokens === undefined ? 'n/a' : count(report.estimatedTokens)} / ${count(report.usedTokens)}`,
    rates === undefined || report.quota === undefined ? 'n/a' : `${count(rates.requests)} of ${count(report.quota.requestsPerMinute)} quota`,
    rates === undefined || report.quota === undefined ? 'n/a' : `${count(rates.tokens)} of ${count(report.quota.tokensPerMinute)} quota`,
    wall,
  ];
}

const ROWS = [
  'calls completed',
  'calls failed',
  '429s the provider sent',
  '5xx/529/drops the provider sent',
  'retries',
  'tokens estimated / used',
  'requests per minute *',
  'tokens per minute *',
  'wall time',
];

/**
 * The report as text lines: one column, or two side by side when a baseline run (the same batch through the SDK's
 * own retries) is given; then what the rates count, and which limit bound the run.
 * @param report - the run through llm-resilience.
 * @param baseline - the same batch without it, and its column title.
 */
export function formatReport(report: BatchReport, baseline?: { readonly title: string; readonly report: BatchReport }): string {
  const width = Math.max(...ROWS.map((r) => r.length));
  const ours = column(report);
  const lines: string[] = [];
  if (baseline === undefined) {
    ROWS.forEach((row, i) => lines.push(`  ${row.padEnd(width)}  ${ours[i]}`));
  } else {
    const theirs = column(baseline.report);
    const left = Math.max('with llm-resilience'.length, ...ours.map((v) => v.length));
    lines.push(`  ${''.padEnd(width)}  ${'with llm-resilience'.padEnd(left)}  ${baseline.title}`);
    ROWS.forEach((row, i) => lines.push(`  ${row.padEnd(width)}  ${ours[i].padEnd(left)}  ${theirs[i]}`));
  }
  if (report.quota !== undefined) lines.push('', ...wrap(legend(report.quota), 110).map((l, i) => `  ${i === 0 ? '' : '  '}${l}`));
  const bound = bindingLimit(report);
  if (bound !== undefined) lines.push('', ...wrap(bound, 110).map((l) => `  ${l}`));
  return lines.join('\n');
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
