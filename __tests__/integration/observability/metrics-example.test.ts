import 'reflect-metadata';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { startMetricsExample } from '../../../examples/metrics-server';

const ROOT = path.resolve(__dirname, '../../..');
const ALERTS = path.join(ROOT, 'examples/prometheus/alerts.yml');
const SERIES = [
  'llm_calls_total',
  'llm_retries_total',
  'llm_rate_limited_total',
  'llm_limiter_wait_seconds',
  'llm_tokens_total',
  'llm_ratelimit_remaining',
  'llm_ratelimit_remaining_ratio',
  'llm_inflight',
];

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const promtoolRequired = process.env.CI === 'true';
const withPromtool = promtool || promtoolRequired ? it : it.skip;
if (!promtool && !promtoolRequired) console.warn('promtool not on PATH: skipping the promtool checks (install Debian package "prometheus"; CI=true makes them mandatory)');

function typesIn(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(match[1], match[2]);
  return types;
}

describe('examples/metrics-server.ts', () => {
  it('serves every series with key labels on /metrics while the service runs, then closes cleanly', async () => {
    const example = await startMetricsExample({ port: 0, durationMs: Infinity, logger: pino({ level: 'silent' }) });
    try {
      // the other consumer leaves < 10% of one model's quota: the low-capacity alert fires within seconds
      const started = Date.now();
      while ((example.stats().lowCapacityAlerts === 0 || example.stats().succeeded < 5) && Date.now() - started < 14_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(example.stats().lowCapacityAlerts).toBeGreaterThanOrEqual(1);
      const response = await fetch(example.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      const types = typesIn(text);
      expect(Object.fromEntries(SERIES.map((name) => [name, types.get(name)]))).toEqual({
        llm_calls_total: 'counter',
        llm_retries_total: 'counter',
        llm_rate_limited_total: 'counter',
        llm_limiter_wait_seconds: 'histogram',
        llm_tokens_total: 'counter',
        llm_ratelimit_remaining: 'gauge',
        llm_ratelimit_remaining_ratio: 'gauge',
        llm_inflight: 'gauge',
      });
      for (const key of ['openai:gpt-4o-mini', 'openai:gpt-4o']) {
        expect(text).toMatch(new RegExp(`llm_calls_total\\{key="${key}",outcome="success"\\} [1-9]`));
        expect(text).toMatch(new RegExp(`llm_ratelimit_remaining_ratio\\{key="${key}",resource="requests"\\} [0-9.e-]+\\n`));
      }
      for (const line of text.split('\n').filter((l) => l.startsWith('llm_'))) expect(line).toMatch(/key="openai:gpt-4o(-mini)?"/);
      expect((await fetch(example.url.replace('/metrics', '/nope'))).status).toBe(404);
      const summary = await example.stop();
      expect(await example.done).toEqual(summary);
      expect(summary.succeeded).toBeGreaterThanOrEqual(5);
      expect(summary.lowCapacityAlerts).toBeGreaterThanOrEqual(1);
      await expect(fetch(example.url)).rejects.toThrow(); // closed
    } finally {
      await example.stop();
    }
  }, 19_000);

  it('runs from the command line for a bounded time, prints its /metrics URL, and exits 0', async () => {
    const child = spawn(process.execPath, ['-r', './scripts/register.js', 'examples/metrics-server.ts', '--duration', '4', '--port', '0', '--log-level', 'silent'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const started = Date.now();
      while (!/metrics: (\S+)/.test(stdout) && Date.now() - started < 14_000) await new Promise((r) => setTimeout(r, 50));
      const url = /metrics: (\S+)/.exec(stdout)?.[1];
      expect(url).toBeDefined();
      const text = await (await fetch(url!)).text();
      expect(text).toContain('# TYPE llm_calls_total counter');
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/^done: \{.*"succeeded":\d+/m);
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null) child.kill();
    }
  }, 19_000);
});

describe('examples/prometheus/alerts.yml', () => {
  withPromtool('is valid for promtool check rules', () => {
    const run = spawnSync('promtool', ['check', 'rules', ALERTS], { encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).toContain('SUCCESS: 1 rules found');
    expect(run.status).toBe(0);
  });

  withPromtool('fires when the remaining ratio stays below 0.1, not on a short dip, and resolves on recovery (promtool test rules)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'llm-alerts-'));
    try {
      const tests = path.join(dir, 'alerts.test.yml');
      const labels = (key: string, resource: string) => `{key="${key}",resource="${resource}"}`;
      writeFileSync(
        tests,
        [
          `rule_files: [${JSON.stringify(ALERTS)}]`,
          'evaluation_interval: 30s',
          'tests:',
          '  - interval: 30s',
          '    input_series:',
          // low from 1m to 5m, recovered from 5m30s
          `      - series: 'llm_ratelimit_remaining_ratio${labels('openai:gpt-4o-mini', 'requests')}'`,
          "        values: '0.5 0.5 0.05x8 0.5x6'",
          // a one-minute dip only
          `      - series: 'llm_ratelimit_remaining_ratio${labels('openai:gpt-4o', 'tokens')}'`,
          "        values: '0.5 0.5 0.02 0.02 0.5x12'",
          '    alert_rule_test:',
          '      - { eval_time: 2m, alertname: LLMQuotaCapacityLow, exp_alerts: [] }',
          '      - eval_time: 3m30s',
          '        alertname: LLMQuotaCapacityLow',
          '        exp_alerts:',
          '          - exp_labels: { severity: warning, key: "openai:gpt-4o-mini", resource: requests }',
          '            exp_annotations:',
          '              summary: "LLM quota for openai:gpt-4o-mini (requests) below 10% of its limit"',
          '              description: "The provider reports 5% of the requests quota of openai:gpt-4o-mini left, below 10% for 2 minutes: shrink prompts, slow down or ask for more quota."',
          '      - { eval_time: 7m, alertname: LLMQuotaCapacityLow, exp_alerts: [] }',
          '',
        ].join('\n'),
      );
      const run = spawnSync('promtool', ['test', 'rules', tests], { encoding: 'utf8' });
      expect(`${run.stdout}${run.stderr}`).toContain('SUCCESS');
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  withPromtool('the example service exposition passes promtool check metrics', async () => {
    const example = await startMetricsExample({ port: 0, durationMs: Infinity, logger: pino({ level: 'silent' }) });
    try {
      while (example.stats().succeeded < 3) await new Promise((resolve) => setTimeout(resolve, 100));
      const text = await (await fetch(example.url)).text();
      const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(`${run.stdout}${run.stderr}`).toBe('');
      expect(run.status).toBe(0);
    } finally {
      await example.stop();
    }
  }, 15_000);
});
