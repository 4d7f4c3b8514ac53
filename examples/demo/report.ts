/** The figures of one batch run, and how they print. */
export interface BatchReport {
  readonly calls: number;
  readonly completed: number;
  readonly failed: number;
  readonly failures: Readonly<Record<string, number>>;
  readonly rateLimited: number | undefined;
  readonly serverErrors: number | undefined;
  readonly retries: number;
  readonly estimatedTokens: number;
  readonly chargedTokens: number;
  readonly wallSeconds: number;
  readonly quota: { readonly requestsPerMinute: number; readonly tokensPerMinute: number } | undefined;
}

/** Seconds the quota needs at best for these calls and tokens. */
export function idealSecondsFor(report: BatchReport): number | undefined {
  if (report.quota === undefined) return undefined;
  return Math.max(report.completed / report.quota.requestsPerMinute, report.chargedTokens / report.quota.tokensPerMinute) * 60;
}

/** The report as text lines. */
export function formatReport(report: BatchReport): string {
  const minutes = report.wallSeconds / 60;
  const ideal = idealSecondsFor(report);
  const rows: Array<[string, string]> = [
    ['calls completed', `${report.completed} / ${report.calls}`],
    ['calls failed', `${report.failed}${report.failed > 0 ? ` (${Object.entries(report.failures).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`],
    ['429s the provider sent', report.rateLimited === undefined ? 'n/a' : String(report.rateLimited)],
    ['5xx/529/drops the provider sent', report.serverErrors === undefined ? 'n/a' : String(report.serverErrors)],
    ['retries', String(report.retries)],
    ['tokens estimated / charged', `${report.estimatedTokens} / ${report.chargedTokens}`],
    ['requests per minute', `${(report.completed / minutes).toFixed(0)}${report.quota ? ` of ${report.quota.requestsPerMinute} quota` : ''}`],
    ['tokens per minute', `${(report.chargedTokens / minutes).toFixed(0)}${report.quota ? ` of ${report.quota.tokensPerMinute} quota` : ''}`],
    ['wall time', `${report.wallSeconds.toFixed(1)} s${ideal === undefined ? '' : ` (ideal ${ideal.toFixed(1)} s, ${(report.wallSeconds / ideal).toFixed(2)}×)`}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}
