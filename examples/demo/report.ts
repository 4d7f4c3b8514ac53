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
  readonly chargedTokens: number;
  readonly wallSeconds: number;
  readonly quota: { readonly requestsPerMinute: number; readonly tokensPerMinute: number } | undefined;
}

/** Seconds the quota needs at best for these calls and tokens. */
export function idealSecondsFor(report: BatchReport): number | undefined {
  if (report.quota === undefined) return undefined;
  return Math.max(report.completed / report.quota.requestsPerMinute, report.chargedTokens / report.quota.tokensPerMinute) * 60;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * Which of the quota's two limits bound the run, in one sentence: the one whose share of the batch needs more
 * time (calls / requests per minute against charged tokens / tokens per minute), with the other one's use.
 */
export function bindingLimit(report: BatchReport): string | undefined {
  const quota = report.quota;
  if (quota === undefined || report.completed === 0 || report.wallSeconds <= 0) return undefined;
  const requestSeconds = (report.completed / quota.requestsPerMinute) * 60;
  const tokenSeconds = (report.chargedTokens / quota.tokensPerMinute) * 60;
  const minutes = report.wallSeconds / 60;
  if (tokenSeconds >= requestSeconds) {
    return (
      `Tokens bound this run: ${count(report.chargedTokens)} tokens at ${count(quota.tokensPerMinute)}/min need ` +
      `${tokenSeconds.toFixed(1)} s, ${report.completed} requests at ${count(quota.requestsPerMinute)}/min only ` +
      `${requestSeconds.toFixed(1)} s; so requests ran at ${count(report.completed / minutes)} of ${count(quota.requestsPerMinute)}/min.`
    );
  }
  return (
    `Requests bound this run: ${report.completed} requests at ${count(quota.requestsPerMinute)}/min need ` +
    `${requestSeconds.toFixed(1)} s, ${count(report.chargedTokens)} tokens at ${count(quota.tokensPerMinute)}/min only ` +
    `${tokenSeconds.toFixed(1)} s; so tokens ran at ${count(report.chargedTokens / minutes)} of ${count(quota.tokensPerMinute)}/min.`
  );
}

/** One report's column of values, row by row. */
function column(report: BatchReport): string[] {
  const minutes = report.wallSeconds / 60;
  const ideal = idealSecondsFor(report);
  const failures = Object.entries(report.failures).map(([k, v]) => `${k}: ${v}`).join(', ');
  return [
    `${report.completed} / ${report.calls}`,
    `${report.failed}${report.failed > 0 ? ` (${failures})` : ''}`,
    report.rateLimited === undefined ? 'n/a' : String(report.rateLimited),
    report.serverErrors === undefined ? 'n/a' : String(report.serverErrors),
    String(report.retries),
    `${report.estimatedTokens ?? 'n/a'} / ${report.chargedTokens}`,
    `${(report.completed / minutes).toFixed(0)}${report.quota ? ` of ${report.quota.requestsPerMinute} quota` : ''}`,
    `${(report.chargedTokens / minutes).toFixed(0)}${report.quota ? ` of ${report.quota.tokensPerMinute} quota` : ''}`,
    `${report.wallSeconds.toFixed(1)} s${ideal === undefined || report.failed > 0 ? '' : ` (ideal ${ideal.toFixed(1)} s, ${(report.wallSeconds / ideal).toFixed(2)}×)`}`,
  ];
}

const ROWS = [
  'calls completed',
  'calls failed',
  '429s the provider sent',
  '5xx/529/drops the provider sent',
  'retries',
  'tokens estimated / charged',
  'requests per minute',
  'tokens per minute',
  'wall time',
];

/**
 * The report as text lines: one column, or two side by side when a baseline run (the same batch through the SDK's
 * own retries) is given; then which limit bound the run.
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
