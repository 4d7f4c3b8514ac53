/**
 * The demo's report and progress line as the command line prints them (examples/demo/report.ts, progress.ts): the
 * rates and the ideal count what the provider's quota counts, its initial burst credited; the progress line keeps
 * its end on a terminal that reports no width. Pure functions of given figures; the real runs are in
 * examples.test.ts and cli.test.ts.
 */
import { createProgress, fitLine, progressLine } from '../../../examples/demo/progress';
import { bindingLimit, formatReport, idealSecondsFor, initialBurst, ratesFor, type BatchReport } from '../../../examples/demo/report';

/** A run of 60 calls at 1,500 RPM / 90,000 TPM in 1-second slices (the figures of the trial's `--calls 60`). */
function report(overrides: Partial<BatchReport> = {}, use = { requests: 60, tokens: 5607 }): BatchReport {
  return {
    calls: 60,
    completed: 60,
    failed: 0,
    failures: {},
    rateLimited: 0,
    serverErrors: 0,
    retries: 0,
    estimatedTokens: 7524,
    usedTokens: 5607,
    wallSeconds: 3.0,
    quota: { requestsPerMinute: 1500, tokensPerMinute: 90_000, sliceMs: 1000, use },
    ...overrides,
  };
}

describe('the demo report', () => {
  it('credits the initial burst: one slice of each limit', () => {
    const r = report();
    expect(initialBurst(r.quota!)).toEqual({ requests: 25, tokens: 1500 });
    // (5,607 − 1,500) tokens at 1,500/s = 2.738 s; (60 − 25) requests at 25/s = 1.4 s
    expect(idealSecondsFor(r)).toBeCloseTo(2.738, 3);
  });

  it('measures the rates beyond that burst, so a run the provider served shows no more than the quota', () => {
    const r = report();
    const rates = ratesFor(r)!;
    expect(rates.tokens).toBeCloseTo(82_140, 0); // not 5,607 / 3 s = 112,140 per minute
    expect(rates.requests).toBeCloseTo(700, 0);
    const text = formatReport(r);
    expect(text).toMatch(/tokens per minute \*\s+82,140 of 90,000 quota/);
    expect(text).toMatch(/requests per minute \*\s+700 of 1,500 quota/);
    expect(text).toMatch(/wall time\s+3\.0 s \(ideal 2\.7 s, 1\.10×\)/);
    expect(text).toContain('tokens estimated / used          7,524 / 5,607');
  });

  it('says what the rates and the ideal count, under the table', () => {
    const text = formatReport(report()).replace(/\s+/g, ' ');
    expect(text).toContain("* As the provider's quota counts: the requests it admitted and the tokens it kept");
    expect(text).toContain('its 1-second slice starts full: 25 requests, 1,500 tokens');
    expect(text).toContain('Ideal: the time the quota needs for what it counted beyond that burst.');
  });

  it('names the binding limit from the same figures', () => {
    expect(bindingLimit(report())).toBe(
      'Tokens bound this run: beyond the initial burst, 4,107 tokens at 90,000/min need 2.7 s, 35 requests at 1,500/min only 1.4 s; so requests ran at 700 of 1,500/min.',
    );
    const requestBound = report({}, { requests: 60, tokens: 2000 });
    expect(bindingLimit(requestBound)).toMatch(/^Requests bound this run: beyond the initial burst, 35 requests at 1,500\/min need 1\.4 s, 500 tokens/);
  });

  it('a batch that fit in the burst has no ratio to show', () => {
    const r = report({ calls: 10, completed: 10 }, { requests: 10, tokens: 900 });
    expect(idealSecondsFor(r)).toBe(0);
    expect(formatReport(r)).toMatch(/wall time\s+3\.0 s \(ideal 0 s: all in the initial burst\)/);
    expect(bindingLimit(r)).toBe("The whole batch fit in the provider's initial burst: no limit bound this run.");
  });

  it('a run without a quota (the live API) shows no rates and no ideal', () => {
    const text = formatReport(report({ quota: undefined, rateLimited: undefined, serverErrors: undefined }));
    expect(text).toMatch(/requests per minute \*\s+n\/a/);
    expect(text).toMatch(/wall time\s+3\.0 s$/);
    expect(text).not.toContain("provider's quota counts");
  });
});

describe('the progress line on a terminal', () => {
  const line = progressLine('llm-resilience', 60, 60, 0, 3000);

  it('is cut to one column less than a known width', () => {
    expect(fitLine(line, 40)).toBe(line.slice(0, 39));
    expect(fitLine(line, line.length + 1)).toBe(line);
  });

  it('is left whole when the terminal reports 0 columns or none', () => {
    expect(fitLine(line, 0)).toBe(line);
    expect(fitLine(line, undefined)).toBe(line);
    expect(line.endsWith('60/60 calls | 0 failed')).toBe(true);
  });

  it('redraws the whole line on a pseudo-terminal of width 0 (as `script` gives)', () => {
    const written: string[] = [];
    const progress = createProgress(2, { isTTY: true, columns: 0, write: (text) => written.push(text) }, 'llm-resilience');
    progress.tick(false);
    progress.tick(true);
    progress.stop();
    expect(written.at(-2)).toBe('\r\x1b[2Kllm-resilience [##############################] 2/2 calls | 1 failed');
    expect(written.at(-1)).toBe('\n');
  });
});
