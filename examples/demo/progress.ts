import { SingleBar, Presets } from 'cli-progress';

/** Progress of a batch: a bar on a terminal, a plain line every few seconds otherwise. */
export interface Progress {
  tick(failed: boolean): void;
  stop(): void;
}

/** Creates the progress display for `total` calls. */
export function createProgress(total: number, out: NodeJS.WriteStream = process.stdout): Progress {
  let done = 0;
  let failed = 0;
  if (out.isTTY) {
    const bar = new SingleBar(
      { format: 'summarising [{bar}] {value}/{total} calls | {failed} failed | {eta_formatted} left', stream: out, hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(total, 0, { failed: 0 });
    return {
      tick: (f) => {
        done++;
        if (f) failed++;
        bar.update(done, { failed });
      },
      stop: () => bar.stop(),
    };
  }
  const started = Date.now();
  const timer = setInterval(() => out.write(`progress: ${done}/${total} calls, ${failed} failed, ${((Date.now() - started) / 1000).toFixed(0)} s\n`), 2000);
  return {
    tick: (f) => {
      done++;
      if (f) failed++;
    },
    stop: () => clearInterval(timer),
  };
}
