import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

describe('the built package', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'llmr-pkg-'));
    const pkg = join(work, 'consumer/node_modules/llm-resilience');
    mkdirSync(pkg, { recursive: true });
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], { stdio: 'pipe' });
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
    // the package's own dependencies resolve from the repository's node_modules
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('can be required from plain JavaScript, decorators and runtime included', () => {
    const script = `
      const { AdaptiveRetry, RetryExhaustedError, configureResilience, currentCall } = require('llm-resilience');
      const { FakeClock, startEmulator } = require('llm-resilience/testing');
      class Service {
        constructor() { this.calls = 0; }
        async call() {
          this.calls++;
          if (this.calls < 3) throw Object.assign(new Error('unavailable'), { status: 503 });
          return 'ok after ' + currentCall().attempt + ' attempts';
        }
      }
      const descriptor = Object.getOwnPropertyDescriptor(Service.prototype, 'call');
      AdaptiveRetry({ maxRetries: 4, baseDelayMs: 1, jitter: 'none' })(Service.prototype, 'call', descriptor);
      Object.defineProperty(Service.prototype, 'call', descriptor);
      configureResilience();
      new Service().call().then((value) => {
        console.log(JSON.stringify({ value, exhausted: typeof RetryExhaustedError, fake: typeof FakeClock, emulator: typeof startEmulator }));
      });
    `;
    const file = join(work, 'consumer/main.js');
    writeFileSync(file, script);
    const out = execFileSync(process.execPath, [file], { cwd: join(work, 'consumer'), encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ value: 'ok after 3 attempts', exhausted: 'function', fake: 'function', emulator: 'function' });
  });

  it('takes the standard decorator protocol too (method and context, as TypeScript 5 and esbuild call it)', () => {
    const script = `
      const { AdaptiveRetry, configureResilience, currentCall } = require('llm-resilience');
      class Service {
        constructor() { this.calls = 0; }
        async call() {
          this.calls++;
          if (this.calls < 2) throw Object.assign(new Error('unavailable'), { status: 503 });
          return 'ok after ' + currentCall().attempt + ' attempts';
        }
      }
      const context = { kind: 'method', name: 'call', static: false, private: false, addInitializer() {}, metadata: undefined };
      const replacement = AdaptiveRetry({ maxRetries: 2, baseDelayMs: 1, jitter: 'none' })(Service.prototype.call, context);
      Object.defineProperty(Service.prototype, 'call', { value: replacement });
      configureResilience();
      new Service().call().then((value) => console.log(JSON.stringify({ value })));
    `;
    const file = join(work, 'consumer/standard.js');
    writeFileSync(file, script);
    const out = execFileSync(process.execPath, [file], { cwd: join(work, 'consumer'), encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ value: 'ok after 2 attempts' });
  });
});
