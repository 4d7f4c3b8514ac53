/** Runs one benchmark file in a fresh Node process (TypeScript require hook) and returns what it sends back. */

import { fork } from 'node:child_process';
import { join } from 'node:path';

const REGISTER = join(__dirname, '..', 'scripts', 'register.js');

/**
 * Forks `file` (under bench/) with `nodeFlags` and the require hook, and resolves with the `result` of the
 * first `{ type: 'result', result }` message. The child is killed if it has not answered within `timeoutMs`.
 */
export function runInChild<T>(file: string, args: readonly string[], nodeFlags: readonly string[], timeoutMs: number): Promise<T> {
  const child = fork(join(__dirname, file), [...args], { execArgv: [...nodeFlags, '-r', REGISTER], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  return new Promise<T>((resolve, reject) => {
    let result: { value: T } | undefined;
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`${file} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', (message: { type?: string; result?: T }) => {
      if (message.type === 'result') result = { value: message.result as T };
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      process.off('exit', kill);
      if (result !== undefined) resolve(result.value);
      else reject(new Error(`${file} exited (${String(code ?? signal)}) without a result`));
    });
  });
}
