import type { DemoOptions } from './options';
import type { BatchReport } from './report';
import { runDemo } from './run-demo';

/** Runs the demo as the command line asked: one process, or several sharing Redis. */
export async function runDemoCommand(options: DemoOptions): Promise<BatchReport | undefined> {
  if (options.worker !== undefined) {
    const { runWorkerShare } = await import('./workers');
    await runWorkerShare(options);
    return undefined;
  }
  if (options.workers > 1) {
    const { runWorkers } = await import('./workers');
    return runWorkers(options);
  }
  return runDemo(options);
}
