/**
 * The command line refuses what it does not know (bin/cli.ts, bin/args.ts): an unknown command or option, a
 * missing or invalid value, a stray argument each exit 2 with a message naming it, before anything runs (a typo
 * such as `demo --call 20` must not run the 300-call default batch).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closest, parseFlags } from '../../../bin/args';
import { parseDemoOptions } from '../../../examples/demo/options';

const execFileAsync = promisify(execFile);
const root = join(__dirname, '../../..');

/** Runs the CLI from source; resolves with its exit code and output, whatever the code. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['-r', './scripts/register.js', 'bin/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, npm_lifecycle_event: '' },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the command line', () => {
  it.each([
    [['demo', '--call', '20'], 'llm-resilience demo: unknown option "--call" (did you mean --calls?)'],
    [['demo', '--bogus'], 'llm-resilience demo: unknown option "--bogus"\n'],
    [['demo', '--calls'], 'llm-resilience demo: --calls needs a value'],
    [['demo', '--calls', 'x'], 'llm-resilience demo: --calls needs a whole number above 0, got "x"'],
    [['demo', '--calls=0'], 'llm-resilience demo: --calls needs a whole number above 0, got "0"'],
    [['demo', '60'], 'llm-resilience demo: unexpected argument "60"'],
    [['demo', '--no-compare=yes'], 'llm-resilience demo: --no-compare takes no value'],
    [['demo', '--workers', '2'], 'llm-resilience demo: --workers needs --redis URL'],
    [['emulator', '--rpn', '100'], 'llm-resilience emulator: unknown option "--rpn" (did you mean --rpm?)'],
    [['emulator', '--latency-ms', '40,20'], 'llm-resilience emulator: --latency-ms needs a number of ms or a range MIN,MAX, got "40,20"'],
  ])('%j exits 2 before running anything: %s', async (args, message) => {
    const { code, stdout, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain(`llm-resilience ${args[0]} --help lists the options.`);
    expect(stdout).toBe(''); // no emulator started, no batch run
  }, 40_000);

  it('names an unknown command, suggests the closest one, and prints the usage on stderr', async () => {
    const bogus = await cli('bogus');
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/^llm-resilience: unknown command "bogus"\n\nUsage:\n {2}llm-resilience demo \[options\]/);
    expect(bogus.stdout).toBe('');
    const typo = await cli('dmeo');
    expect(typo.stderr).toMatch(/^llm-resilience: unknown command "dmeo" \(did you mean demo\?\)/);
  }, 40_000);

  it('prints the usage and exits 0 for --help and with no command', async () => {
    for (const args of [['--help'], []]) {
      const { code, stdout } = await cli(...args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage:\n {2}llm-resilience demo \[options\]/);
    }
    const emulatorHelp = await cli('emulator', '--help');
    expect(emulatorHelp.code).toBe(0);
    expect(emulatorHelp.stdout).toMatch(/^Usage: llm-resilience emulator \[--rpm 500\]/);
  }, 40_000);
});

describe('the flag parser', () => {
  const spec = { '--calls': 'value', '--rpm': 'value', '--live': 'switch' } as const;

  it('takes --name value, --name=value and switches; the last of a repeated flag wins', () => {
    const flags = parseFlags(['--calls', '20', '--rpm=600', '--live', '--calls', '30'], spec);
    expect([...flags]).toEqual([
      ['--calls', '30'],
      ['--rpm', '600'],
      ['--live', true],
    ]);
  });

  it('does not take the next flag as a value', () => {
    expect(() => parseFlags(['--calls', '--live'], spec)).toThrow('--calls needs a value');
  });

  it('suggests a known flag only when it is close', () => {
    expect(closest('--call', Object.keys(spec))).toBe('--calls');
    expect(closest('--rmp', Object.keys(spec))).toBe('--rpm');
    expect(closest('--bogus', Object.keys(spec))).toBeUndefined();
  });

  it('the demo options keep their defaults and read every documented flag', () => {
    expect(parseDemoOptions([])).toMatchObject({ calls: 300, rpm: 1500, tpm: 90_000, faults: 0, workers: 1, compare: true, sdkRetries: 2, model: 'gpt-4o-mini' });
    const options = parseDemoOptions(['--calls', '60', '--rpm=600', '--tpm', '20000', '--faults', '0.05', '--no-compare', '--sdk-retries', '0', '--model', 'gpt-4.1-mini']);
    expect(options).toMatchObject({ calls: 60, rpm: 600, tpm: 20_000, faults: 0.05, compare: false, sdkRetries: 0, model: 'gpt-4.1-mini' });
    expect(parseDemoOptions(['--live', '--help']).help).toBe(true); // help first: --live's key is not needed for it
  });
});
