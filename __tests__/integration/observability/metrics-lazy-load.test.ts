import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

describe('prom-client', () => {
  it('does not load prom-client unless metrics are configured', () => {
    const script = `
      require('reflect-metadata');
      const { configureResilience } = require('./index.ts');
      const { container } = require('tsyringe');
      const loaded = () => Object.keys(require.cache).some((p) => p.includes('node_modules/prom-client/'));
      configureResilience(container, { onLowCapacity: () => {} });
      const before = loaded();
      configureResilience(container, { metrics: { registry: { getSingleMetric: () => undefined, registerMetric: () => {} } } });
      console.log(JSON.stringify({ before, after: loaded() }));`;
    const run = spawnSync(process.execPath, ['-r', './scripts/register.js', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 15_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ before: false, after: true });
  });
});
